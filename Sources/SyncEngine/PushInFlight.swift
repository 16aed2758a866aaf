import Foundation
import SyncCore

/// A batch of an outbox, encoded, with the seq of its last entry.
struct OutboxBatch: Sendable {
    var body: [UInt8]
    var last: Int64?
    var count: Int

    /// - Parameter continuing: the batch continues the push that ended at `seq` (sent ahead, with `after`).
    static func read(_ replica: Replica, peer: String, after seq: Int64, limit: Int, continuing: Bool = false) throws -> OutboxBatch {
        let entries = try replica.store.read { try $0.outbox(peer: peer, after: seq, limit: limit) }
        return OutboxBatch(body: Batch.encode(entries, after: continuing ? seq : nil), last: entries.last?.seq, count: entries.count)
    }
}

/// A channel handed to the thread that sends one push on it.
final class ChannelBox: @unchecked Sendable {   // one push at a time uses it: the lane's push in flight
    let channel: any ParentChannel
    init(_ channel: any ParentChannel) { self.channel = channel }
}

/// A push on its way: sent on its lane's channel from another thread at once, its answer awaited later.
final class PushInFlight: @unchecked Sendable {   // `result` is written once before `done` is signalled and read after waiting on it
    let batch: OutboxBatch
    let lane: Int
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<PushAnswer, any Error> = .failure(ReplicationError("no answer"))

    init(_ batch: OutboxBatch, lane: Int, on box: ChannelBox) {
        self.batch = batch
        self.lane = lane
        DispatchQueue.global().async { [self] in
            result = Result { try box.channel.push(batch.body) }
            done.signal()
        }
    }

    /// Waits for the parent's answer (once).
    func answer() throws -> PushAnswer {
        done.wait()
        done.signal()
        return try result.get()
    }
}
