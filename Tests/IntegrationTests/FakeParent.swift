import Foundation
import HTTP1
import Posix
import Synchronization
import TLS

/// A TLS server in the test process that holds a node's certificate and
/// answers every request as `answer` says: a compromised parent.
final class FakeParent: @unchecked Sendable {   // `stopped` is behind a Mutex; the rest is set once in init
    private let listener: TCPListener
    private let context: TLSContext
    private let stopped = Mutex(false)
    private let done = DispatchGroup()

    init(port: Int, certificate: (String, String), caFile: String,
         answer: @escaping @Sendable (HTTPRequest) -> (Int, String)) throws {
        listener = try TCPListener(host: "127.0.0.1", port: port)
        context = try TLSContext(certificateFile: certificate.0, keyFile: certificate.1, caFile: caFile)
        done.enter()
        Thread.detachNewThread { [self] in
            while !stopped.withLock({ $0 }) {
                guard let socket = try? listener.accept(timeoutMilliseconds: 100) else { continue }
                done.enter()
                Thread.detachNewThread { [self] in
                    defer { done.leave() }
                    serve(socket, answer)
                }
            }
            done.leave()
        }
    }

    private func serve(_ socket: TCPSocket, _ answer: (HTTPRequest) -> (Int, String)) {
        socket.setTimeout(seconds: 2)
        guard let connection = try? TLSConnection(context: context, socket: socket), (try? connection.handshake()) != nil else { return }
        defer { connection.close() }
        var parser = HTTPRequestParser()
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while !stopped.withLock({ $0 }) {
            if let request = try? parser.next() {
                let (status, body) = answer(request)
                let response = HTTPResponse(status: status, contentType: "application/json", body: Array(body.utf8))
                guard (try? connection.write(response.serialize(keepAlive: true))) != nil else { return }
                continue
            }
            guard let n = try? connection.read(into: &buffer, count: buffer.count), n > 0 else { return }
            parser.feed(buffer[0..<n])
        }
    }

    func stop() {
        stopped.withLock { $0 = true }
        listener.close()
        _ = done.wait(timeout: .now() + 5)
    }
}
