import Foundation
import SyncCore
import SyncEngine

/// Reads a `RowSource` and prepares its rows (parsed, checked against the catalog entry and the
/// quality rules, stamped and encoded) on a thread of its own, a bounded number of rows ahead of
/// the thread that writes them: an import's two halves on two cores. Rows come out in file order.
public final class RowReadAhead: @unchecked Sendable {   // all mutable state is read and written under `condition`
    /// One row of the file: prepared, or why it cannot be.
    public enum Item: Sendable {
        case row(line: Int, PreparedRow)
        case failed(RowError)
    }

    /// Rows in file order, and how far into the file the reading was after the last of them.
    public struct Batch: Sendable {
        public var items: [Item] = []
        public var bytesRead = 0
    }

    private let condition = NSCondition()
    private var ready: [Batch] = []
    /// Batches the writer is done with, freed by the reading thread (a tenth of the writer's time
    /// when it freed them itself: a million rows' strings, dictionaries and encoded changes).
    private var spent: [Batch] = []
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    private let depth: Int
    private let ended = DispatchSemaphore(value: 0)
    private struct Cancelled: Error {}

    /// Starts reading at once.
    /// - Parameters:
    ///   - batchSize: rows handed over at a time.
    ///   - depth: batches read ahead at most (memory stays bounded: about `batchSize × depth` rows).
    public init(source: RowSource, replica: Replica, batchSize: Int = 256, depth: Int = 8) {
        self.depth = depth
        let thread = Thread { [self] in
            read(source, replica: replica, batchSize: batchSize)
            ended.signal()
        }
        thread.name = "syncnode-read-ahead"
        thread.start()
    }

    /// The next rows in file order; nil after the last. Throws what stopped the reading (the file
    /// cannot be read or decoded, a header naming no data item).
    public func next() throws -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !finished { condition.wait() }
        if !ready.isEmpty {
            condition.broadcast()
            return ready.removeFirst()
        }
        if let failure, !(failure is Cancelled) { throw failure }
        return nil
    }

    /// Hands back a batch `next()` returned once its rows are written, for the reading thread to free.
    public func done(with batch: consuming Batch) {
        condition.lock()
        spent.append(batch)
        condition.unlock()
    }

    /// Stops the reading (if it still runs) and waits until its thread has ended. Call once, whether
    /// or not every batch was taken.
    public func close() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
        ended.wait()
    }

    private func read(_ source: RowSource, replica: Replica, batchSize: Int) {
        let preparer = RowPreparer(replica: replica, dataset: source.dataset)
        var batch = Batch()
        var stopped = false
        // Hands a full batch over; false once the writer has closed (then nothing more is read).
        func handFull() -> Bool {
            if batch.items.count >= batchSize && !stopped { stopped = !hand(&batch) }
            return !stopped
        }
        do {
            try source.read(row: { line, values in
                guard !stopped else { throw Cancelled() }
                do { batch.items.append(.row(line: line, try preparer.prepare(values, label: ""))) } catch let error as ReplicationError {
                    batch.items.append(.failed(RowError(row: line, item: nil, message: error.message)))
                }
                guard handFull() else { throw Cancelled() }
            }, failed: { batch.items.append(.failed($0)); _ = handFull() }, progress: { batch.bytesRead = $0 })
            if !stopped { _ = hand(&batch) }
            end(nil)
        } catch {
            end(error)
        }
    }

    /// Waits for room, then hands `batch` over and starts the next one; false when closed instead.
    private func hand(_ batch: inout Batch) -> Bool {
        var freed: [Batch] = []
        defer { freed.removeAll() }   // after the lock is let go
        condition.lock()
        defer { condition.unlock() }
        while ready.count >= depth && !cancelled { condition.wait() }
        if cancelled { return false }
        ready.append(batch)
        batch.items = []
        swap(&freed, &spent)
        condition.broadcast()
        return true
    }

    private func end(_ error: (any Error)?) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }
}
