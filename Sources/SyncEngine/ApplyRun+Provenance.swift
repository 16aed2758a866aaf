import SyncCore

/// A node could not sign the changes it made: its certificate or key cannot be read. Nothing was written.
public struct SigningError: Error, CustomStringConvertible, Sendable {
    public let node: String
    public let reason: String

    public var description: String {
        "\(node) cannot sign its changes, so nothing was written: \(reason)"
    }
}

/// Provenance in the apply pipeline: a received change is checked against its
/// origin's signature before anything of it is applied; every change logged
/// keeps its origin's signed block — a relayed one the block it came with, one
/// made here a block this node signs when the transaction (or 256 changes) ends.
extension ApplyRun {
    /// Refuses a change from a neighbour that is not what its origin signed.
    /// - Parameter verifiedBlock: the change's block was verified for the change before it.
    func checkProvenance(_ encoded: EncodedChange, _ proof: ChangeProof?, verifiedBlock: Bool) throws {
        guard let from, let signer = replica.signer else { return }
        if let problem = ProvenanceCheck.problem(with: encoded, proof: proof, signer: signer, blockVerified: verifiedBlock) {
            let change = encoded.change
            replica.counters.refused.increment("signature")
            throw ReplicationError("change \(change.dataset)/\(change.key.prefix(80)) by origin \(change.origin), relayed by \(from), "
                                   + "is refused: \(problem)", kind: .forbidden)
        }
    }

    /// The log entry for `change` (`body` its canonical bytes), with its place in its origin's signed
    /// block, going into the outboxes of `peers`.
    mutating func logEntry(_ change: Change, body: [UInt8], live: Bool, to peers: [String] = []) throws -> LogWrite {
        LogWrite(dataset: change.dataset, region: change.region, from: from, live: live, body: body,
                 proof: try proof(for: change, body: body), outboxes: notToItsOrigin(change, peers))
    }

    private mutating func proof(for change: Change, body: [UInt8]) throws -> LogProof? {
        guard let signer = replica.signer else { return nil }
        if let received = receiving, received.proof.block.origin == change.origin {
            let id: Int64
            let signature = received.proof.block.signature
            if let last = lastBlockID, last.signature == signature {
                id = last.id
            } else if let known = blockIDs[signature] {
                id = known
            } else {
                id = try tx.storeBlock(received.proof.block)
                blockIDs[signature] = id
            }
            lastBlockID = (signature, id)
            // A part of the received change (a split by authority) keeps the signed whole with it.
            let whole = body == received.bytes ? received.proof.whole : (received.proof.whole ?? received.bytes)
            return LogProof(block: id, leaf: received.proof.leaf, whole: whole)
        }
        guard change.origin == node else { return nil }
        if ownBlock == nil { ownBlock = (try tx.reserveBlockID(), []) }
        ownBlock!.leaves += signer.digest(body)
        let proof = LogProof(block: ownBlock!.id, leaf: ownBlock!.leaves.count / 32 - 1)
        if ownBlock!.leaves.count / 32 == SignedBlock.capacity { try sealOwnBlock() }
        return proof
    }

    /// Signs and stores the block of changes made here, if one is open.
    mutating func sealOwnBlock() throws {
        guard let pending = ownBlock, let signer = replica.signer else { return }
        ownBlock = nil
        let block: SignedBlock
        do { block = try signer.sign(leaves: pending.leaves) } catch {
            // Not a change's fault (an import must not report it once per row): an error of its own.
            throw SigningError(node: node, reason: "\(error)")
        }
        try tx.storeBlock(block, id: pending.id)
    }
}
