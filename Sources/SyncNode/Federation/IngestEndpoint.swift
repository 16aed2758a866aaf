import Foundation
import HTTP1
import SyncCore
import SyncEngine

/// The ingestion API (接口对接) for a node's source systems: `POST /v1/ingest`
/// over the federation port, with a client certificate issued by the federation
/// CA for a system of this node (`syncnode cert issue --system NAME`).
///
/// Body: `{"dataset": "ID", "upsert": [{item: value, ...}, ...], "delete": ["key", ...]}`.
/// The batch is applied whole or not at all; a refusal lists every row's error.
struct IngestEndpoint: Sendable {
    let writer: LocalWriter
    let log: Log
    let reserve: DiskReserve

    struct Refusal: Encodable {
        var error: String
        var rows: [Row]
        struct Row: Encodable {
            var row: Int
            var error: String
        }
    }

    struct Answer: Encodable {
        var dataset: String
        var upserted: Int
        var deleted: Int
    }

    func respond(_ request: HTTPRequest, system: String) -> HTTPResponse {
        guard request.path == Endpoint.ingest else {
            return .error(404, "a source system may only use POST \(Endpoint.ingest)")
        }
        guard request.method == "POST" else { return .error(405, "use POST \(Endpoint.ingest)") }
        if let refusal = reserve.refusal("POST \(Endpoint.ingest)") { return refusal }
        let node: JSONNode
        do { node = try JSONNode.parse(request.body) } catch {
            return .error(400, "the body is not valid JSON: \(error)")
        }
        guard let dataset = node["dataset"]?.string else {
            return .error(400, "the body needs \"dataset\" and \"upsert\" and/or \"delete\"")
        }
        // One source per dataset inside a node too: only the systems its catalog entry names.
        guard let entry = try? CatalogService(replica: writer.replica).entry(dataset), entry.admitsSystem(system) else {
            log.warning("ingest_refused", ["system": system, "dataset": String(dataset.prefix(64)), "reason": "not a system of the dataset"])
            return .error(403, "system '\(system)' may not load dataset '\(dataset.prefix(64))': its catalog entry does not name it (systems, or relatedSystem)")
        }
        let upserts = node["upsert"]?.array ?? []
        let deletes = node["delete"]?.array ?? []
        var errors: [Refusal.Row] = []
        struct Rejected: Error {}
        do {
            try writer.bulkWrite(dataset: dataset, action: "ingest", by: "system \(system)") { writer in
                for (i, row) in upserts.enumerated() {
                    do {
                        guard let members = row.members else { throw ReplicationError("is not an object of item values") }
                        var values: [String: JSONValue] = [:]
                        for (name, value) in members { values[name] = try JSONValue(node: value) }
                        try writer.write(values, "")
                    } catch {
                        errors.append(.init(row: i + 1, error: "upsert: \(error)"))
                    }
                }
                for (i, key) in deletes.enumerated() {
                    do {
                        guard let key = key.string else { throw ReplicationError("delete keys must be strings") }
                        try writer.delete(key)
                    } catch {
                        errors.append(.init(row: i + 1, error: "delete: \(error)"))
                    }
                }
                if !errors.isEmpty { throw Rejected() }
            }
        } catch is Rejected {
            log.warning("ingest_refused", ["system": system, "dataset": dataset, "errors": errors.count])
            return .json(Refusal(error: "batch refused, nothing applied: \(errors.count) of \(upserts.count + deletes.count) rows have errors", rows: errors), status: 422)
        } catch {
            return .error(422, "batch refused, nothing applied: \(error)")
        }
        log.info("ingested", ["system": system, "dataset": dataset, "upserted": upserts.count, "deleted": deletes.count])
        return .json(Answer(dataset: dataset, upserted: upserts.count, deleted: deletes.count))
    }
}
