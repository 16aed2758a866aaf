import Foundation
import HTTP1
import Synchronization
import Posix
import SyncCore
import SyncStore
import SyncEngine
import TLS

/// What the federation server knows of the caller: the verified neighbour and its certificate's expiry.
public struct PeerContext: Sendable {
    public let peer: NodeEntry
    public let certificateNotAfter: Date?
    /// The certificate the neighbour presented.
    public let certificate: Certificate?
}

/// The federation protocol's endpoints over HTTP: each turns the request
/// into a call on the engine's `ReplicationServer` and its refusals into
/// status codes (400 malformed, 403 not allowed, 422 refused).
enum ReplicationEndpoints {
    static func router(server: ReplicationServer, offsite: OffsiteCopies, verification: VerificationRelay, reserve: DiskReserve) -> Router<PeerContext> {
        var router = Router<PeerContext>()
        OffsiteEndpoints.register(on: &router, copies: offsite, topology: server.replica.topology, node: server.replica.nodeID)
        router.add("POST", Endpoint.health) { request, caller in
            try answer {
                let node = caller.peer.id
                return .json(try server.health(from: node, body: request.body, certificateNotAfter: caller.certificateNotAfter) { head in
                    guard let certificate = caller.certificate, let signature = Hex.bytes(head.signature) else { return false }
                    return certificate.verifies(signature, of: AuditHead.message(node: node, seq: head.seq, hash: head.hash))
                }.encoded())
            }
        }
        router.add("GET", Endpoint.auditHeads) { _, caller in
            try answer { .json(try server.replica.store.read { try $0.keptAuditHeads(child: caller.peer.id) }) }
        }
        let pushes = PushesInFlight()
        router.add("POST", Endpoint.push) { request, caller in
            // A large push's thousands of decoded changes were freed between live blocks of the heap:
            // give their pages back (city peak at 300k random keys 93 → 86 MB) — but only once the pushes
            // stop: while another is in flight, it and the next reuse those pages, and pages given back
            // are faulted in and zeroed again (a city in a bulk hop spent ~17 % of its push threads so).
            // A small push (a single change, the latency path) allocates little and skips the walk.
            try reserve.check("POST \(Endpoint.push)")
            pushes.begin()
            defer { if pushes.end() == 0 && request.body.count >= 256 * 1024 { Allocator.returnFreePages() } }
            return try answer { .json(try server.push(from: caller.peer.id, body: request.body).encoded()) }
        }
        router.add("GET", Endpoint.keepAlive) { _, _ in HTTPResponse(status: 200, contentType: "application/json", body: Array("{}".utf8)) }
        router.add("GET", Endpoint.pull) { request, caller in
            try answer {
                let pull: PullRequest
                do { pull = try PullRequest(query: request.query) } catch { throw RequestError(400, "GET \(Endpoint.pull): \(error)") }
                return .json(try server.pull(for: caller.peer.id, pull))
            }
        }
        let digests = DigestService(replica: server.replica)
        router.add("POST", Endpoint.digest) { request, caller in
            try answer {
                let digest: DigestRequest
                do { digest = try DigestRequest.decode(request.body) } catch { throw RequestError(400, "POST \(Endpoint.digest): \(error)") }
                let body = try digests.answer(digest, from: caller.peer.id)
                return HTTPResponse(status: 200, contentType: "application/json", body: body)
            }
        }
        router.add("POST", Endpoint.digestRepair) { request, caller in
            try reserve.check("POST \(Endpoint.digestRepair)")
            return try answer { HTTPResponse(status: 200, contentType: "application/json", body: try digests.repair(from: caller.peer.id, body: request.body).encoded()) }
        }
        router.add("POST", Endpoint.verify) { request, caller in
            try answer {
                let question: VerificationService.Question
                do { question = try VerificationService.Question.decode(request.body) } catch { throw RequestError(400, "POST \(Endpoint.verify): \(error)") }
                try verification.authorize(question, from: caller.peer.id)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                return .json(Array(try encoder.encode(try verification.answer(question))))
            }
        }
        return router
    }

    /// Maps the engine's refusals to HTTP statuses (and a full disk to 507: the sender keeps its
    /// changes and tries again later).
    static func answer(_ body: () throws -> HTTPResponse) throws -> HTTPResponse {
        do { return try body() } catch let error as StoreError where error.isDiskFull {
            throw RequestError(507, "this node's disk (or its database's size limit) is full: it keeps serving what it holds "
                                    + "but takes nothing new until its operator frees space; keep the changes and retry later")
        } catch let error as ReplicationError {
            switch error.kind {
            case .invalid: throw RequestError(400, error.message)
            case .forbidden: throw RequestError(403, error.message)
            case .refused: throw RequestError(422, error.message)
            case .busy: throw RequestError(503, error.message)
            }
        }
    }
}

/// How many pushes the endpoint is handling at once.
final class PushesInFlight: Sendable {
    private let count = Atomic<Int>(0)

    func begin() { count.add(1, ordering: .relaxed) }

    /// Ends one; returns how many are still in flight.
    func end() -> Int { count.subtract(1, ordering: .relaxed).newValue }
}
