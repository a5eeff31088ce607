import Synchronization

/// Spaces requests so a whole run stays under the API's per-second allowance.
///
/// A token bucket with a burst of one: each call to `wait()` returns no earlier than one interval after the
/// previous call was released (its actual release, so an oversleeping timer never bunches two calls together).
/// A small safety margin keeps latency noise between client and server from causing 429s; when the server
/// throttles anyway (more jitter on the way than the margin covers), `slowDown()` widens the margin for the
/// rest of the run, so one 429 is not followed by more.
package final class Pacer: Sendable {
    private struct State {
        var margin: Double
        var next: ContinuousClock.Instant?
    }

    private let base: Duration
    private let state: Mutex<State>
    private let sleep: @Sendable (ContinuousClock.Instant) async throws -> Void

    /// The margin a run starts with, what one throttled answer adds, and the most it can reach.
    static let initialMargin = 0.03
    static let marginStep = 0.03
    static let maximumMargin = 0.20

    /// Creates a pacer for `requestsPerSecond` (nil or ≤ 0: no pacing); `margin` widens each interval (0.02 = 2 %).
    package convenience init(requestsPerSecond: Double?, margin: Double = Pacer.initialMargin) {
        self.init(requestsPerSecond: requestsPerSecond, margin: margin) { try await ContinuousClock().sleep(until: $0) }
    }

    /// Creates a pacer whose waits go through `sleep` (tests make it wake late).
    init(
        requestsPerSecond: Double?, margin: Double,
        sleep: @escaping @Sendable (ContinuousClock.Instant) async throws -> Void
    ) {
        self.sleep = sleep
        if let rps = requestsPerSecond, rps > 0 {
            base = .nanoseconds(Int64(1e9 / rps))
        } else {
            base = .zero
        }
        state = Mutex(State(margin: margin, next: nil))
    }

    /// The gap between two calls at `margin`.
    private func interval(_ margin: Double) -> Duration { base * (1 + margin) }

    /// The requests per second the pacer now allows (nil when it does not pace).
    var currentRate: Double? {
        guard base > .zero else { return nil }
        let interval = interval(state.withLock { $0.margin })
        let (s, atto) = interval.components
        return 1 / (Double(s) + Double(atto) / 1e18)
    }

    /// Widens the margin by one step (up to the maximum) after the server throttled a paced call; returns
    /// whether it changed.
    @discardableResult
    func slowDown() -> Bool {
        guard base > .zero else { return false }
        return state.withLock { s in
            let margin = min(Self.maximumMargin, s.margin + Self.marginStep)
            guard margin > s.margin else { return false }
            s.margin = margin
            return true
        }
    }

    /// Waits for the next slot.
    package func wait() async throws {
        guard base > .zero else { return }
        let clock = ContinuousClock()
        let slot: ContinuousClock.Instant = state.withLock { s in
            let now = clock.now
            let slot = max(now, s.next ?? now)
            s.next = slot + interval(s.margin)
            return slot
        }
        if slot > clock.now {
            try await sleep(slot)
        }
        // A late wake-up (a busy machine) must not shorten the gap to the next call: the next slot is one
        // interval after this call really goes, not after the slot it was given.
        let released = clock.now
        state.withLock { s in
            s.next = max(s.next ?? released, released + interval(s.margin))
        }
    }
}
