import Foundation
import SyncTesting
import XCTest

/// A live node scanned by a standard TLS scanner from the distribution
/// (testssl.sh, which scripts/test.sh installs): nothing below TLS 1.2, only
/// forward-secret AEAD ciphers, a client certificate required, no resumption.
final class TLSScanTests: XCTestCase {
    func testAStandardScannerFindsOnlyModernTLSAndRequiredClientCertificates() throws {
        guard let scanner = ["/usr/bin/testssl", "/usr/bin/testssl.sh"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return XCTFail("testssl.sh is not installed: run scripts/test.sh, which installs it (apt-get install testssl.sh)")
        }
        let f = try Federation.small(self)
        try f.issueCertificates()
        try f.start("sz")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: scanner)
        process.arguments = ["--quiet", "--color", "0", "--warnings", "off", "-p", "-E", "-S", "127.0.0.1:\(f.ports["sz"]!)"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let report = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = report.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        func line(_ prefix: String) -> String { lines.first { $0.hasPrefix(prefix) } ?? "" }
        for old in ["SSLv2", "SSLv3", "TLS 1 ", "TLS 1.1"] {
            XCTAssertTrue(line(old).contains("not offered"), "\(old): \(line(old))\n\(report)")
        }
        XCTAssertTrue(line("TLS 1.2 ").contains("offered (OK)"), report)
        XCTAssertTrue(line("TLS 1.3 ").contains("offered (OK)"), report)
        // The client certificate requirement, as the distribution's openssl sees it: the server asks
        // for one issued by the federation CA, and a client that has none gets no answer.
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["openssl", "s_client", "-tls1_2", "-connect", "127.0.0.1:\(f.ports["sz"]!)", "-CAfile", "\(f.caDirectory)/ca.pem"]
        let probeOut = Pipe(), probeIn = Pipe()
        probe.standardOutput = probeOut
        probe.standardError = probeOut
        probe.standardInput = probeIn
        try probe.run()
        probeIn.fileHandleForWriting.write(Data("GET /v1/pull HTTP/1.1\r\n\r\n".utf8))
        try probeIn.fileHandleForWriting.close()
        let handshake = String(decoding: probeOut.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        probe.waitUntilExit()
        XCTAssertTrue(handshake.contains("Acceptable client certificate CA names"), "the server asks for a client certificate:\n\(handshake)")
        XCTAssertFalse(handshake.contains("HTTP/1.1 "), "no answer without a client certificate:\n\(handshake)")
        XCTAssertTrue(line("Session Resumption").contains("Tickets no, ID: no"), line("Session Resumption"))
        let ciphers = lines.filter { $0.hasPrefix("x") && $0.count > 10 && $0.split(separator: " ").count > 4 }
        XCTAssertGreaterThanOrEqual(ciphers.count, 4, report)
        for cipher in ciphers {
            XCTAssertTrue((cipher.contains("AESGCM") || cipher.contains("ChaCha20")) && cipher.contains("ECDH"), "a weak cipher: \(cipher)")
        }
        XCTAssertTrue(f.isRunning("sz"), "the scan did not stop the node")
    }
}
