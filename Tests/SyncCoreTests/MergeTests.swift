import SyncCore
import SyncTesting
import XCTest

final class MergeTests: XCTestCase {
    let region = try! RegionCode("440310")
    /// Source "sz-pingshan"; item "licence" belongs to the vertical system "gd-amr".
    let dataset = DatasetDefinition(
        id: "enterprise", name: "企业", sourceNode: "sz-pingshan", shareType: .unconditional, backflow: .region,
        keyItem: "uscc", regionItem: "region",
        items: [ItemDefinition(name: "uscc", title: "统一社会信用代码", type: .string),
                ItemDefinition(name: "region", title: "区划", type: .string),
                ItemDefinition(name: "name", title: "名称", type: .string),
                ItemDefinition(name: "licence", title: "许可证", type: .string, authority: "gd-amr")])

    func write(_ origin: String, _ hlc: Int64, _ values: [String: String]) -> Change {
        Change.write(dataset: "enterprise", key: "K", region: region, values: values.mapValues(JSONValue.string), origin: origin, hlc: hlc)
    }

    /// Merges changes the way a node does: authoritative parts into the state, proposals into conflicts.
    func merge(_ changes: [Change]) -> (RecordState?, Set<Conflict>) {
        var state: RecordState?
        var conflicts = Set<Conflict>()
        for change in changes {
            let (granted, proposed) = Merge.partition(change, dataset: dataset)
            if let granted { state = Merge.apply(granted, to: state).state }
            if let proposed { conflicts.formUnion(Merge.conflicts(in: proposed, dataset: dataset)) }
        }
        return (state, conflicts)
    }

    // MARK: Table tests, each in both orders

    func testNewerAuthorityWriteWinsInEitherOrder() {
        let old = write("sz-pingshan", 100, ["name": "旧名"]), new = write("sz-pingshan", 200, ["name": "新名"])
        for order in [[old, new], [new, old]] {
            XCTAssertEqual(merge(order).0?.values["name"], .string("新名"))
        }
    }

    func testTiesAreBrokenByOriginTheSameEverywhere() {
        // Two authorities for different items never tie on one item; on one item a tie can only be
        // the same origin. Across origins the order is total: compare stamps directly.
        XCTAssertLessThan(Stamp(hlc: 5, origin: "a"), Stamp(hlc: 5, origin: "b"))
        XCTAssertLessThan(Stamp(hlc: 4, origin: "z"), Stamp(hlc: 5, origin: "a"))
    }

    func testNonAuthorityWriteNeverWinsAndBecomesAConflict() {
        let authority = write("sz-pingshan", 100, ["name": "坪山科技有限公司"])
        let city = write("sz", 999, ["name": "改错的名字"])
        for order in [[authority, city], [city, authority]] {
            let (state, conflicts) = merge(order)
            XCTAssertEqual(state?.values["name"], .string("坪山科技有限公司"))
            XCTAssertEqual(conflicts.count, 1)
            XCTAssertEqual(conflicts.first?.authority, "sz-pingshan")
            XCTAssertEqual(conflicts.first?.proposed.value, .string("改错的名字"))
        }
        // Even with no authority value at all, the non-authority write is not applied.
        XCTAssertNil(merge([city]).0)
    }

    func testPerItemAuthority() {
        let district = write("sz-pingshan", 100, ["name": "A", "licence": "伪造"])
        let vertical = write("gd-amr", 50, ["licence": "粤市监-001"])
        for order in [[district, vertical], [vertical, district]] {
            let (state, conflicts) = merge(order)
            XCTAssertEqual(state?.values["name"], .string("A"))
            XCTAssertEqual(state?.values["licence"], .string("粤市监-001"), "the vertical system owns the licence item")
            XCTAssertEqual(conflicts.map(\.item), ["licence"])
        }
    }

    func testDeleteIsAnAuthorityWriteAndNewerWritesSurviveIt() {
        let w1 = write("sz-pingshan", 100, ["name": "A"])
        let del = Change.delete(dataset: "enterprise", key: "K", region: region, origin: "sz-pingshan", hlc: 150)
        let w2 = write("sz-pingshan", 200, ["name": "B"])
        for order in [[w1, del], [del, w1]] {
            XCTAssertEqual(merge(order).0?.isDeleted, true)
        }
        for order in [[w1, del, w2], [w2, del, w1], [del, w2, w1]] {
            let state = merge(order).0
            XCTAssertEqual(state?.isDeleted, false)
            XCTAssertEqual(state?.values["name"], .string("B"))
        }
        // A delete by a node that is not the source is a conflict, not a delete.
        let cityDelete = Change.delete(dataset: "enterprise", key: "K", region: region, origin: "sz", hlc: 999)
        let (state, conflicts) = merge([w1, cityDelete])
        XCTAssertEqual(state?.isDeleted, false)
        XCTAssertEqual(conflicts.first?.item, Conflict.deleteItem)
    }

    // MARK: Properties, randomised

