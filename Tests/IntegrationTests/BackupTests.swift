import Foundation
import Glibc
import SyncTesting
import XCTest

/// Encrypted backups with real processes: made while a node serves, restored
/// into an empty directory with the node rejoining, kept off-site at the
/// parent, made on a schedule by `serve`; and every way a restore must refuse.
final class BackupTests: XCTestCase {
    func federation(policy: [String: any Sendable] = ["silentAfterSeconds": 5]) throws -> Federation {
        try Federation.withDistrictAndCityData(self, policy: policy)
    }

    func writeMany(_ f: Federation, _ id: String, _ dataset: String, _ lines: [String]) throws {
        try f.write(id, dataset, lines: lines).check()
    }

    func enterprises(_ range: Range<Int>) -> [String] { range.map { #"{"uscc": "E\#($0)", "region": "440310", "name": "企业\#($0)"}"# } }
    func housing(_ range: Range<Int>) -> [String] { range.map { #"{"id": "H\#($0)", "region": "440310", "address": "坪山大道\#($0)号"}"# } }

    func snapshot(_ f: Federation, _ id: String, _ dataset: String) throws -> [String: String] { try f.snapshot(id, dataset) }

    func cursors(_ f: Federation, _ id: String, _ peer: String) throws -> [String: Int] {
        (try f.peerStatus(id, peer)?["cursors"] as? [String: Int]) ?? [:]
    }

    func makeKey(_ f: Federation, _ name: String = "backup.key") throws -> String {
        let key = "\(f.directory)/\(name)"
        try f.run(["backup", "key", "--out", key]).check()
        return key
    }

    func testABackupMadeWhileServingRestoresAndTheNodeRejoins() throws {
        let f = try federation()
        for id in ["gd", "sz", "sz-pingshan"] { try f.start(id) }
        try writeMany(f, "sz-pingshan", "ps-enterprise", enterprises(0..<30))
        try writeMany(f, "sz", "sz-housing", housing(0..<20))
        XCTAssertTrue(f.waitUntil(timeout: 30) {
            try f.records("gd", "ps-enterprise").count == 30 && f.records("sz-pingshan", "sz-housing").count == 20
        })
        let key = try makeKey(f)
        let attributes = try FileManager.default.attributesOfItem(atPath: key)
        XCTAssertEqual((attributes[.posixPermissions] as? Int).map { $0 & 0o777 }, 0o600)

        // The backup is made while the district serves.
        let file = "\(f.directory)/ps.snbk"
        let made = try f.run(["backup"] + f.fleet.nodeArguments("sz-pingshan") + ["--key", key, "--out", file]).check()
        XCTAssertTrue(made.stdout.contains("backed up sz-pingshan"), made.stdout)
        let sealed = try Data(contentsOf: URL(fileURLWithPath: file))
        XCTAssertNil(sealed.range(of: Data("SQLite format 3".utf8)), "the database inside is encrypted")
        XCTAssertNil(sealed.range(of: Data("企业".utf8)), "no record is readable in the backup")
        XCTAssertTrue(try f.status("sz-pingshan")["backups"].flatMap { ($0 as? [String: Any])?["lastBackup"] } != nil)

        // Life goes on after the backup: both directions.
        try writeMany(f, "sz-pingshan", "ps-enterprise", enterprises(30..<40))
        try writeMany(f, "sz", "sz-housing", housing(20..<30))
        XCTAssertTrue(f.waitUntil(timeout: 30) {
            try f.records("gd", "ps-enterprise").count == 40 && f.records("sz-pingshan", "sz-housing").count == 30
        })

        // The district's disk dies: it is killed, its directory moved aside, the backup restored.
        f.kill("sz-pingshan")
        try FileManager.default.moveItem(atPath: f.data("sz-pingshan"), toPath: f.data("sz-pingshan") + ".dead")
        let restored = try f.run(["restore"] + f.fleet.nodeArguments("sz-pingshan") + ["--key", key, "--in", file]).check()
        XCTAssertTrue(restored.stdout.contains("restored sz-pingshan"), restored.stdout)
        XCTAssertEqual(try f.records("sz-pingshan", "ps-enterprise").count, 30, "the backup holds what was there when it was made")
        let audit = try f.run(["audit", "list"] + f.fleet.nodeArguments("sz-pingshan") + ["--json"]).check()
        let actions = (try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
        XCTAssertEqual(actions.last(where: { $0 != "records" }), "restore",
                       "the restored log goes on from the backup's last entry with the restore: \(actions)")
        XCTAssertEqual(try f.run(["audit", "verify"] + f.fleet.nodeArguments("sz-pingshan")).status, 0, "and its chain is whole")

        // It rejoins: the city sends what it missed and gives back what it wrote after its backup.
        try f.start("sz-pingshan")
        XCTAssertTrue(f.waitUntil(timeout: 40) {
            try f.records("sz-pingshan", "ps-enterprise").count == 40 && f.records("sz-pingshan", "sz-housing").count == 30
        }, f.log("sz-pingshan"))
        XCTAssertEqual(try snapshot(f, "sz-pingshan", "ps-enterprise"), try snapshot(f, "sz", "ps-enterprise"), "records and stamps equal")
        XCTAssertEqual(try snapshot(f, "sz-pingshan", "sz-housing"), try snapshot(f, "sz", "sz-housing"))
        XCTAssertEqual(try f.records("gd", "ps-enterprise").count, 40, "nothing lost or doubled above")

        // Replication carries on from the mended cursors, both ways.
        try f.write("sz-pingshan", "ps-enterprise", ["uscc=E-after", "region=440310", "name=恢复之后"]).check()
        try f.write("sz", "sz-housing", ["id=H-after", "region=440310", "address=恢复之后"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 30) {
            try f.records("gd", "ps-enterprise")["E-after"] != nil && f.records("sz-pingshan", "sz-housing")["H-after"] != nil
        })
        XCTAssertTrue(f.waitUntil(timeout: 20) {
            let child = try cursors(f, "sz-pingshan", "sz"), parent = try cursors(f, "sz", "sz-pingshan")
            return child["pushed"] != nil && child["pushed"] == parent["received"] && child["pulled"] == parent["delivered"]
        }, "child \((try? cursors(f, "sz-pingshan", "sz")) ?? [:]), parent \((try? cursors(f, "sz", "sz-pingshan")) ?? [:])")
        XCTAssertTrue(f.log("sz-pingshan").contains("event=resync_finished"), "the district took everything back in a full resync")
        let cityAttention = try f.status("sz")["attention"] as? [String] ?? []
        XCTAssertFalse(cityAttention.contains { $0.contains("restored from a backup") }, "the alarm clears once the resync is delivered: \(cityAttention)")
    }

    func testKeysMustBePrivateAndTamperedOrForeignBackupsAreRefused() throws {
        let f = try federation()
        try f.start("sz-pingshan")
        try writeMany(f, "sz-pingshan", "ps-enterprise", enterprises(0..<50))
        let key = try makeKey(f)
        let file = "\(f.directory)/ps.snbk"
        let node = f.fleet.nodeArguments("sz-pingshan")

        // A key others can read, a missing key, a malformed key: refused before anything is written.
        chmod(key, 0o644)
        let open = try f.run(["backup"] + node + ["--key", key, "--out", file])
        XCTAssertEqual(open.status, 1)
        XCTAssertTrue(open.stderr.contains("can be read by other users") && open.stderr.contains("chmod 600"), open.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: file))
        chmod(key, 0o600)
        let missing = try f.run(["backup"] + node + ["--key", "\(f.directory)/none.key", "--out", file])
        XCTAssertTrue(missing.status == 1 && missing.stderr.contains("no such file") && missing.stderr.contains("backup key --out"), missing.stderr)
        let bad = "\(f.directory)/bad.key"
        XCTAssertTrue(FileManager.default.createFile(atPath: bad, contents: Data("not a key\n".utf8), attributes: [.posixPermissions: 0o600]))
        XCTAssertTrue(try f.run(["backup"] + node + ["--key", bad, "--out", file]).stderr.contains("64 hex digits"))
        XCTAssertTrue(try f.run(["backup", "key", "--out", key]).stderr.contains("exists already"), "a key is never overwritten")

        try f.run(["backup"] + node + ["--key", key, "--out", file]).check()
        f.stop("sz-pingshan")
        try FileManager.default.moveItem(atPath: f.data("sz-pingshan"), toPath: f.data("sz-pingshan") + ".old")
        func restore(_ backup: String, key: String, as id: String = "sz-pingshan") throws -> Federation.RunResult {
            try f.run(["restore"] + f.fleet.nodeArguments(id) + ["--key", key, "--in", backup])
        }
        // Another key cannot open it.
        let other = try makeKey(f, "other.key")
        let wrong = try restore(file, key: other)
        XCTAssertEqual(wrong.status, 1)
        XCTAssertTrue(wrong.stderr.contains("wrong key") || wrong.stderr.contains("tampered"), wrong.stderr)
        // One flipped bit in the middle, a cut-off tail, a dropped chunk: the GCM tags refuse each.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        let tampered = "\(f.directory)/tampered.snbk", truncated = "\(f.directory)/truncated.snbk"
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: tampered))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes.prefix(bytes.count - 100)).write(to: URL(fileURLWithPath: truncated))
        for broken in [tampered, truncated] {
            let refused = try restore(broken, key: key)
            XCTAssertEqual(refused.status, 1, broken)
            XCTAssertTrue(refused.stderr.contains("tampered") || refused.stderr.contains("cut off"), refused.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: "\(f.data("sz-pingshan"))/node.db"), "nothing is left half-restored")
        }
        // Not a backup at all.
        let refusedText = try restore(key, key: key)
        XCTAssertTrue(refusedText.status == 1 && refusedText.stderr.contains("not a syncnode backup"), refusedText.stderr)
        // Another node's backup is not restored as this one.
        let foreign = try restore(file, key: key, as: "sz-futian")
        XCTAssertTrue(foreign.status == 1 && foreign.stderr.contains("backup of node 'sz-pingshan'"), foreign.stderr)
        // The right key restores; a second restore over it is refused.
        try restore(file, key: key).check()
        XCTAssertEqual(try f.records("sz-pingshan", "ps-enterprise").count, 50)
        let again = try restore(file, key: key)
        XCTAssertTrue(again.status == 1 && again.stderr.contains("never overwrites"), again.stderr)
    }

