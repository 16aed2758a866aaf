import Foundation

/// How a child reaches its parent: over mutual TLS in a running node,
/// in-process in engine tests. A channel is used by one thread at a time.
public protocol ParentChannel: AnyObject {
    /// Sends this node's health message; returns the parent's.
    func health(_ message: HealthMessage) throws -> HealthMessage
    /// Sends a batch body (`Batch.encode`); returns the parent's answer.
    func push(_ body: [UInt8]) throws -> PushAnswer
    /// Asks for changes routed to this node; waits up to the request's `wait`.
    func pull(_ request: PullRequest) throws -> Batch
    /// The parent certificate's expiry, as seen on the last connection.
    var peerCertificateNotAfter: Date? { get }
    /// Keeps the channel ready for the next request while there is nothing to send: a channel with a
    /// connection that the parent closes when idle opens it, or uses it, once it has been idle a while.
    /// Changes nothing at the parent. Called by an idle push loop about once a second.
    func keepWarm() throws
    /// Sends a digest request (anti-entropy); returns the answer's bytes (a `DigestAnswer`, or a `Batch` for `entries`).
    func digest(_ request: DigestRequest) throws -> [UInt8]
    /// Sends this node's changes of records that differ (a `Batch`); returns what the parent did with them.
    func repair(_ body: [UInt8]) throws -> RepairAnswer
}

extension ParentChannel {
    /// A channel without connections (in-process) has nothing to keep.
    public func keepWarm() throws {}
}
