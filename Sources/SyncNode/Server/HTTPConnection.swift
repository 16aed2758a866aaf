import Foundation
import HTTP1
import Posix

/// The HTTP/1.1 request loop of one connection, over TLS or plain TCP:
/// keep-alive, pipelining, 100-continue, request limits, idle timeout, a clean
/// close on shutdown, and a clear error response for a malformed request.
enum HTTPConnection {
    static func serve(_ stream: any ByteStream, limits: ServerLimits, label: String, log: Log,
                      isStopping: () -> Bool, respond: (HTTPRequest) -> HTTPResponse) {
        var parser = HTTPRequestParser(limits: limits.parser)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            do {
                while let request = try parser.next() {
                    let response = respond(request)
                    let keepAlive = request.keepAlive && !isStopping()
                    try stream.write(response.serialize(keepAlive: keepAlive))
                    if response.status >= 400 {
                        log.info("request_failed", ["from": label, "path": request.path, "status": response.status])
                    }
                    if !keepAlive { return }
                }
                if parser.takeContinueRequest() {
                    try stream.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                }
                // Wait in short slices so an idle connection notices shutdown and
                // is closed cleanly rather than cut.
                var waited = 0.0
                while !stream.waitReadable(milliseconds: 250) {
                    waited += 0.25
                    if (isStopping() && !parser.hasPartialRequest) || waited >= limits.idleTimeout { return }
                }
                let n = try stream.read(into: &buffer, count: buffer.count)
                if n == 0 { return }
                parser.feed(buffer[0..<n])
            } catch let error as HTTPParseError {
                log.warning("bad_request", ["from": label, "status": error.status, "reason": error.message])
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

    /// Reads and discards what the client is still sending (for a few seconds
    /// at most) so it sees the error response instead of a connection reset.
    static func lingeringClose(_ stream: any ByteStream, buffer: inout [UInt8]) {
        let deadline = Date().addingTimeInterval(3)
        while Date() < deadline, stream.waitReadable(milliseconds: 250) {
            guard let n = try? stream.read(into: &buffer, count: buffer.count), n > 0 else { return }
        }
    }
}
