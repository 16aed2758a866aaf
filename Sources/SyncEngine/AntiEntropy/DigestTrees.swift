import Foundation
import Synchronization
import SyncCore

/// The digest trees a node computes of what it shares with its neighbours,
/// kept while their dataset is unchanged, so that comparing copies that have
/// not changed costs no scan. A tree is computed again after 10 minutes all the
/// same (a page lost on disk changes no statistics); a node's trees start afresh
/// when it starts, so a database edited while the node was stopped is read anew.
public final class DigestTrees: Sendable {
    struct Cached {
        var tree: DigestTree
        var version: DatasetStats?
        var at: Date
    }

    private let cache = Mutex<(trees: [String: Cached], buckets: Int)>(([:], 0))
    /// Most filled buckets kept in all (about 40 bytes each): a tree of a few records costs a few,
    /// so a province keeping a tree per city and dataset keeps them all.
    static let budget = 1 << 20
    static let lifetime = 600.0

    init() {}

    /// The tree of `dataset` in `scope`, as kept or computed now.
    /// - Parameter stats: the datasets' statistics, read once for many trees.
    func tree(_ replica: Replica, dataset: String, scope: DigestScope, stats: [String: DatasetStats]? = nil) throws -> DigestTree {
        let name = dataset + "|" + scope.regionPrefix
        let stats = try stats ?? replica.store.read { try $0.datasetStats() }
        let version = stats[dataset]
        // A dataset that never held a record here has an empty tree: nothing to read.
        guard version != nil else { return DigestTree() }
        if let cached = cache.withLock({ $0.trees[name] }), cached.version == version, -cached.at.timeIntervalSinceNow < DigestTrees.lifetime {
            return cached.tree
        }
        var tree = DigestTree()
        try DigestTrees.forEachLeaf(replica, dataset: dataset, scope: scope) { key, leaf in tree.add(key: key, leaf: leaf) }
        cache.withLock { cache in
            if let old = cache.trees.removeValue(forKey: name) { cache.buckets -= old.tree.filledBuckets }
            while cache.buckets + tree.filledBuckets > DigestTrees.budget, let oldest = cache.trees.min(by: { $0.value.at < $1.value.at }) {
                cache.trees[oldest.key] = nil
                cache.buckets -= oldest.value.tree.filledBuckets
            }
            guard tree.filledBuckets <= DigestTrees.budget else { return }
            cache.trees[name] = Cached(tree: tree, version: version, at: Date())
            cache.buckets += tree.filledBuckets
        }
        return tree
    }

    /// Forgets the trees of `dataset` (after a repair: a row put right changes no statistics), or every tree.
    public func forget(_ dataset: String? = nil) {
        cache.withLock { cache in
            guard let dataset else { cache = ([:], 0); return }
            for (name, cached) in cache.trees where name.hasPrefix(dataset + "|") {
                cache.trees[name] = nil
                cache.buckets -= cached.tree.filledBuckets
            }
        }
    }

    /// The leaves of the records of `dataset` in `scope` that fall in `buckets`.
    static func leaves(_ replica: Replica, dataset: String, scope: DigestScope, buckets: Set<Int>) throws -> [String: UInt64] {
        var leaves: [String: UInt64] = [:]
        try forEachLeaf(replica, dataset: dataset, scope: scope) { key, leaf in
            if buckets.contains(DigestTree.bucket(of: key)) { leaves[key] = leaf }
        }
        return leaves
    }

    /// Every record of `dataset` in `scope` with its leaf. A tombstone about to be purged is left
    /// out: neighbours purge on their own schedules, and one a day from it is not compared.
    static func forEachLeaf(_ replica: Replica, dataset: String, scope: DigestScope, _ body: (String, UInt64) -> Void) throws {
        let retention = replica.policy.tombstoneRetentionDays * 86_400_000
        let horizon = replica.wallClock.millis() - Int64(retention - min(86_400_000, retention / 2))
        try replica.store.read { reader in
            try reader.forEachDigestRow(dataset: dataset, regionPrefix: scope.regionPrefix) { row in
                if row.deleted {
                    let newest = row.bodies.compactMap { try? ChangeCodec.decode($0).change.newestStamp?.millis }.max() ?? 0
                    if newest < horizon { return }
                }
                body(row.key, DigestTree.leaf(key: row.key, region: row.region, deleted: row.deleted, bodies: row.bodies))
            }
        }
    }
}
