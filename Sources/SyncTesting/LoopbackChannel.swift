import Foundation
import SyncCore
import SyncEngine
import Synchronization

/// A child's channel to its parent inside one process: each call goes
/// through the protocol's encoding to the parent's `ReplicationServer`, as it
/// would over HTTPS, so engine tests run a federation in milliseconds. It can
/// be cut to play an unreachable parent.
public final class LoopbackChannel: ParentChannel, Sendable {
    private let server: ReplicationServer
    private let child: String
    private let cut = Mutex(false)

    public init(parent: Replica, child: String) {
        server = ReplicationServer(replica: parent)
        self.child = child
    }

    /// While cut, every call fails as an unreachable parent would.
    public func setCut(_ value: Bool) { cut.withLock { $0 = value } }

    private func reachable() throws {
        if cut.withLock({ $0 }) { throw LoopbackError(message: "the loopback channel to \(server.replica.nodeID) is cut") }
    }

    public var peerCertificateNotAfter: Date? { nil }

    public func health(_ message: HealthMessage) throws -> HealthMessage {
        try reachable()
        let answer = try server.health(from: child, body: message.encoded(), certificateNotAfter: nil)
        return try HealthMessage.decode(answer.encoded())
    }

    public func push(_ body: [UInt8]) throws -> PushAnswer {
        try reachable()
        return try PushAnswer.decode(try server.push(from: child, body: body).encoded())
    }

    public func pull(_ request: PullRequest) throws -> Batch {
        try reachable()
        // The request travels as its query text, the answer as its bytes.
        let query = Dictionary(uniqueKeysWithValues: request.path.split(separator: "?").dropFirst().joined()
            .split(separator: "&").map { pair -> (String, String) in
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                return (parts[0], parts.count > 1 ? parts[1] : "")
            })
        var bounded = try PullRequest(query: query)
        bounded.wait = min(bounded.wait, 0.2)   // in-process tests do not long-poll for 20 s
        return try Batch.decode(try server.pull(for: child, bounded))
    }

    public func digest(_ request: DigestRequest) throws -> [UInt8] {
        try reachable()
        return try DigestService(replica: server.replica).answer(try DigestRequest.decode(request.encoded()), from: child)
    }

    public func repair(_ body: [UInt8]) throws -> RepairAnswer {
        try reachable()
        return try RepairAnswer.decode(try DigestService(replica: server.replica).repair(from: child, body: body).encoded())
    }
}

public struct LoopbackError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

/// A wall clock a test sets and moves.
public final class TestClock: WallClock, Sendable {
    private let current: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = Mutex(start) }

    public func now() -> Date { current.withLock { $0 } }

    public func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }

    public func set(_ date: Date) { current.withLock { $0 = date } }
}
