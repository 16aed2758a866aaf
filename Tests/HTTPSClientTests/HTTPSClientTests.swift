import Foundation
import HTTP1
import HTTPSClient
import Posix
import TLS
import XCTest

/// The mutual-TLS client's answers and how each failure is reported.
final class HTTPSClientTests: XCTestCase {
    struct Files {
        let dir: String
        var ca: String { "\(dir)/ca.pem" }
        func cert(_ id: String) -> String { "\(dir)/\(id).pem" }
        func key(_ id: String) -> String { "\(dir)/\(id).key" }
    }

    func makeFiles() throws -> Files {
        let dir = NSTemporaryDirectory() + "syncnode-client-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let files = Files(dir: dir)
        let (ca, caKey) = try CertificateAuthority.create(name: "test CA", validDays: 30)
        try ca.pem().write(toFile: files.ca, atomically: true, encoding: .utf8)
        for id in ["sz", "sz-pingshan", "other"] {
            let (cert, key) = try CertificateAuthority.issue(identity: NodeIdentity(federation: "t", node: id), hosts: ["127.0.0.1"],
                                                             ca: ca, caKey: caKey, validDays: 10)
            try cert.pem().write(toFile: files.cert(id), atomically: true, encoding: .utf8)
            try key.pem().write(toFile: files.key(id), atomically: true, encoding: .utf8)
        }
        return files
    }

    /// Serves one connection as node `id`; `answer` says what to do with the request (nil: say nothing).
    func serveOnce(_ files: Files, as id: String, answer: (@Sendable (HTTPRequest) -> HTTPResponse)?) throws -> Int {
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        let context = try TLSContext(certificateFile: files.cert(id), keyFile: files.key(id), caFile: files.ca)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            defer { listener.close(); done.signal() }
            guard let socket = try? listener.accept(timeoutMilliseconds: 5000) else { return }
            socket.setTimeout(seconds: 5)
            guard let connection = try? TLSConnection(context: context, socket: socket), (try? connection.handshake()) != nil else { return }
            var parser = HTTPRequestParser()
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                if let request = try? parser.next() {
                    if let answer { try? connection.write(answer(request).serialize(keepAlive: false)) } else { Thread.sleep(forTimeInterval: 3) }
                    break
                }
                guard let n = try? connection.read(into: &buffer, count: buffer.count), n > 0 else { break }
                parser.feed(buffer[0..<n])
            }
            connection.close()
        }
        addTeardownBlock { done.wait() }
        return listener.port
    }

    func client(_ files: Files, port: Int, expecting peer: String = "sz", timeout: Double = 5) -> HTTPSClient {
        var configuration = HTTPSClientConfiguration(certificateFile: files.cert("sz-pingshan"), keyFile: files.key("sz-pingshan"),
                                                     caFile: files.ca, expectedPeer: NodeIdentity(federation: "t", node: peer))
        configuration.requestTimeout = timeout
        configuration.connectTimeout = 2
        return HTTPSClient(baseURL: "https://127.0.0.1:\(port)", configuration: configuration)
    }

    func testAnAnswerFromTheExpectedNode() throws {
        let files = try makeFiles()
        let port = try serveOnce(files, as: "sz") { request in
            HTTPResponse(status: 201, contentType: "text/plain", body: Array("got \(request.method) \(request.path)".utf8))
        }
        let client = client(files, port: port)
        let response = try client.send(method: "POST", path: "/v1/x", body: Data("{}".utf8))
        XCTAssertEqual(response.status, 201)
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), "got POST /v1/x")
        XCTAssertGreaterThan(try XCTUnwrap(client.peerCertificateNotAfter), Date(), "the server certificate's expiry is recorded")
    }

    func testAServerThatIsAnotherNodeIsRefusedBeforeAnyRequestByte() throws {
        let files = try makeFiles()
        let port = try serveOnce(files, as: "other") { _ in HTTPResponse(status: 200) }
        XCTAssertThrowsError(try client(files, port: port).send(method: "GET", path: "/")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("names other@t but sz@t was expected"), text)
            XCTAssertEqual((error as? HTTPSClientError)?.code, 60, "a peer verification failure")
        }
    }

    func testNobodyListeningAndNoAnswerInTimeAreTransportErrors() throws {
        let files = try makeFiles()
        let closed = try TCPListener(host: "127.0.0.1", port: 0)
        let port = closed.port
        closed.close()
        XCTAssertThrowsError(try client(files, port: port).send(method: "GET", path: "/")) { error in
            XCTAssertEqual((error as? HTTPSClientError)?.code, 7, "couldn't connect: \(error)")
            XCTAssertTrue("\(error)".contains("request to https://127.0.0.1:\(port)/ failed"), "\(error)")
        }
        let silent = try serveOnce(files, as: "sz", answer: nil)
        XCTAssertThrowsError(try client(files, port: silent, timeout: 1).send(method: "GET", path: "/")) { error in
            XCTAssertEqual((error as? HTTPSClientError)?.code, 28, "timed out: \(error)")
        }
    }
}