    func testTheParentKeepsOffsiteCopiesItCannotReadAndTheChildRestoresFromThem() throws {
        let f = try federation(policy: ["silentAfterSeconds": 5, "offsiteBackupsKept": 2, "maxOffsiteBackupAgeHours": 1])
        for id in ["sz", "sz-pingshan", "sz-futian"] { try f.start(id) }
        try writeMany(f, "sz-pingshan", "ps-enterprise", enterprises(0..<25))
        XCTAssertTrue(f.waitUntil(timeout: 30) { try f.records("sz", "ps-enterprise").count == 25 })
        let attention = try f.status("sz-pingshan")["attention"] as? [String] ?? []
        XCTAssertTrue(attention.contains { $0.contains("off-site copy") && $0.contains("missing") }, "\(attention)")
        XCTAssertTrue((try f.status("sz")["attention"] as? [String] ?? []).contains { $0.contains("child sz-pingshan") })

        let key = try makeKey(f)
        let node = f.fleet.nodeArguments("sz-pingshan")
        for _ in 0..<3 {
            let sent = try f.run(["backup"] + node + ["--key", key, "--to-parent"]).check()
            XCTAssertTrue(sent.stdout.contains("sent to sz as off-site copy"), sent.stdout)
        }
        // The city keeps the newest two, sealed: it never had the key.
        let kept = "\(f.data("sz"))/offsite/sz-pingshan"
        let copies = try FileManager.default.contentsOfDirectory(atPath: kept).filter { $0.hasSuffix(".snbk") }
        XCTAssertEqual(copies.count, 2, "\(copies)")
        let stored = try Data(contentsOf: URL(fileURLWithPath: "\(kept)/\(copies[0])"))
        XCTAssertNil(stored.range(of: Data("企业".utf8)))
        XCTAssertNil(stored.range(of: Data("SQLite format 3".utf8)))
        // Both ends show the copy's age; the alarm is gone.
        let child = try XCTUnwrap(try f.status("sz-pingshan")["backups"] as? [String: Any])
        XCTAssertNotNil(child["lastOffsiteCopy"])
        XCTAssertFalse((try f.status("sz-pingshan")["attention"] as? [String] ?? []).contains { $0.contains("off-site") })
        let parent = try XCTUnwrap(try f.status("sz")["backups"] as? [String: Any])
        let keptFor = try XCTUnwrap(parent["keptForChildren"] as? [[String: Any]])
        XCTAssertEqual(keptFor.first { $0["child"] as? String == "sz-pingshan" }?["copies"] as? Int, 2)
        let list = try f.run(["backup", "list"] + node).check()
        XCTAssertEqual(list.stdout.split(separator: "\n").count, 3, list.stdout)   // header and two copies
        // A sibling sees only its own copies (none).
        XCTAssertTrue(try f.run(["backup", "list"] + f.fleet.nodeArguments("sz-futian")).check().stdout.contains("keeps no off-site copy"))

        // The district loses its disk and restores from its parent.
        f.kill("sz-pingshan")
        try FileManager.default.moveItem(atPath: f.data("sz-pingshan"), toPath: f.data("sz-pingshan") + ".dead")
        let restored = try f.run(["restore"] + node + ["--key", key, "--from-parent"]).check()
        XCTAssertTrue(restored.stdout.contains("fetched off-site copy") && restored.stdout.contains("restored sz-pingshan"), restored.stdout)
        try f.start("sz-pingshan")
        XCTAssertTrue(f.waitUntil(timeout: 30) { try f.records("sz-pingshan", "ps-enterprise").count == 25 })
        XCTAssertEqual(try snapshot(f, "sz-pingshan", "ps-enterprise"), try snapshot(f, "sz", "ps-enterprise"))
    }

