import Dispatch
import Synchronization

/// Runs a `GzipWriter` (and the file write and hashing in its sink) on a second thread, so that parsing and
/// formatting on the calling thread overlap with deflate. At most `depth` buffers wait in the queue, which
/// bounds memory; the first failure is reported by the next `submit` or by `finish`.
final class BackgroundCompressor: @unchecked Sendable {
    private let gzip: GzipWriter
    private let queue = DispatchQueue(label: "kb4-events.gzip")
    private let slots: DispatchSemaphore
    private let failure = Mutex<(any Error)?>(nil)

    init(gzip: GzipWriter, depth: Int = 4) {
        self.gzip = gzip
        slots = DispatchSemaphore(value: depth)
    }

    /// Queues `buffer` for compression; waits while `depth` buffers are already queued.
    func submit(_ buffer: [UInt8]) throws {
        try rethrowFailure()
        slots.wait()
        queue.async { [self] in
            defer { slots.signal() }
            guard failure.withLock({ $0 == nil }) else { return }
            do { try gzip.write(buffer) } catch { failure.withLock { $0 = error } }
        }
    }

    /// Compresses what is queued, ends the gzip stream, and reports any failure.
    func finish() throws {
        queue.sync {
            guard failure.withLock({ $0 == nil }) else { return }
            do { try gzip.finish() } catch { failure.withLock { $0 = error } }
        }
        try rethrowFailure()
    }

    /// Waits until nothing is running on the worker (before the output is thrown away).
    func drain() {
        queue.sync {}
    }

    private func rethrowFailure() throws {
        if let error = failure.withLock({ $0 }) { throw error }
    }
}
