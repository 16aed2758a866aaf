import Foundation
import SyncCore

/// The federation CA's revocation list, spread through the tree like the
/// catalog: a change of the reserved dataset `_revocations` that any node may
/// relay but only the CA can author (its signature is checked by every node
/// before it is kept), the newer list (by CRL number) winning. Nodes reload
/// their TLS from it; a revoked peer is refused at its next handshake.
public struct RevocationService: Sendable {
    /// The reserved dataset the list travels in.
    public static let dataset = "_revocations"
    static let key = "crl"
    static let item = "pem"

    public let replica: Replica

    public init(replica: Replica) { self.replica = replica }

    /// The list this node holds: its number and PEM.
    public func current() throws -> (number: Int64, pem: String)? {
        try replica.store.read { try $0.revocationList() }
    }

    /// Publishes a list at this node (it then reaches every node); returns its number.
    @discardableResult
    public func publish(pem: String) throws -> Int64 {
        guard let verifier = replica.revocationVerifier else {
            throw ReplicationError("this node cannot check revocation lists")
        }
        let checked: (number: Int64, serials: Set<String>)
        do { checked = try verifier.verify(pem: pem) } catch {
            throw ReplicationError("the revocation list was not signed by the federation CA: \(error)")
        }
        if let held = try current(), held.number >= checked.number {
            throw ReplicationError("this node already holds revocation list number \(held.number); publish a newer one (number \(checked.number) is not)")
        }
        let replica = self.replica
        try replica.transaction(from: nil, cursor: nil, audit: { _ in replica.draft("revocation list published", "CRL \(checked.number)") }) { emit, _ in
            let stamp = Stamp(hlc: replica.tick(), origin: replica.nodeID)
            try emit(EncodedChange(Change(dataset: RevocationService.dataset, key: RevocationService.key, region: replica.node.region,
                                          items: [RevocationService.item: ItemWrite(value: .string(pem), stamp: stamp)], origin: replica.nodeID)))
        }
        return checked.number
    }
}

extension ApplyRun {
    /// Keeps a newer revocation list the CA signed; an older or equal one is ignored.
    mutating func applyRevocationList(_ encoded: EncodedChange) throws {
        let change = encoded.change
        guard change.key == RevocationService.key, change.items.count == 1, change.tombstone == nil,
              let pem = change.items[RevocationService.item]?.value.text else {
            throw ReplicationError("a \(RevocationService.dataset) change must carry one item '\(RevocationService.item)' holding the list", kind: .invalid)
        }
        guard let verifier = replica.revocationVerifier else { return }
        let checked: (number: Int64, serials: Set<String>)
        do { checked = try verifier.verify(pem: pem) } catch {
            throw ReplicationError("the revocation list relayed by \(from ?? replica.nodeID) was not signed by the federation CA: \(error)", kind: .forbidden)
        }
        if let held = try tx.revocationList(), held.number >= checked.number { return }
        try tx.setRevocationList(number: checked.number, pem: pem, at: now)
        let seq = try append(try logEntry(change, body: encoded.bytes, live: true,
                                          to: replica.topology.neighbours(of: node).map(\.id).filter { $0 != from }))
        let previous = try tx.record(dataset: change.dataset, key: change.key)?.contributions.map(\.seq) ?? []
        try tx.setRecord(dataset: change.dataset, key: change.key, region: change.region, deleted: false, contributions: [seq])
        try tx.retire(previous)
        stats.applied += 1
    }
}