    func testServeMakesBackupsOnItsOwnFromAConfigurationFile() throws {
        let f = try federation()
        try f.start("sz")
        let key = try makeKey(f)
        let config = "\(f.directory)/sz-pingshan.json"
        let settings: [String: Any] = [
            "topology": f.topologyPath, "node": "sz-pingshan", "data": f.data("sz-pingshan"), "certs": f.certs("sz-pingshan"),
            "backup": ["key": key, "directory": "backups-ps", "intervalHours": 0.0005, "keep": 2, "toParent": true],
        ]
        try JSONSerialization.data(withJSONObject: settings).write(to: URL(fileURLWithPath: config))
        // Every command takes the file; flags given win over it.
        try f.run(["write", "--config", config, "--dataset", "ps-enterprise", "uscc=C1", "region=440310", "name=配置"]).check()
        XCTAssertEqual(try f.records("sz-pingshan", "ps-enterprise").count, 1)
        let unknown = "\(f.directory)/typo.json"
        try Data(#"{"nod": "sz-pingshan"}"#.utf8).write(to: URL(fileURLWithPath: unknown))
        let typo = try f.run(["status", "--config", unknown])
        XCTAssertTrue(typo.status == 1 && typo.stderr.contains("unknown key(s): nod"), typo.stderr)

        try f.start("sz-pingshan", extra: ["--config", config])
        let directory = "\(f.directory)/backups-ps"   // relative to the configuration file
        XCTAssertTrue(f.waitUntil(timeout: 40) {
            ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).count == 2
                && f.log("sz-pingshan").components(separatedBy: "event=offsite_copy_sent").count > 3
        }, f.log("sz-pingshan"))
        Thread.sleep(forTimeInterval: 4)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).count, 2, "only the newest two are kept")
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: "\(f.data("sz"))/offsite/sz-pingshan").filter { $0.hasSuffix(".snbk") }.isEmpty)
        XCTAssertFalse(f.log("sz-pingshan").contains("backup_failed"), f.log("sz-pingshan"))
    }
}