    /// The same set of changes, delivered in any order, any number of times,
    /// gives the same state; non-authority writes never win.
    func testMergeIsOrderIndependentAndDuplicateSafe() {
        let origins = ["sz-pingshan", "gd-amr", "sz", "gd"]
        let items = ["name", "licence", "region"]
        for seed in UInt64(1)...300 {
            var rng = SeededGenerator(seed: seed)
            var changes: [Change] = []
            for _ in 0..<Int.random(in: 1...12, using: &rng) {
                let origin = origins.randomElement(using: &rng)!
                let hlc = Int64.random(in: 1...20, using: &rng)   // small range: plenty of equal clocks
                if Int.random(in: 0..<6, using: &rng) == 0 {
                    changes.append(Change.delete(dataset: "enterprise", key: "K", region: region, origin: origin, hlc: hlc))
                } else {
                    var values: [String: String] = [:]
                    for item in items where Bool.random(using: &rng) { values[item] = "\(origin)-\(hlc)-\(item)" }
                    if values.isEmpty { values["name"] = "\(origin)-\(hlc)" }
                    changes.append(write(origin, hlc, values))
                }
            }
            let reference = merge(changes)
            for _ in 0..<8 {
                var delivered = changes.shuffled(using: &rng)
                for _ in 0..<Int.random(in: 0...4, using: &rng) { delivered.append(changes.randomElement(using: &rng)!) }
                delivered.shuffle(using: &rng)
                let result = merge(delivered)
                XCTAssertEqual(result.0, reference.0, "seed \(seed): state depends on delivery order")
                XCTAssertEqual(result.1, reference.1, "seed \(seed): conflicts depend on delivery order")
            }
            // Non-authority writes never win; the winner is the newest authority write after the newest authority delete.
            let state = reference.0
            for (name, write) in state?.items ?? [:] {
                XCTAssertEqual(write.stamp.origin, dataset.authority(for: name), "seed \(seed): non-authority value for \(name)")
            }
            let authoritativeDeletes = changes.compactMap(\.tombstone).filter { $0.origin == "sz-pingshan" }
            let newestDelete = authoritativeDeletes.max()
            for name in items {
                let candidates = changes.compactMap { $0.items[name] }
                    .filter { write in
                        write.stamp.origin == dataset.authority(for: name) && (newestDelete.map { write.stamp > $0 } ?? true)
                    }
                XCTAssertEqual(state?.items[name], candidates.max { $0.stamp < $1.stamp }, "seed \(seed): wrong winner for \(name)")
            }
        }
    }

    /// Merging partial states (what a full resync sends) is the same join.
    func testMergingWholeStatesAgreesWithMergingChanges() {
        for seed in UInt64(1)...100 {
            var rng = SeededGenerator(seed: seed)
            let changes = (0..<8).map { i in
                write(["sz-pingshan", "gd-amr"].randomElement(using: &rng)!, Int64.random(in: 1...10, using: &rng),
                      ["name": "n\(i)", "licence": "l\(i)"])
            }
            let (half1, half2) = (Array(changes.prefix(4)), Array(changes.suffix(4)))
            let s1 = merge(half1).0!, s2 = merge(half2).0!
            let asChange = { (s: RecordState) in
                Change(dataset: "enterprise", key: "K", region: s.region, items: s.items, tombstone: s.tombstone, origin: "gd")
            }
            XCTAssertEqual(merge([asChange(s1), asChange(s2)]).0?.items, merge(changes).0?.items, "seed \(seed)")
        }
    }

    func testHybridClockNeverGoesBackwards() {
        var clock = HybridClock()
        let a = clock.tick(wallMillis: 1000)
        let b = clock.tick(wallMillis: 1000)
        let c = clock.tick(wallMillis: 900)   // wall clock stepped back
        XCTAssertLessThan(a, b)
        XCTAssertLessThan(b, c)
        clock.observe(5000 << 16)
        XCTAssertGreaterThan(clock.tick(wallMillis: 1000), 5000 << 16)
    }
}

/// A record stored as the few changes whose join it is.
final class MergeFoldTests: XCTestCase {
    let region = try! RegionCode("440310")

    func write(_ values: [String: JSONValue], by origin: String = "a", at hlc: Int64) -> Change {
        Change.write(dataset: "d", key: "k", region: region, values: values, origin: origin, hlc: hlc)
    }

    func testOnlyChangesThatSupplySomethingAreKeptAndTheyMakeTheSameState() throws {
        let first = write(["x": .int(1), "y": .int(1)], at: 1)
        let second = write(["x": .int(2)], at: 2)
        let third = write(["y": .int(3)], at: 3)
        let folded = try XCTUnwrap(Merge.fold([(id: 1, change: first), (id: 2, change: second), (id: 3, change: third)]))
        XCTAssertEqual(folded.keep, [2, 3], "the first change supplies nothing any more")
        XCTAssertEqual(folded.state.values, ["x": .int(2), "y": .int(3)])
        let again = try XCTUnwrap(Merge.fold([(id: 3, change: third), (id: 2, change: second)]))
        XCTAssertEqual(again.state, folded.state)
    }

    func testATombstoneSupersedesOlderItemsAndTheRegionFollowsTheNewestChange() throws {
        let write1 = write(["x": .int(1)], at: 1)
        let delete = Change.delete(dataset: "d", key: "k", region: try RegionCode("440304"), origin: "a", hlc: 2)
        let folded = try XCTUnwrap(Merge.fold([(id: 1, change: write1), (id: 2, change: delete)]))
        XCTAssertEqual(folded.keep, [2])
        XCTAssertTrue(folded.state.isDeleted)
        XCTAssertEqual(folded.state.region.code, "440304")
    }
}
