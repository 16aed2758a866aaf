import Foundation
import SyncCore
import SyncEngine

/// Verification across the tree (核验): answered at the nearest node on the
/// way up that holds the dataset (its source or a hub it is aggregated to),
/// each hop checking that the asker is the calling child or below it. The
/// record never travels; the answer is logged where it is given.
public struct VerificationRelay: Sendable {
    let context: NodeContext
    let replica: Replica
    let log: Log?

    public init(context: NodeContext, replica: Replica, log: Log?) {
        self.context = context
        self.replica = replica
        self.log = log
    }

    /// The answer to `question`: from this node when it holds the dataset, else from the parent's side.
    public func answer(_ question: VerificationService.Question) throws -> VerificationService.Answer {
        let service = VerificationService(replica: replica)
        if try service.holds(question.dataset) {
            let answer = try service.answer(question)
            log?.info("verification_answered", ["asker": question.asker, "dataset": question.dataset, "result": answer.result.rawValue])
            return answer
        }
        guard context.parent != nil else {
            return VerificationService.Answer(result: .unknown, answeredBy: context.node.id,
                                              detail: "no node on the way up from \(question.asker) holds dataset '\(question.dataset)'")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = try ParentClient(context: context).send("POST", Endpoint.verify, Array(try encoder.encode(question)), timeout: 15)
        return try TicketJSON.decode(VerificationService.Answer.self, String(decoding: body, as: UTF8.self), what: "verification answer")
    }

    /// Checks that child `caller` may ask on behalf of `asker`: itself or a node below it.
    func authorize(_ question: VerificationService.Question, from caller: String) throws {
        let topology = context.topology
        guard topology.parent(of: caller)?.id == context.node.id,
              question.asker == caller || topology.isDescendant(question.asker, of: caller) else {
            throw ReplicationError("\(caller) may ask verifications for itself and the nodes below it, not for '\(question.asker.prefix(80))'",
                                   kind: .forbidden)
        }
    }
}
