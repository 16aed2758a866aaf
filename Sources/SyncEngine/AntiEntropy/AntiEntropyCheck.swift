import Foundation
public import SyncCore

/// The child's side of anti-entropy: compares, dataset by dataset, its copy of
/// what it and its parent must both hold with the parent's — roots first, then
/// down the digest tree where they differ — and repairs what differs through the
/// ordinary change path: each side sends the other its logged changes of those
/// records, signed by their origins, admitted and merged like any other. Then it
/// compares again: equal is proven, not assumed.
public struct AntiEntropyCheck: Sendable {
    public let replica: Replica
    public let parent: String

    public init(replica: Replica, parent: String) {
        self.replica = replica
        self.parent = parent
    }

    /// What one check found.
    public struct Outcome: Sendable, Equatable {
        /// The link had changes on their way (either side): nothing was compared.
        public var postponed = false
        /// Datasets compared and found equal (at once or after a repair).
        public var equal: [String] = []
        /// Records found different, per dataset, before repairs.
        public var found: [String: Int] = [:]
        /// Records still different after repairs, per dataset.
        public var remaining: [String: Int] = [:]
        /// Changes applied here and at the parent by the repairs.
        public var repaired = 0
        /// Bytes sent and received by the check.
        public var bytes = 0
    }

    /// One check of every dataset shared with the parent.
    public func run(over channel: any ParentChannel) throws -> Outcome {
        var outcome = Outcome()
        let quiet = try replica.store.read { r in
            let state = try r.outboxStates()[parent]
            let recovering = try r.nodeMeta(Recovery.metaKey) == "1"
            return (state?.depth ?? 0) == 0 && !(state?.resyncOwed ?? false) && !recovering
        }
        guard quiet else { outcome.postponed = true; return outcome }
        let service = DigestService(replica: replica)
        let scopes = try service.scopes(child: replica.nodeID)
        guard !scopes.isEmpty else { return outcome }
        var trees: [String: DigestTree] = [:]
        let stats = try replica.store.read { try $0.datasetStats() }
        for (dataset, scope) in scopes { trees[dataset] = try replica.digests.tree(replica, dataset: dataset, scope: scope, stats: stats) }
        var answer = try roots(trees.mapValues(\.root), channel, &outcome)
        guard answer.busy != true else { outcome.postponed = true; return outcome }
        outcome.equal = answer.equal ?? []
        try DigestService.keep(outcome.equal.map { .init(dataset: $0, records: trees[$0]?.count ?? 0, differing: 0) },
                               peer: parent, in: replica, at: replica.wallClock.millis())
        for (dataset, branches) in (answer.differing ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let scope = scopes[dataset], var tree = trees[dataset] else { continue }
            var theirs = branches
            var reasons: [String] = []
            for pass in 0..<2 {
                let keys = try differingKeys(dataset, scope: scope, tree: tree, theirBranches: theirs, channel, &outcome)
                if pass == 0 {
                    outcome.found[dataset] = keys.count
                    // Diverged until proven repaired: status shows it while the repair runs.
                    try note(dataset, records: tree.count, differing: keys.count, note: nil, at: replica.wallClock.millis())
                    reasons = try repair(dataset, scope: scope, keys: keys, channel, &outcome)
                } else {
                    outcome.remaining[dataset] = keys.count
                    try note(dataset, records: tree.count, differing: keys.count,
                             note: reasons.isEmpty ? "\(keys.count) records still differ after a repair; the next check tries again"
                                                   : reasons.prefix(3).joined(separator: "; "), at: replica.wallClock.millis())
                    break
                }
                replica.digests.forget(dataset)
                tree = try replica.digests.tree(replica, dataset: dataset, scope: scope)
                answer = try roots([dataset: tree.root], channel, &outcome)
                guard answer.busy != true else { outcome.postponed = true; return outcome }
                if answer.equal?.contains(dataset) ?? false {
                    outcome.equal.append(dataset)
                    outcome.remaining[dataset] = 0
                    try note(dataset, records: tree.count, differing: 0, note: nil, at: replica.wallClock.millis())
                    break
                }
                guard let again = answer.differing?[dataset] else { break }
                theirs = again
            }
        }
        outcome.equal = Array(Set(outcome.equal)).sorted()
        return outcome
    }

