import Synchronization

/// Counters of what a client spent: calls sent (every attempt counts against the quota), retries, 429s, and
/// how long the API takes to answer (what decides how many requests may usefully wait for answers at once).
package final class CallStats: Sendable {
    private struct Counts {
        var calls = 0
        var retries = 0
        var throttled = 0
        var answerSeconds: Double?
    }
    private let counts = Mutex(Counts())

    /// Creates zeroed counters.
    package init() {}

    /// Requests sent, including retries and failed ones.
    package var calls: Int { counts.withLock { $0.calls } }
    /// Attempts that were retries of an earlier one.
    package var retries: Int { counts.withLock { $0.retries } }
    /// 429 answers received.
    package var throttled: Int { counts.withLock { $0.throttled } }

    /// A smoothed answer time of the calls so far (nil before the first answer): each new answer moves it
    /// 30 % of the way, and a slower answer than the estimate moves it at once, so a slow spell is covered quickly.
    package var answerSeconds: Double? { counts.withLock { $0.answerSeconds } }

    func recordAnswer(seconds: Double) {
        counts.withLock {
            if let previous = $0.answerSeconds, seconds < previous {
                $0.answerSeconds = previous + (seconds - previous) * 0.3
            } else {
                $0.answerSeconds = seconds
            }
        }
    }

    func recordCall(retry: Bool) {
        counts.withLock {
            $0.calls += 1
            if retry { $0.retries += 1 }
        }
    }
    func recordThrottled() { counts.withLock { $0.throttled += 1 } }
}
