public import SyncCore

/// The parent's side of anti-entropy: answers a child's digest requests about
/// what the two must both hold, hands out its changes of records that differ
/// and takes the child's. The caller is the child its certificate names; what
/// is compared and sent is decided from that identity and routing alone, so a
/// child asking for a record outside what it shares gets nothing of it.
public struct DigestService: Sendable {
    public let replica: Replica

    public init(replica: Replica) { self.replica = replica }

    /// The datasets `child` and its parent must both hold, with what of each.
    public func scopes(child: String) throws -> [String: DigestScope] {
        guard let entry = replica.topology.node(child) else { return [:] }
        let known = try replica.store.read { try replica.knownDatasets($0) }
        var scopes: [String: DigestScope] = [:]
        for (id, dataset) in known {
            if let scope = DigestScope.of(dataset.definition, withdrawn: dataset.withdrawn, child: entry, topology: replica.topology) {
                scopes[id] = scope
            }
        }
        return scopes
    }

    /// Answers `POST /v1/digest` from child `peer`: a JSON `DigestAnswer`, or for `entries` a `Batch`.
    public func answer(_ request: DigestRequest, from peer: String) throws -> [UInt8] {
        guard replica.topology.parent(of: peer)?.id == replica.nodeID else {
            throw ReplicationError("only children compare copies here; \(peer) is not a child of \(replica.nodeID)", kind: .forbidden)
        }
        let scopes = try scopes(child: peer)
        func scope(_ dataset: String?) throws -> (String, DigestScope) {
            guard let dataset, let scope = scopes[dataset] else {
                throw ReplicationError("dataset '\(dataset ?? "")' is not one \(replica.nodeID) and \(peer) both hold", kind: .refused)
            }
            return (dataset, scope)
        }
        let now = replica.wallClock.millis()
        switch request.op {
        case .roots:
            let waiting = try replica.store.read { r in try r.outboxStates()[peer].map { $0.depth > 0 || $0.resyncOwed } ?? false }
            if waiting { return DigestAnswer(busy: true).encoded() }
            var answer = DigestAnswer(equal: [], differing: [:], unknown: [])
            let stats = try replica.store.read { try $0.datasetStats() }
            var found: [Found] = []
            for (dataset, root) in (request.roots ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard let scope = scopes[dataset] else { answer.unknown?.append(dataset); continue }
                let tree = try replica.digests.tree(replica, dataset: dataset, scope: scope, stats: stats)
                if tree.root == root {
                    answer.equal?.append(dataset)
                    found.append(Found(dataset: dataset, records: tree.count, differing: 0))
                } else {
                    answer.differing?[dataset] = tree.branchHashes.map(FastHash.hex)
                    found.append(Found(dataset: dataset, records: tree.count, differing: nil))
                }
            }
            try DigestService.keep(found, peer: peer, in: replica, at: now)
            return answer.encoded()
        case .buckets:
            let (dataset, scope) = try scope(request.dataset)
            let tree = try replica.digests.tree(replica, dataset: dataset, scope: scope)
            var buckets: [String: [String]] = [:]
            for branch in request.branches ?? [] { buckets[String(branch)] = tree.buckets(of: branch).map(FastHash.hex) }
            return DigestAnswer(buckets: buckets).encoded()
        case .leaves:
            let (dataset, scope) = try scope(request.dataset)
            let buckets = Set(request.buckets ?? [])
            let mine = try DigestTrees.leaves(replica, dataset: dataset, scope: scope, buckets: buckets)
            let theirs = (request.leaves ?? [:]).filter { buckets.contains(DigestTree.bucket(of: $0.key)) }
            var keys = Set(mine.keys).symmetricDifference(theirs.keys)
            for (key, leaf) in mine where theirs[key].flatMap(FastHash.parse).map({ $0 != leaf }) ?? false { keys.insert(key) }
            let sorted = keys.sorted()
            let previous = try replica.store.read { try $0.linkDigests().first { $0.peer == peer && $0.dataset == dataset } }
            try DigestService.keep([Found(dataset: dataset, records: previous?.records ?? 0, differing: (previous?.differing ?? 0) + sorted.count)],
                                   peer: peer, in: replica, at: now)
            return DigestAnswer(keys: sorted).encoded()
        case .entries:
            let (dataset, scope) = try scope(request.dataset)
            return Batch.encode(try entries(dataset, scope: scope, keys: request.keys ?? [], for: peer))
        }
    }

