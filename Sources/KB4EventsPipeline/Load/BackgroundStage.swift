import Dispatch
import Synchronization

/// The second half of a day's writer on a second thread, so the calling thread's parsing and mapping overlap with
/// what comes after (deflate for the gzip formats; column encoding and page compression for Parquet): `consume`
/// runs on one serial queue, in submission order, so the output is the same bytes as when written inline. At most
/// `depth` items wait in the queue, which bounds memory; the first failure is reported by the next `submit` or by
/// `finish`, and nothing is consumed after it.
final class BackgroundStage<Item>: @unchecked Sendable {
    private let consume: (Item) throws -> Void
    private let queue = DispatchQueue(label: "kb4-events.writer")
    private let slots: DispatchSemaphore
    private let failure = Mutex<(any Error)?>(nil)

    /// `consume` runs on the stage's queue and `finish`'s closure through `queue.sync`: one at a time, after everything
    /// queued, so what they touch needs no lock.
    init(depth: Int = 4, consume: @escaping (Item) throws -> Void) {
        self.consume = consume
        slots = DispatchSemaphore(value: depth)
    }

    /// Queues `item`; waits while `depth` items are already queued.
    func submit(_ item: Item) throws {
        try rethrowFailure()
        slots.wait()
        nonisolated(unsafe) let item = item
        queue.async { [self] in
            defer { slots.signal() }
            run { try consume(item) }
        }
    }

    /// Consumes what is queued, then runs `last` on the stage's queue (ending the stream), and reports any failure.
    func finish(_ last: () throws -> Void) throws {
        queue.sync { run(last) }
        try rethrowFailure()
    }

    /// Waits until nothing is running on the stage (before the output is thrown away).
    func drain() {
        queue.sync {}
    }

    private func run(_ body: () throws -> Void) {
        guard failure.withLock({ $0 == nil }) else { return }
        do { try body() } catch { failure.withLock { $0 = error } }
    }

    private func rethrowFailure() throws {
        if let error = failure.withLock({ $0 }) { throw error }
    }
}
