import SyncCore
import SyncTesting
import XCTest

/// The admission rule, table-tested in both directions.
final class AdmissionTests: XCTestCase {
    let topology = try! SampleCatalog.topology()
    let now: Int64 = 1_800_000_000_000

    func change(by origin: String, region: String, aheadSeconds: Int64 = 0) -> Change {
        Change.write(dataset: "d", key: "k", region: try! RegionCode(region), values: ["a": .int(1)], origin: origin,
                     hlc: HybridClock.reading(wallMillis: now + aheadSeconds * 1000))
    }

    func testTable() {
        let cases: [(at: String, from: String, origin: String, region: String, ahead: Int64, refused: String?)] = [
            ("sz", "sz-pingshan", "sz-pingshan", "440310", 0, nil),                          // a child's own write
            ("gd", "sz", "sz-pingshan", "440310", 0, nil),                                   // relayed from below
            ("sz", "sz-pingshan", "sz-futian", "440304", 0, "may relay only its own writes"), // a sibling's write
            ("sz", "sz-pingshan", "gd", "440310", 0, "may relay only its own writes"),        // a parent's write, pushed
            ("sz", "gd", "gd", "440310", 0, nil),                                            // the parent's own write, pulled
            ("sz", "gd", "gd-amr", "440304", 0, nil),                                        // a vertical system's, pulled
            ("sz", "gd", "sz", "440310", 0, "may not relay a write of this node"),
            ("sz", "gd", "sz-futian", "440304", 0, "a node below this one"),
            ("sz", "sz-pingshan", "sz-pingshan", "440304", 0, "outside sz-pingshan's area"),
            ("gd", "gd-amr", "gd-amr", "441502", 0, nil),                                    // a vertical system covers its region
            ("sz", "sz-pingshan", "sz-pingshan", "440310", 299, nil),                        // within the skew
            ("sz", "sz-pingshan", "sz-pingshan", "440310", 3600, "ahead of this node's clock"),
            ("sz", "sz-futian", "nobody", "440304", 0, "not a node of this federation"),
            ("sz-pingshan", "sz-futian", "sz-futian", "440304", 0, "not a neighbour"),
        ]
        for c in cases {
            let refusal = Admission(topology: topology, node: c.at).check(change(by: c.origin, region: c.region, aheadSeconds: c.ahead),
                                                                          from: c.from, nowMillis: now)
            if let expected = c.refused {
                XCTAssertTrue(refusal?.message.contains(expected) == true, "\(c): \(refusal?.message ?? "admitted")")
            } else {
                XCTAssertNil(refusal, "\(c)")
            }
        }
    }

    func testARestoredNodeTakesBackItsOwnWritesFromItsParentOnlyWhileRecovering() {
        let admission = Admission(topology: topology, node: "sz")
        for origin in ["sz", "sz-futian"] {
            let own = change(by: origin, region: origin == "sz" ? "440310" : "440304")
            XCTAssertNotNil(admission.check(own, from: "gd", nowMillis: now), origin)
            XCTAssertNil(admission.check(own, from: "gd", nowMillis: now, recovering: true), origin)
        }
        // Recovering opens nothing else: a sibling still relays only its own, regions and clocks are still checked.
        XCTAssertNotNil(admission.check(change(by: "sz-futian", region: "440304"), from: "sz-pingshan", nowMillis: now, recovering: true))
        XCTAssertNotNil(admission.check(change(by: "sz-futian", region: "440310"), from: "gd", nowMillis: now, recovering: true))
        XCTAssertNotNil(admission.check(change(by: "sz", region: "440310", aheadSeconds: 3600), from: "gd", nowMillis: now, recovering: true))
    }

    func testEveryStampMustBeTheOrigins() {
        var mixed = change(by: "sz-pingshan", region: "440310")
        mixed.tombstone = Stamp(hlc: 1, origin: "sz-futian")
        XCTAssertNotNil(Admission(topology: topology, node: "sz").check(mixed, from: "sz-pingshan", nowMillis: now))
    }
}

/// Catalog ownership as a pure rule.
final class CatalogMergeTests: XCTestCase {
    func testTable() {
        let entry = SampleCatalog.entry()
        var handover = SampleCatalog.entry(source: "sz")
        handover.handover = CatalogEntry.Handover(from: "sz-pingshan", to: "sz", at: "2026-12-01T00:00:00Z")
        let cases: [(CatalogEntry, String, Int64, (Int64, String)?, CatalogMerge.Decision)] = [
            (entry, "sz-pingshan", 5, nil, .accept(owner: "sz-pingshan")),
            (entry, "sz-pingshan", 6, (5, "sz-pingshan"), .accept(owner: "sz-pingshan")),
            (entry, "sz-pingshan", 5, (5, "sz-pingshan"), .ignore),
            (entry, "sz-pingshan", 4, (5, "sz-pingshan"), .ignore),
            (SampleCatalog.entry(source: "sz-futian"), "sz-futian", 9, (5, "sz-pingshan"), .refuse("")),
            (entry, "sz-futian", 9, nil, .refuse("")),
            (handover, "sz-pingshan", 9, (5, "sz-pingshan"), .accept(owner: "sz")),
            (handover, "sz-futian", 9, (5, "sz-pingshan"), .refuse("")),
            (SampleCatalog.entry(source: "sz"), "sz", 10, (9, "sz"), .accept(owner: "sz")),
            (SampleCatalog.entry(source: "sz-pingshan"), "sz-pingshan", 11, (9, "sz"), .refuse("")),
        ]
        for (n, (entry, writer, hlc, current, expected)) in cases.enumerated() {
            let decision = CatalogMerge.decide(entry, key: entry.id, writer: writer, hlc: hlc, current: current.map { (stampHLC: $0.0, owner: $0.1) })
            switch (decision, expected) {
            case (.refuse, .refuse): continue
            default: XCTAssertEqual(decision, expected, "case \(n)")
            }
        }
        XCTAssertNotEqual(CatalogMerge.decide(entry, key: "other", writer: "sz-pingshan", hlc: 1, current: nil), .accept(owner: "sz-pingshan"))
    }
}

/// The hybrid clock never goes back and never overflows.
final class HybridClockTests: XCTestCase {
    func testSaturatesAndStaysMonotonic() {
        var clock = HybridClock()
        let a = clock.tick(wallMillis: 1000)
        XCTAssertEqual(a, 1000 << 16)
        XCTAssertEqual(clock.tick(wallMillis: 1000), a + 1)
        XCTAssertEqual(clock.tick(wallMillis: 999), a + 2, "a clock going back does not move readings back")
        clock.observe(Int64.max)
        XCTAssertEqual(clock.last, HybridClock.ceiling)
        XCTAssertEqual(clock.tick(wallMillis: .max), HybridClock.ceiling, "no overflow at the ceiling")
        XCTAssertEqual(HybridClock.reading(wallMillis: -5), 0)
        XCTAssertEqual(HybridClock(last: -1).last, 0)
    }
}