    /// This node's changes of records `keys` of `dataset` that lie in `scope`, as a repair sends them:
    /// to the parent only what this node's side wrote (the parent takes nothing else from it);
    /// to a child everything the records are made of.
    public func entries(_ dataset: String, scope: DigestScope, keys: [String], for peer: String) throws -> [LogEntry] {
        let topology = replica.topology, node = replica.nodeID
        let toParent = topology.parent(of: node)?.id == peer
        let live = try replica.store.read { try $0.liveEntries(dataset: dataset, keys: Array(keys.prefix(DigestRequest.Limits.keys))) }
        let sent = live.filter { entry in
            guard entry.dataset == dataset, scope.contains(region: entry.region) else { return false }
            guard toParent else { return true }
            guard let origin = try? ChangeCodec.decode(entry.body).change.origin else { return false }
            return origin == node || topology.isDescendant(origin, of: node)
        }
        // Numbered in the order sent (a batch's numbers rise); the receiver keeps no cursor of them.
        return sent.enumerated().map { LogEntry(seq: Int64($0.offset + 1), body: $0.element.body, proof: $0.element.proof) }
    }

    /// `POST /v1/digest/repair` from child `peer`: its changes of records that differ, applied as a repair.
    public func repair(from peer: String, body: [UInt8]) throws -> RepairAnswer {
        guard replica.topology.parent(of: peer)?.id == replica.nodeID else {
            throw ReplicationError("only children send repairs here; \(peer) is not a child of \(replica.nodeID)", kind: .forbidden)
        }
        let batch: Batch
        do { batch = try Batch.decode(body) } catch {
            throw ReplicationError("the body of POST \(Endpoint.digestRepair) is not valid: \(error)", kind: .invalid)
        }
        let scopes = try scopes(child: peer)
        // Only records both must hold: nothing else is taken by way of a repair.
        let inScope = batch.entries.filter { entry in
            scopes[entry.change.change.dataset].map { $0.contains(region: entry.change.change.region.code) } ?? false
        }
        let stats = try replica.repair(inScope, from: peer, recovering: false)
        for dataset in Set(inScope.map(\.change.change.dataset)) { replica.digests.forget(dataset) }
        let outside = batch.entries.count - inScope.count
        return RepairAnswer(applied: stats.applied, unrepaired: stats.unrepaired + outside,
                            reasons: stats.reasons + (outside > 0 ? ["\(outside) changes are of records \(replica.nodeID) and \(peer) need not both hold: left out"] : []))
    }

    /// What a comparison found of one dataset: records in common, and how many differ (0: equal;
    /// nil: found different, the count still to come).
    struct Found {
        var dataset: String
        var records: Int
        var differing: Int?
        var note: String? = nil
    }

    /// Keeps what a comparison with `peer` found, in one transaction (a round compares every dataset).
    static func keep(_ found: [Found], peer: String, in replica: Replica, at now: Int64) throws {
        guard !found.isEmpty else { return }
        try replica.store.write(.processCrash) { tx in
            let previous = Dictionary(try tx.linkDigests().filter { $0.peer == peer }.map { ($0.dataset, $0) }, uniquingKeysWith: { a, _ in a })
            for f in found {
                let before = previous[f.dataset]
                try tx.putLinkDigest(LinkDigest(peer: peer, dataset: f.dataset, checkedAt: now, equalAt: f.differing == 0 ? now : before?.equalAt,
                                                records: f.records, differing: f.differing ?? 0,
                                                note: f.differing == 0 ? nil : f.note ?? before?.note))
            }
        }
    }
}
