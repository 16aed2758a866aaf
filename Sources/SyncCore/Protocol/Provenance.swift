/// Provenance (可追溯): every change is signed by the node that made it, so a
/// hub that relays it can drop it but not alter or forge it.
///
/// An origin signs its changes in blocks: the changes one transaction logs, up
/// to `SignedBlock.capacity` at a time. A block is the list of the SHA-256
/// hashes of its changes' canonical bytes (its leaves) and one ECDSA P-256
/// signature over that list, with the certificate that verifies it. A change
/// travels with its block and its place in it; a relay forwards any subset of
/// a block's changes with the block unchanged, and each receiver checks the
/// change's hash against its leaf and the block's signature against the
/// origin's certificate (issued by the federation CA, naming the origin) —
/// once per block, then a hash per change.
public struct SignedBlock: Sendable, Hashable {
    /// Most changes in one block.
    public static let capacity = 256

    /// The node that made (and signed) the changes.
    public var origin: String
    /// SHA-256 of each change's canonical bytes, 32 bytes each, in the order they were logged.
    public var leaves: [UInt8]
    /// The origin's signature over `message`.
    public var signature: [UInt8]
    /// The origin's certificate (DER) at signing time.
    public var certificate: [UInt8]

    public init(origin: String, leaves: [UInt8], signature: [UInt8], certificate: [UInt8]) {
        self.origin = origin
        self.leaves = leaves
        self.signature = signature
        self.certificate = certificate
    }

    public var count: Int { leaves.count / 32 }

    /// The hash at `index`, nil past the end.
    public func leaf(_ index: Int) -> ArraySlice<UInt8>? {
        guard index >= 0, index < count else { return nil }
        return leaves[index * 32 ..< index * 32 + 32]
    }

    /// What the origin signs: a fixed label, the origin, and the leaves.
    public static func message(origin: String, leaves: [UInt8]) -> [UInt8] {
        Array("syncnode signed block v1\n".utf8) + Array(origin.utf8) + [0] + leaves
    }

    public var message: [UInt8] { SignedBlock.message(origin: origin, leaves: leaves) }
}

/// Where a change stands in its origin's signed block. `whole` is set when the
/// change is a part of a signed change (a relay whose catalog gives some of its
/// items another authority splits it): the signed bytes, of which the change
/// must be a subset.
public struct ChangeProof: Sendable, Equatable {
    public var block: SignedBlock
    public var leaf: Int
    public var whole: [UInt8]?

    public init(block: SignedBlock, leaf: Int, whole: [UInt8]? = nil) {
        self.block = block
        self.leaf = leaf
        self.whole = whole
    }
}

/// What the engine needs of cryptography without touching OpenSSL: the node
/// plugs its key, certificate and CA in.
public protocol ChangeSigner: Sendable {
    /// SHA-256 of `bytes`.
    func digest(_ bytes: [UInt8]) -> [UInt8]
    /// Signs `leaves` as this node: a block with this node's certificate.
    func sign(leaves: [UInt8]) throws -> SignedBlock
    /// Checks `block`: its certificate was issued by the federation CA to node
    /// `block.origin`, and its signature verifies. Throws with the reason when not.
    func verify(_ block: SignedBlock) throws(ProvenanceError)
}

/// Why a change's signature was refused.
public struct ProvenanceError: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// The checks a receiver makes of one change against its proof.
public enum ProvenanceCheck {
    /// Nil when `change` is what its origin signed; otherwise why not.
    /// - Parameter blockVerified: the block's signature was checked already (for the change before).
    public static func problem(with change: EncodedChange, proof: ChangeProof?, signer: any ChangeSigner, blockVerified: Bool = false) -> String? {
        guard let proof else { return "it carries no origin signature" }
        let origin = change.change.origin
        guard proof.block.origin == origin else {
            return "its signature is by \(proof.block.origin), not by its origin \(origin)"
        }
        guard let leaf = proof.block.leaf(proof.leaf) else {
            return "its place \(proof.leaf) is outside its signed block of \(proof.block.count)"
        }
        let signed = proof.whole ?? change.bytes
        guard signer.digest(signed)[...] == leaf else {
            return "its bytes are not what \(origin) signed (altered on the way)"
        }
        if let whole = proof.whole {
            guard let original = try? ChangeCodec.decode(whole).change else { return "the signed change it is part of is unreadable" }
            guard isPart(change.change, of: original) else { return "it is not a part of the change \(origin) signed" }
        }
        if blockVerified { return nil }
        do { try signer.verify(proof.block) } catch { return "\(origin)'s block signature does not verify: \(error)" }
        return nil
    }

    /// Whether `part` carries only what `whole` does: the same record and origin, a subset of its items, its tombstone or none.
    public static func isPart(_ part: Change, of whole: Change) -> Bool {
        guard part.dataset == whole.dataset, part.key == whole.key, part.region == whole.region, part.origin == whole.origin else {
            return false
        }
        if let tombstone = part.tombstone, tombstone != whole.tombstone { return false }
        return part.items.allSatisfy { whole.items[$0.key] == $0.value }
    }
}
