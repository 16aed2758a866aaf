import Foundation
import SyncCore

/// What a node asks its parent about its own audit log.
public enum AuditHeads {
    /// The signed heads of this node's audit log that its parent keeps (over mutual TLS, as this node).
    public static func keptByParent(context: NodeContext) throws -> [AuditHead] {
        let body = try ParentClient(context: context).send("GET", Endpoint.auditHeads, nil, timeout: 15)
        return try TicketJSON.decode([AuditHead].self, String(decoding: body, as: UTF8.self), what: "list of audit heads")
    }
}
