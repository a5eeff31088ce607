/// Counters of what a simulator served, for tests and `GET /_sim/stats`.
package struct SimulatorStats: Sendable, Equatable {
    /// API requests received (not `/_sim`), including refused ones.
    package var totalRequests: Int = 0
    /// Requests per route, e.g. `GET /events`, `GET /events/{id}`, `POST /_sim/today`.
    package var requestsByRoute: [String: Int] = [:]
    /// 429 responses of both kinds.
    var tooManyRequests: Int = 0
    /// 429 `Too Many Requests` (per-second limit).
    package var rateLimited: Int = 0
    /// 429 `API Limit Exceeded` (daily quota).
    var quotaExceeded: Int = 0
    /// Responses refused for a missing or wrong key.
    package var authFailures: Int = 0
    /// Injected faults per kind.
    package var faultsInjected: [FaultKind: Int] = [:]
    /// Calls counted against the quota of the current simulated day.
    package var quotaUsedToday: Int = 0
    /// API requests received and not yet answered.
    package var inFlight: Int = 0
    /// The most API requests that waited for their answers at once.
    package var peakInFlight: Int = 0
    /// API requests whose connection the client closed before their (delayed) answer was sent: requests it
    /// cancelled.
    package var abandoned: Int = 0

    /// All injected faults.
    var totalFaults: Int { faultsInjected.values.reduce(0, +) }

    /// Compact JSON of these counters (keys sorted where they come from a dictionary).
    func json() -> [UInt8] {
        let routes = requestsByRoute.keys.sorted().map { (key: $0, value: JSONValue.int(requestsByRoute[$0] ?? 0)) }
        let faults = FaultKind.allCases.map { (key: $0.rawValue, value: JSONValue.int(faultsInjected[$0] ?? 0)) }
        let value = JSONValue.object([
            ("total_requests", .int(totalRequests)),
            ("requests_by_route", .object(routes)),
            ("too_many_requests", .int(tooManyRequests)),
            ("rate_limited", .int(rateLimited)),
            ("quota_exceeded", .int(quotaExceeded)),
            ("auth_failures", .int(authFailures)),
            ("faults_injected", .object(faults)),
            ("quota_used_today", .int(quotaUsedToday)),
            ("in_flight", .int(inFlight)),
            ("peak_in_flight", .int(peakInFlight)),
            ("abandoned", .int(abandoned)),
        ])
        return value.compactBytes
    }
}