    private func roots(_ roots: [String: String], _ channel: any ParentChannel, _ outcome: inout Outcome) throws -> DigestAnswer {
        let request = DigestRequest(op: .roots, roots: roots)
        return try ask(request, channel, &outcome)
    }

    private func ask(_ request: DigestRequest, _ channel: any ParentChannel, _ outcome: inout Outcome) throws -> DigestAnswer {
        let body = request.encoded()
        let bytes = try channel.digest(request)
        outcome.bytes += body.count + bytes.count
        do { return try DigestAnswer.decode(bytes) } catch {
            throw ReplicationError("\(parent) answered a digest request with something else: \(error)")
        }
    }

    /// The keys whose records differ, found by descending the tree where its hashes differ from the parent's.
    private func differingKeys(_ dataset: String, scope: DigestScope, tree: DigestTree, theirBranches: [String],
                               _ channel: any ParentChannel, _ outcome: inout Outcome) throws -> [String] {
        let mine = tree.branchHashes
        guard theirBranches.count == DigestTree.branches else {
            throw ReplicationError("\(parent) sent \(theirBranches.count) branch hashes of \(dataset), not \(DigestTree.branches)")
        }
        let branches = (0..<DigestTree.branches).filter { FastHash.parse(theirBranches[$0]) != mine[$0] }
        guard !branches.isEmpty else { return [] }
        let answer = try ask(DigestRequest(op: .buckets, dataset: dataset, branches: branches), channel, &outcome)
        var buckets: [Int] = []
        for branch in branches {
            guard let theirs = answer.buckets?[String(branch)], theirs.count == DigestTree.bucketsPerBranch else {
                throw ReplicationError("\(parent) did not send the buckets of branch \(branch) of \(dataset)")
            }
            let own = tree.buckets(of: branch)
            for index in 0..<DigestTree.bucketsPerBranch where FastHash.parse(theirs[index]) != own[index] {
                buckets.append(branch * DigestTree.bucketsPerBranch + index)
            }
        }
        var keys: [String] = []
        for start in stride(from: 0, to: buckets.count, by: DigestRequest.Limits.buckets) {
            let chunk = Array(buckets[start..<min(buckets.count, start + DigestRequest.Limits.buckets)])
            let leaves = try DigestTrees.leaves(replica, dataset: dataset, scope: scope, buckets: Set(chunk))
            let request = DigestRequest(op: .leaves, dataset: dataset, buckets: chunk, leaves: leaves.mapValues(FastHash.hex))
            keys += try ask(request, channel, &outcome).keys ?? []
        }
        return keys
    }

    /// Sends this node's changes of `keys` to the parent and applies the parent's here; returns why some were left out.
    private func repair(_ dataset: String, scope: DigestScope, keys: [String], _ channel: any ParentChannel,
                        _ outcome: inout Outcome) throws -> [String] {
        let service = DigestService(replica: replica)
        var reasons: [String] = []
        for start in stride(from: 0, to: keys.count, by: DigestRequest.Limits.keys) {
            let chunk = Array(keys[start..<min(keys.count, start + DigestRequest.Limits.keys)])
            let mine = try service.entries(dataset, scope: scope, keys: chunk, for: parent)
            if !mine.isEmpty {
                let body = Batch.encode(mine)
                let answer = try channel.repair(body)
                outcome.bytes += body.count
                outcome.repaired += answer.applied
                reasons += answer.reasons.map { "at \(parent): \($0)" }
            }
            let request = DigestRequest(op: .entries, dataset: dataset, keys: chunk)
            let bytes = try channel.digest(request)
            outcome.bytes += request.encoded().count + bytes.count
            let theirs: Batch
            do { theirs = try Batch.decode(bytes) } catch { throw ReplicationError("\(parent) sent changes for a repair that are not valid: \(error)") }
            // The parent's copy may carry this node's own writes and its subtree's: they are taken back as after a restore.
            let entries = theirs.entries.filter { $0.change.change.dataset == dataset && scope.contains(region: $0.change.change.region.code) }
            let stats = try replica.repair(entries, from: parent, recovering: true)
            outcome.repaired += stats.applied
            reasons += stats.reasons
        }
        return reasons
    }

    private func note(_ dataset: String, records: Int, differing: Int, note: String?, at now: Int64) throws {
        try DigestService.keep([.init(dataset: dataset, records: records, differing: differing, note: note)], peer: parent, in: replica, at: now)
    }
}
