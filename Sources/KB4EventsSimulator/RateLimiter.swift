/// The per-second sliding window and the daily quota of one API key.
struct RateLimiter: Sendable {
    enum Verdict: Equatable {
        case allowed
        case tooManyRequests
        case limitExceeded
    }

    var requestsPerSecond: Double?
    var dailyQuota: Int?
    private(set) var quotaDay: Int?
    private(set) var usedToday = 0
    private var window: [ContinuousClock.Instant] = []

    init(requestsPerSecond: Double?, dailyQuota: Int?) {
        self.requestsPerSecond = requestsPerSecond
        self.dailyQuota = dailyQuota
    }

    /// Counts one call on simulated `day` at `now` and says whether it may proceed. Every call counts against
    /// the quota, refused ones too; only calls that pass both limits take a place in the per-second window.
    mutating func admit(day: Int, now: ContinuousClock.Instant) -> Verdict {
        rollOver(to: day)
        usedToday += 1
        if let dailyQuota, usedToday > dailyQuota { return .limitExceeded }
        if let requestsPerSecond {
            let horizon = now - .seconds(1)
            window.removeAll { $0 <= horizon }
            if Double(window.count) >= requestsPerSecond { return .tooManyRequests }
            window.append(now)
        }
        return .allowed
    }

    /// Starts a fresh quota when the simulated UTC day changes.
    mutating func rollOver(to day: Int) {
        if quotaDay != day {
            quotaDay = day
            usedToday = 0
        }
    }
}
