import Foundation
import SyncTesting
import XCTest

/// The dashboard as a browser renders it: headless Chromium (scripts/test.sh installs it with a CJK
/// font) loads a live province's page; the map shows every node with its state, a chart is drawn,
/// and the drill-down pages answer.
final class DashboardBrowserTests: XCTestCase {
    static func chromium() -> String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The DOM Chromium builds from `url`, serialized.
    func renderedDOM(_ url: String) throws -> String {
        guard let browser = Self.chromium() else {
            XCTFail("Chromium is not installed: scripts/test.sh installs it (apt-get install chromium fonts-noto-cjk)")
            return ""
        }
        let process = Process()
        let profile = NSTemporaryDirectory() + "chromium-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: profile) }
        process.executableURL = URL(fileURLWithPath: browser)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                             "--user-data-dir=\(profile)", "--dump-dom", url]
        let file = NSTemporaryDirectory() + "dom-\(UUID().uuidString).html"
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: nil))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let out = try XCTUnwrap(FileHandle(forWritingAtPath: file))
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try out.close()
        return (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
    }

    func testTheMapAndChartsInARealBrowser() throws {
        let f = try Federation.withDistrictAndCityData(self)
        for id in ["gd", "sz", "sz-pingshan"] { try f.start(id, extra: ["--history-interval", "0.5"]) }   // sz-futian stays away
        try f.write("sz-pingshan", "ps-enterprise", ["uscc=A1", "region=440310", "name=坪山企业"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) { try f.records("gd", "ps-enterprise").count == 1 })
        Thread.sleep(forTimeInterval: 1.5)   // a few samples for the charts
        let port = try XCTUnwrap(f.adminPorts["gd"])
        let dom = try renderedDOM("http://127.0.0.1:\(port)/")
        XCTAssertTrue(dom.contains("<svg class=\"map\""), String(dom.prefix(2000)))
        XCTAssertTrue(dom.contains(#"data-node="gd""#))
        XCTAssertTrue(dom.contains(#"data-node="sz-pingshan" data-state="ok""#), "the district reports ok")
        XCTAssertTrue(dom.contains(#"data-node="sz-futian" data-state="never-reported""#), "the absent district shows as never reported")
        XCTAssertTrue(dom.contains(#"data-node="sz" data-state="attention""#), "its city needs attention")
        XCTAssertTrue(dom.contains("<svg class=\"spark\"") && dom.contains("<polyline"), "a chart is drawn")
        XCTAssertTrue(dom.contains("坪山区"), "Chinese names on the map")
        let peer = try renderedDOM("http://127.0.0.1:\(port)/peer/sz")
        XCTAssertTrue(peer.contains("游标 cursor received") && peer.contains("深圳市"), String(peer.prefix(1500)))
        let dataset = try renderedDOM("http://127.0.0.1:\(port)/dataset/ps-enterprise")
        XCTAssertTrue(dataset.contains("数据项") && dataset.contains("ps-enterprise"), String(dataset.prefix(1500)))
        let history = try f.admin("gd", "/api/history")
        XCTAssertEqual(history.status, 200)
        let samples = try JSONSerialization.jsonObject(with: Data(history.body.utf8)) as? [[String: Any]]
        XCTAssertGreaterThanOrEqual(samples?.count ?? 0, 2)
    }
}
