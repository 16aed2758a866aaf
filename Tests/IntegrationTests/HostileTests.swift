import Foundation
import HTTP1
import Posix
import SyncCore
import SyncTesting
import TLS
import XCTest

/// What an attacker holding a valid certificate (or none) sends to live nodes.
/// After each kind of attack the node must be alive, answer a real child, and
/// hold exactly what it held.
final class HostileTests: XCTestCase {
    var f: Federation!
    /// Keys of the records the city holds before the attacks.
    var baseline: Set<String> = []
    var written = 0

    override func setUpWithError() throws {
        f = try Federation(self, nodes: FleetTopology.small().nodes, datasets: [
            FleetTopology.dataset("ps-enterprise", source: "sz-pingshan", key: "uscc", items: [FleetTopology.item("name")]),
            FleetTopology.dataset("ft-enterprise", source: "sz-futian", key: "uscc", items: [FleetTopology.item("name")]),
        ])
        try f.issueCertificates()
        for id in ["gd", "sz", "sz-pingshan"] {
            try f.start(id, extra: ["--handshake-timeout", "2", "--request-timeout", "3"])
        }
        for n in 1...3 { try f.write("sz-pingshan", "ps-enterprise", ["uscc=B\(n)", "region=440310", "name=基线\(n)"]).check() }
        XCTAssertTrue(f.waitUntil(timeout: 20) { try f.records("sz", "ps-enterprise").count == 3 })
        baseline = Set(try f.records("sz", "ps-enterprise").keys)
    }

    // MARK: Helpers

    func certs(_ id: String) -> (String, String) { ("\(f.certs(id))/\(id).pem", "\(f.certs(id))/\(id).key") }

