import Foundation
import HTTP1
import SyncCore

/// The off-site copy endpoints a parent serves its children:
/// `POST /v1/backup/part?id=ID&part=N`, `POST /v1/backup/commit?id=ID&parts=N&size=S&sha256=HEX`,
/// `GET /v1/backup` (the copies kept, newest first) and `GET /v1/backup/part?id=ID&part=N`.
/// A child reaches only its own copies: the caller is its certificate's node.
enum OffsiteEndpoints {
    static let part = "/v1/backup/part"
    static let commit = "/v1/backup/commit"
    static let list = "/v1/backup"

    static func register(on router: inout Router<PeerContext>, copies: OffsiteCopies, topology: Topology, node: String) {
        let child: @Sendable (PeerContext) throws -> String = { caller in
            guard topology.parent(of: caller.peer.id)?.id == node else {
                throw RequestError(403, "only children keep off-site copies here; \(caller.peer.id) is this node's parent")
            }
            return caller.peer.id
        }
        router.add("POST", part) { request, caller in
            let child = try child(caller)
            let index = try number(request, "part")
            let size = try request.query["size"].map { _ in Int64(try number(request, "size")) }
            try refusing { try copies.receive(child: child, id: request.query["id"] ?? "", index: index, bytes: request.body, announced: size) }
            return .json(Array(#"{"ok":true}"#.utf8))
        }
        router.add("POST", commit) { request, caller in
            let child = try child(caller)
            let parts = try number(request, "parts"), size = Int64(try number(request, "size"))
            return .json(try refusing {
                try copies.commit(child: child, id: request.query["id"] ?? "", parts: parts, size: size, sha256: request.query["sha256"] ?? "")
            })
        }
        router.add("GET", list) { _, caller in
            let child = try child(caller)
            return .json(try refusing { try copies.copies(child) })
        }
        router.add("GET", part) { request, caller in
            let child = try child(caller)
            let index = try number(request, "part")
            let bytes = try refusing { try copies.part(child: child, id: request.query["id"] ?? "", index: index) }
            return HTTPResponse(status: 200, contentType: "application/octet-stream", body: bytes)
        }
    }

    private static func number(_ request: HTTPRequest, _ name: String) throws -> Int {
        guard let value = request.query[name].flatMap(Int.init), value >= 0 else { throw RequestError(400, "'\(name)' must be a whole number") }
        return value
    }

    /// Runs `body`, turning its refusal into a 422 that carries the reason.
    private static func refusing<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as SyncNodeError { throw RequestError(422, error.description) }
    }
}
