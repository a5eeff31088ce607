/// How long and how often the client retries a call that failed for a transient reason.
package struct RetryPolicy: Sendable {
    /// First backoff; doubles each attempt up to `maxBackoff`, with ±25 % jitter.
    package var initialBackoff: Duration
    /// Largest single wait.
    package var maxBackoff: Duration
    /// Total time one call may spend retrying 5xx, timeouts, bad bodies and throttling before giving up.
    package var budget: Duration
    /// How often a 500 on the very first call of a client is retried before it is reported as a key/region problem.
    var firstCallServerErrorRetries: Int
    /// How long 429s may persist without one success before they are taken as the daily quota being gone
    /// (the quota's 429 body is not documented; `Limit Exceeded` is only what has been seen).
    package var throttleSpan: Duration
    /// How long the first call keeps retrying while the host has never been reached (refused, not found, TLS
    /// failure): a wrong host or a firewall rather than a blip, so not the whole `budget`.
    var unreachableBudget: Duration = .seconds(300)

    /// Creates a policy; the defaults follow the product contract (90 minutes of retries).
    package init(
        initialBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(60), budget: Duration = .seconds(5400),
        firstCallServerErrorRetries: Int = 2, throttleSpan: Duration = .seconds(900)
    ) {
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.budget = budget
        self.firstCallServerErrorRetries = firstCallServerErrorRetries
        self.throttleSpan = throttleSpan
    }

    /// The wait before retry number `attempt` (1-based), jittered.
    func backoff(attempt: Int) -> Duration {
        var wait = initialBackoff
        for _ in 1..<max(1, attempt) {
            wait = wait * 2
            if wait >= maxBackoff { wait = maxBackoff; break }
        }
        let jitter = Double.random(in: 0.75...1.25)
        return wait * jitter
    }
}