    /// Sends `bytes` to `node`'s federation port over TLS as `identity` and returns the answer's status and text.
    func raw(_ bytes: [UInt8], to node: String = "sz", as identity: String? = "sz-pingshan", from source: String? = nil,
             wait: Double = 5) throws -> (status: Int?, text: String) {
        let (cert, key) = identity.map(certs) ?? (nil, nil)
        let connection = try TLSClientConnection(host: "127.0.0.1", port: f.ports[node]!, certificateFile: cert, keyFile: key,
                                                 caFile: "\(f.caDirectory)/ca.pem", from: source)
        defer { connection.close() }
        try? connection.write(bytes)
        let text = String(decoding: connection.readAll(timeout: wait), as: UTF8.self)
        let status = text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) }
        return (status, text)
    }

    func raw(_ text: String, to node: String = "sz", as identity: String? = "sz-pingshan") throws -> (status: Int?, text: String) {
        try raw(Array(text.utf8), to: node, as: identity)
    }

    func post(_ path: String, _ body: String, to node: String = "sz", as identity: String = "sz-pingshan") throws -> (status: Int?, text: String) {
        try raw("POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)", to: node, as: identity)
    }

    /// The node is alive, a real child's new write reaches it, and it holds exactly what it held plus that write.
    func assertHealthy(_ node: String = "sz", file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertTrue(f.isRunning(node), "\(node) died:\n\(f.log(node).suffix(3000))", file: file, line: line)
        written += 1
        let key = "AFTER\(written)"
        try f.write("sz-pingshan", "ps-enterprise", ["uscc=\(key)", "region=440310", "name=之后"]).check()
        baseline.insert(key)
        let held = { Set((try? self.f.records(node, "ps-enterprise").keys).map(Array.init) ?? []) }
        XCTAssertTrue(f.waitUntil(timeout: 20) { held() == baseline },
                      "\(node) holds \(held().sorted()), expected \(baseline.sorted())", file: file, line: line)
        XCTAssertTrue(try f.records(node, "ft-enterprise").isEmpty, "nothing of the attacks was applied", file: file, line: line)
    }

    func change(_ dataset: String = "ps-enterprise", key: String, origin: String, region: String = "440310", hlc: String = "1") -> String {
        #"{"dataset":"\#(dataset)","items":{"name":{"h":\#(hlc),"o":"\#(origin)","v":"x"}},"key":"\#(key)","origin":"\#(origin)","region":"\#(region)"}"#
    }

    /// A push body of `changes` (change JSON, seq) signed with `identity`'s own key, as an attacker holding
    /// that node's credentials signs what it forges: the signature is good, the other defences must hold.
    func signedPush(_ changes: [(change: String, seq: Int)], as identity: String) throws -> String {
        let encoded = try changes.map { try ChangeCodec.decode(Array($0.change.utf8)) }
        let (certFile, keyFile) = certs(identity)
        let key = try PrivateKey(pemFile: keyFile)
        let leaves = encoded.flatMap { SHA256Digest.oneShot($0.bytes) }
        let block = SignedBlock(origin: identity, leaves: leaves, signature: try key.sign(SignedBlock.message(origin: identity, leaves: leaves)),
                                certificate: try Certificate(pemFile: certFile).der)
        let entries = encoded.enumerated().map { LogEntry(seq: Int64(changes[$0.offset].seq), body: $0.element.bytes,
                                                          proof: ChangeProof(block: block, leaf: $0.offset)) }
        return String(decoding: Batch.encode(entries), as: UTF8.self)
    }

    // MARK: Framing

    func testMalformedAndOversizedFramingNeverStopsANode() throws {
        let chunked = "POST /v1/push HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        let cases: [(String, Int)] = [
            (chunked + "-1\r\nabc\r\n0\r\n\r\n", 400),                                   // the chunk size that killed nodes
            (chunked + "ffffffffffffffff\r\n", 400),
            (chunked + String(repeating: "1;\(String(repeating: "e", count: 500))\r\nx\r\n", count: 200), 431),
            (chunked + "0\r\n" + (0..<300).map { "T\($0): v\r\n" }.joined() + "\r\n", 431),
            ("POST /v1/push HTTP/1.1\r\nContent-Length: 999999999999\r\n\r\n", 413),
            ("POST /v1/push HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
            ("GET /v1/pull HTTP/1.1\nHost: x\n\n", 400),
            ("GET /v1/pull HTTP/2.0\r\n\r\n", 505),
            ("GET /v1/pull HTTP/1.1\r\nX: a\u{0}b\r\n\r\n", 400),
            ("GET /v1/pull HTTP/1.1\r\n" + String(repeating: "X-Long: \(String(repeating: "a", count: 1000))\r\n", count: 40) + "\r\n", 431),
        ]
        for (request, expected) in cases {
            XCTAssertEqual(try raw(request).status, expected, String(request.prefix(60)))
            // The same bytes from a certificate that may not talk to this node go down the refusal path.
            XCTAssertNotNil(try raw(request, to: "sz-pingshan", as: "sz-futian").status, "refusal path: \(request.prefix(60))")
        }
        // And on the operators' listener (plain HTTP on loopback).
        for (request, _) in cases.prefix(4) {
            let socket = try TCPSocket.connect(to: "127.0.0.1", port: f.adminPorts["sz"]!)
            try socket.write(Array(request.utf8))
            var buffer = [UInt8](repeating: 0, count: 4096)
            _ = try? socket.read(into: &buffer, count: buffer.count)
            socket.close()
        }
        try assertHealthy()
        try assertHealthy("sz-pingshan")
    }

    func testAbsurdNumbersDuplicateKeysAndForgedOriginsAreRefused() throws {
        let push = { (changes: String) in #"{"changes":[\#(changes)]}"# }
        let cases: [(String, String, Int, String)] = [
            ("/v1/push", push(#"{"change":\#(change(key: "P1", origin: "sz-pingshan", hlc: "9223372036854775807")),"seq":100}"#), 400, "clock reading"),
            ("/v1/push", push(#"{"change":\#(change(key: "P2", origin: "sz-pingshan", hlc: "4611686018427387903")),"seq":100}"#), 403, "ahead of this node's clock"),
            ("/v1/push", push(#"{"change":\#(change(key: "P3", origin: "sz-futian", region: "440304")),"seq":100}"#), 403, "may relay only its own writes"),
            ("/v1/push", push(#"{"change":\#(change(key: "P4", origin: "sz-pingshan", region: "440304")),"seq":100}"#), 403, "outside sz-pingshan's area"),
            ("/v1/push", push(#"{"change":\#(change(key: "P5", origin: "gd")),"seq":100}"#), 403, "may relay only its own writes"),
            ("/v1/push", #"{"changes":[{"change":{"dataset":"ps-enterprise","dataset":"x","items":{},"key":"k","origin":"sz-pingshan","region":"440310"},"seq":100}]}"#, 400, "twice"),
            ("/v1/push", push(#"{"change":\#(change(key: "P6", origin: "sz-pingshan")),"seq":101},{"change":\#(change(key: "P7", origin: "sz-pingshan")),"seq":100}"#), 400, "rise"),
            ("/v1/push", try signedPush([(change("nothing", key: "P8", origin: "sz-pingshan"), 100)], as: "sz-pingshan"), 422, "no published catalog entry"),
            ("/v1/push", push(#"{"change":\#(change(key: "P9", origin: "sz-pingshan")),"seq":100}"#), 403, "carries no origin signature"),
            ("/v1/health", #"{"node":"sz-pingshan","time":1,"version":"x","reports":[{"id":"sz-pingshan","name":"n","tier":"district","region":"440310","state":"ok","problems":[],"outbox":0,"lagSeconds":0,"conflicts":0,"records":0,"ageSeconds":9223372036854775000}]}"#, 400, "ageSeconds"),
            ("/v1/health", #"{"node":"sz-futian","time":1,"version":"x"}"#, 400, "certificate is node 'sz-pingshan'"),
        ]
        for (path, body, expected, reason) in cases {
            let answer = try post(path, body)
            XCTAssertEqual(answer.status, expected, "\(reason): \(answer.text.suffix(300))")
            XCTAssertTrue(answer.text.contains(reason), "\(reason): \(answer.text.suffix(300))")
        }
        for query in ["after=-5", "limit=99999999", "wait=1e9", "after=1&after=x", "resync=records.abc"] {
            XCTAssertEqual(try raw("GET /v1/pull?\(query) HTTP/1.1\r\nConnection: close\r\n\r\n").status, 400, query)
        }
        // The clock was not dragged along: a write made now is stamped near now.
        try assertHealthy()
        let status = try f.status("sz")
        XCTAssertNotNil(status["schemaVersion"] as? Int, "status still answers")
    }

    /// A compromised parent answers pulls with writes it claims a child made: the child refuses them.
    func testAParentForgingItsChildsWritesIsRefused() throws {
        f.stop("sz")
        let forged = #"{"changes":[{"change":\#(change(key: "FORGED", origin: "sz-pingshan")),"seq":1}],"last":1}"#
        let fake = try FakeParent(port: f.ports["sz"]!, certificate: certs("sz"), caFile: "\(f.caDirectory)/ca.pem") { request in
            request.path == "/v1/pull" ? (200, forged) : request.path == "/v1/health"
                ? (200, #"{"node":"sz","time":\#(Int64(Date().timeIntervalSince1970 * 1000)),"version":"fake"}"#) : (200, #"{"received":0}"#)
        }
        defer { fake.stop() }
        XCTAssertTrue(f.waitUntil(timeout: 20) {
            (try f.peerStatus("sz-pingshan", "sz")?["lastError"] as? String)?.contains("may not relay a write of this node") == true
        }, "\((try? f.peerStatus("sz-pingshan", "sz")) ?? nil ?? [:])")
        XCTAssertNil(try f.records("sz-pingshan", "ps-enterprise")["FORGED"])
    }

    // MARK: Takeover and markup

    func testACatalogTakeoverIsKeptOutAndEveryTextOnThePageIsEscaped() throws {
        let markup = "<script>alert(1)</script>\u{600}<img src=x onerror=alert(2)>"
        let entry = "\(f.directory)/entry.json"
        try CatalogTests.entryJSON(summary: markup).replacingOccurrences(of: "\"坪山区法人基本信息\"", with: "\"坪山<b>法人</b>\"")
            .write(toFile: entry, atomically: false, encoding: .utf8)
        try f.run(["catalog", "publish"] + f.fleet.nodeArguments("sz-pingshan") + [entry]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) { try self.catalogSource("gd") == "sz-pingshan" })
        // 福田区 pushes 坪山区's entry naming itself the source: a takeover.
        try f.fleet.start("sz-futian")
        let takeover = try String(contentsOfFile: entry, encoding: .utf8).replacingOccurrences(of: "\"sourceNode\": \"sz-pingshan\"", with: "\"sourceNode\": \"sz-futian\"")
        var escaped = ""
        for scalar in takeover.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        let stamp = Int64(Date().timeIntervalSince1970 * 1000) << 16
        let change = #"{"dataset":"_catalog","items":{"entry":{"h":\#(stamp),"o":"sz-futian","v":"\#(escaped)"}},"key":"ps-enterprise","origin":"sz-futian","region":"440304"}"#
        let answer = try post("/v1/push", try signedPush([(change, 1000)], as: "sz-futian"), as: "sz-futian")
        XCTAssertEqual(answer.status, 200, answer.text)
        XCTAssertEqual(try catalogSource("sz"), "sz-pingshan", "kept out")
        Thread.sleep(forTimeInterval: 1)
        XCTAssertEqual(try catalogSource("gd"), "sz-pingshan", "and never relayed")
        let attention = try f.status("sz")["attention"] as? [String] ?? []
        XCTAssertTrue(attention.contains { $0.contains("belongs to 'sz-pingshan'") }, "\(attention)")
        // A conflict whose value is markup reaches the page too.
        try f.write("sz", "ps-enterprise", ["uscc=B1", "region=440310", "name=\(markup)"]).check()
        let page = try f.admin("sz", "/").body
        XCTAssertFalse(page.contains("<script>alert") || page.contains("<img") || page.contains("<b>法人"), "markup passed through")
        XCTAssertTrue(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "escaped text is shown")
        try assertHealthy()
    }

    func catalogSource(_ node: String) throws -> String? {
        let out = try f.run(["catalog", "show", "--json"] + f.fleet.nodeArguments(node) + ["ps-enterprise"]).stdout
        return (try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])?["sourceNode"] as? String
    }

    // MARK: Slow and idle connections

    /// Hundreds of sockets from other addresses that dribble a handshake or
    /// say nothing: they are cut at their deadline, and a real child keeps
    /// replicating meanwhile.
    func testSlowAndIdleConnectionsDoNotLockAChildOut() throws {
        let port = f.ports["sz"]!
        var sockets: [TCPSocket] = []
        for n in 0..<240 {
            guard let socket = try? TCPSocket.connect(to: "127.0.0.1", port: port, from: "127.0.0.\(2 + n % 12)") else { continue }
            sockets.append(socket)
        }
        XCTAssertGreaterThan(sockets.count, 200)
        let attackers = sockets
        // A ClientHello's first bytes, one at a time, from half of them.
        let hello: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]
        let dribble = Thread {
            for byte in hello {
                for socket in attackers.prefix(120) { try? socket.write([byte]) }
                Thread.sleep(forTimeInterval: 0.3)
            }
        }
        dribble.start()
        try assertHealthy()
        // Within the handshake deadline (2 s here) plus the watchdog's tick, every one of them is cut.
        Thread.sleep(forTimeInterval: 4)
        var buffer = [UInt8](repeating: 0, count: 64)
        let open = sockets.filter { socket in
            guard socket.waitReadable(milliseconds: 10) else { return true }
            return ((try? socket.read(into: &buffer, count: buffer.count)) ?? 0) > 0
        }
        XCTAssertTrue(open.isEmpty, "\(open.count) connections were never cut")
        sockets.forEach { $0.close() }
        try assertHealthy()
    }

    // MARK: The operators' listener and certificates

    func testTheOperatorsListenerRefusesOtherHostsAndWrites() throws {
        let page = try f.admin("sz", "/")
        XCTAssertEqual(page.status, 200)
        let rebound = try f.admin("sz", "/api/conflicts", headers: ["Host": "attacker.example:\(f.adminPorts["sz"]!)"])
        XCTAssertEqual(rebound.status, 421, "a page loaded through a rebound DNS name cannot read the API")
        XCTAssertEqual(try f.admin("sz", "/", method: "POST").status, 405)
        let socket = try TCPSocket.connect(to: "127.0.0.1", port: f.adminPorts["sz"]!)
        defer { socket.close() }
        try socket.write(Array("HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while let n = try? socket.read(into: &buffer, count: buffer.count), n > 0 { answer += buffer[0..<n] }
        let text = String(decoding: answer, as: UTF8.self)
        let head = text.components(separatedBy: "\r\n\r\n")[0]
        XCTAssertTrue(head.contains("Content-Security-Policy: default-src 'none'"), head)
        XCTAssertTrue(text.hasSuffix("\r\n\r\n"), "HEAD answers without a body")
        XCTAssertFalse(head.contains("Content-Length: 0"), "but with the length a GET would have")
    }

    /// A certificate with two syncnode identities (made outside syncnode, signed by the CA) is refused at the handshake.
    func testACertificateWithTwoIdentitiesIsRefusedAtTheTLSLayer() throws {
        let dir = "\(f.directory)/twofaced"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let ext = "\(dir)/ext.cnf"
        try "subjectAltName=URI:urn:syncnode:\(f.federation):sz-pingshan,URI:urn:syncnode:\(f.federation):sz-futian\nextendedKeyUsage=clientAuth\n"
            .write(toFile: ext, atomically: false, encoding: .utf8)
        for command in [
            ["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "\(dir)/key.pem"],
            ["openssl", "req", "-new", "-key", "\(dir)/key.pem", "-subj", "/CN=sz-pingshan", "-out", "\(dir)/req.csr"],
            ["openssl", "x509", "-req", "-in", "\(dir)/req.csr", "-CA", "\(f.caDirectory)/ca.pem", "-CAkey", "\(f.caDirectory)/ca.key",
             "-CAcreateserial", "-days", "5", "-extfile", ext, "-out", "\(dir)/cert.pem"],
        ] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = command
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0, command.joined(separator: " "))
        }
        let refused = try? TLSClientConnection(host: "127.0.0.1", port: f.ports["sz"]!, certificateFile: "\(dir)/cert.pem",
                                               keyFile: "\(dir)/key.pem", caFile: "\(f.caDirectory)/ca.pem")
        if let refused {   // TLS 1.3: the refusal arrives after the client's side of the handshake
            try? refused.write(Array("GET /v1/pull HTTP/1.1\r\n\r\n".utf8))
            XCTAssertTrue(refused.readAll(timeout: 3).isEmpty, "nothing is answered")
        }
        XCTAssertTrue(f.waitUntil(timeout: 5) { f.log("sz").contains("more than one syncnode identity") }, f.log("sz"))
        try assertHealthy()
    }
}
