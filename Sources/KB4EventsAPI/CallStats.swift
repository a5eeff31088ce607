import Synchronization

/// Counters of what a client spent: calls sent (every attempt counts against the quota), retries, 429s.
public final class CallStats: Sendable {
    private struct Counts {
        var calls = 0
        var retries = 0
        var throttled = 0
    }
    private let counts = Mutex(Counts())

    /// Creates zeroed counters.
    public init() {}

    /// Requests sent, including retries and failed ones.
    public var calls: Int { counts.withLock { $0.calls } }
    /// Attempts that were retries of an earlier one.
    public var retries: Int { counts.withLock { $0.retries } }
    /// 429 answers received.
    public var throttled: Int { counts.withLock { $0.throttled } }

    func recordCall(retry: Bool) {
        counts.withLock {
            $0.calls += 1
            if retry { $0.retries += 1 }
        }
    }
    func recordThrottled() { counts.withLock { $0.throttled += 1 } }
}
