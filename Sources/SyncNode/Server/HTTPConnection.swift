import Foundation
import HTTP1
import Posix

/// The deadlines of one connection: how long a request may take to arrive
/// and an answer to leave, enforced by cutting the socket.
struct ConnectionWatch {
    let socket: TCPSocket
    let deadlines: Deadlines
    let limits: ServerLimits

    func receiving() { deadlines.arm(socket, seconds: limits.requestTimeout, what: "receiving a request") }
    func sending() { deadlines.arm(socket, seconds: limits.writeTimeout, what: "sending an answer") }
    func idle() { deadlines.disarm(socket) }
}

/// The HTTP/1.1 request loop of one connection, over TLS or plain TCP:
/// keep-alive, pipelining, 100-continue, request limits, absolute deadlines
/// for receiving a request and sending its answer, an idle timeout, a clean
/// close on shutdown, and a clear error response for a malformed request.
enum HTTPConnection {
    /// - Parameter bell: rung when the server stops (`isStopping` is true from then on): an idle
    ///   connection waits on it and its socket together, for as long as it may stay idle.
    static func serve(_ stream: any ByteStream, watch: ConnectionWatch, limits: ServerLimits, label: String, log: Log,
                      bell: Bell, isStopping: () -> Bool, respond: (HTTPRequest) -> HTTPResponse) {
        var parser = HTTPRequestParser(limits: limits.parser)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        defer { watch.idle() }
        while true {
            do {
                while let request = try parser.next() {
                    watch.idle()   // the handler's own time (a long-poll) is not the peer's to spend
                    var response = respond(request)
                    let length = response.body.count
                    if request.method == "HEAD" { response.body = [] }   // the GET's length, no body
                    let keepAlive = request.keepAlive && !isStopping()
                    watch.sending()
                    try stream.write(response.serialize(keepAlive: keepAlive, contentLength: length))
                    watch.idle()
                    if response.status >= 400 {
                        log.info("request_failed", ["from": label, "path": String(request.path.prefix(100)), "status": response.status])
                    }
                    if !keepAlive { return }
                    if parser.hasPartialRequest { watch.receiving() }
                }
                if parser.takeContinueRequest() {
                    try stream.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                }
                // Wait for the next bytes, the idle timeout or the server's stop, whichever comes
                // first, so an idle connection is closed cleanly rather than cut. A request half
                // received when the server stops may still finish (its deadline cuts it otherwise).
                let idleSince = Date()
                while true {
                    let stopping = isStopping() || bell.isRung
                    if !parser.hasPartialRequest && stopping { return }
                    let idle = Date().timeIntervalSince(idleSince)
                    if !parser.hasPartialRequest && idle >= limits.idleTimeout { return }
                    let ready = stopping
                        ? stream.waitReadable(milliseconds: 250)   // the bell stays rung: wait in slices now
                        : stream.waitReadable(milliseconds: Int32(max(0.001, parser.hasPartialRequest ? limits.idleTimeout : limits.idleTimeout - idle) * 1000),
                                              unless: bell)
                    if ready { break }
                }
                let n = try stream.read(into: &buffer, count: buffer.count)
                if n == 0 { return }
                if !parser.hasPartialRequest { watch.receiving() }
                parser.feed(buffer[0..<n])
            } catch let error as HTTPParseError {
                log.warning("bad_request", ["from": label, "status": error.status, "reason": error.message])
                watch.sending()
                try? stream.write(HTTPResponse.error(error.status, error.message).serialize(keepAlive: false))
                lingeringClose(stream, buffer: &buffer)
                return
            } catch {
                if parser.hasPartialRequest && !isStopping() {
                    log.info("connection_dropped", ["from": label, "reason": "\(error)"])
                }
                return
            }
        }
    }

    /// Reads and discards (nothing is parsed or kept) what the client is still
    /// sending, for two seconds at most, so it sees the error response instead
    /// of a connection reset; then the connection closes.
    static func lingeringClose(_ stream: any ByteStream, buffer: inout [UInt8]) {
        let deadline = Date().addingTimeInterval(2)
        var discarded = 0
        while Date() < deadline, discarded < 256 << 20, stream.waitReadable(milliseconds: 100) {
            guard let n = try? stream.read(into: &buffer, count: buffer.count), n > 0 else { return }
            discarded += n
        }
    }
}
