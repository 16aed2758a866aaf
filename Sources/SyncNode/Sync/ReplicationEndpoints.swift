import Foundation
import HTTP1
import SyncCore

/// The bodies of `POST /v1/push` and of the answer to `GET /v1/pull` are
/// `{"changes": [{"seq": N, "change": {...}}, ...]}` (see `LogEntry.batchJSON`);
/// the pull answer adds `"last"`, the seq to ask after next.

/// `POST /v1/push` answer: the highest child seq the parent holds durably.
public struct PushResponse: Codable, Sendable {
    public var received: Int64
}

/// The replication endpoints a parent serves to its children. The caller is
/// always the verified certificate's node: what it may send and what it gets
/// are decided from that identity, never from anything in the request.
enum ReplicationEndpoints {
    /// Longest a pull may wait for changes.
    static let maxWait = 30.0
    /// Most entries in one pull answer.
    static let maxBatch = 5000

    static func register(on router: inout Router, replica: Replica, isStopping: @escaping @Sendable () -> Bool) {
        router.add("POST", "/v1/push") { request in
            let peer = request.peer
            guard replica.context.topology.parent(of: peer.id)?.id == replica.context.node.id else {
                throw RequestError(403, "only children push; \(peer.id) is this node's parent")
            }
            let batch: Batch
            do { batch = try Batch.parse(request.http.body) } catch {
                throw RequestError(400, "the body of POST /v1/push is not valid: \(error)")
            }
            let entries = batch.entries
            let below = Set([peer.id] + replica.context.topology.descendants(of: peer.id).map(\.id))
            for entry in entries {
                for stamp in entry.change.items.values.map(\.stamp) + [entry.change.tombstone].compactMap({ $0 })
                where !below.contains(stamp.origin) {
                    throw RequestError(403, "change \(entry.seq) (dataset \(entry.change.dataset), record \(entry.change.key)) carries a write by '\(stamp.origin)', which is not \(peer.id) or below it")
                }
            }
            let received = try replica.cursor(peer.id, "received")
            if batch.fields["resync"] == 1 {
                // A page of the child's full resync: whole record states, no sequence of their own.
                do { try replica.apply(entries, from: peer.id, cursor: ("received", received)) } catch let error as ReplicationError {
                    throw RequestError(422, "resync page refused, nothing applied: \(error.message)")
                }
                return try .json(PushResponse(received: received))
            }
            let fresh = entries.filter { $0.seq > received }
            let highest = entries.map(\.seq).max() ?? received
            if !fresh.isEmpty {
                do {
                    try replica.apply(fresh, from: peer.id, cursor: ("received", highest))
                    replica.metrics.changesReceived.increment(peer.id, by: fresh.count)
                    replica.metrics.batches.increment("\(peer.id)|push_in")
                } catch let error as ReplicationError {
                    throw RequestError(422, "batch refused, nothing applied: \(error.message)")
                }
            }
            return try .json(PushResponse(received: max(received, highest)))
        }

        router.add("GET", "/v1/pull") { request in
            let peer = request.peer
            guard replica.context.topology.parent(of: peer.id)?.id == replica.context.node.id else {
                throw RequestError(403, "only children pull; \(peer.id) is this node's parent")
            }
            let query = request.http.query
            guard let after = Int64(query["after"] ?? "0"), after >= 0 else {
                throw RequestError(400, "'after' must be a non-negative sequence number")
            }
            let limit = min(maxBatch, max(1, Int(query["limit"] ?? "") ?? 1000))
            let wait = min(maxWait, max(0, Double(query["wait"] ?? "") ?? 0))
            // The child asks after `after`: it holds everything up to it durably.
            try replica.acknowledge(peer: peer.id, upTo: after, cursor: "delivered")
            // A child whose outbox overflowed gets everything it is entitled to, page by
            // page, before its outbox again; it confirms the last page with resync=complete.
            if try replica.resyncOwed(to: peer.id) {
                if query["resync"] == "complete" {
                    try replica.finishResync(for: peer.id)
                } else {
                    let page = try replica.snapshot(for: peer.id, after: query["resync"].flatMap(ResyncPosition.init(token:)), limit: limit)
                    let body = LogEntry.batchJSON(page.entries, extra: [("last", .int(after)), ("resync", .string(page.next?.token ?? "complete"))])
                    return HTTPResponse(status: 200, contentType: "application/json", body: body)
                }
            }
            let deadline = Date().addingTimeInterval(wait)
            while true {
                let seen = replica.signal.current
                let entries = try replica.outbox(for: peer.id, after: after, limit: limit)
                if !entries.isEmpty || Date() >= deadline || isStopping() {
                    if !entries.isEmpty {
                        replica.metrics.changesSent.increment(peer.id, by: entries.count)
                        replica.metrics.batches.increment("\(peer.id)|pull_out")
                    }
                    let body = LogEntry.batchJSON(entries, extra: [("last", .int(entries.last?.seq ?? after))])
                    return HTTPResponse(status: 200, contentType: "application/json", body: body)
                }
                replica.signal.wait(after: seen, timeout: min(1, deadline.timeIntervalSinceNow))
            }
        }
    }
}
