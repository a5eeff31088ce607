import Synchronization

/// Spaces requests so a whole run stays under the API's per-second allowance.
///
/// A token bucket with a burst of one: each call to `wait()` returns no earlier than one interval after the
/// previous call was released (its actual release, so an oversleeping timer never bunches two calls together).
/// A small safety margin keeps latency noise between client and server from causing 429s.
public final class Pacer: Sendable {
    private let interval: Duration
    private let next = Mutex<ContinuousClock.Instant?>(nil)

    /// Creates a pacer for `requestsPerSecond` (nil or ≤ 0: no pacing); `margin` widens each interval (0.02 = 2 %).
    public init(requestsPerSecond: Double?, margin: Double = 0.02) {
        if let rps = requestsPerSecond, rps > 0 {
            interval = .nanoseconds(Int64((1e9 / rps) * (1 + margin)))
        } else {
            interval = .zero
        }
    }

    /// Waits for the next slot.
    public func wait() async throws {
        guard interval > .zero else { return }
        let clock = ContinuousClock()
        let slot: ContinuousClock.Instant = next.withLock { next in
            let now = clock.now
            let slot = max(now, next ?? now)
            next = slot + interval
            return slot
        }
        if slot > clock.now {
            try await clock.sleep(until: slot)
        }
        // A late wake-up (a busy machine) must not shorten the gap to the next call: the next slot is one
        // interval after this call really goes, not after the slot it was given.
        let released = clock.now
        next.withLock { next in
            next = max(next ?? released, released + interval)
        }
    }
}
