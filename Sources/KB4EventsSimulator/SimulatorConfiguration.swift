package import KB4EventsCore

/// Everything that shapes a simulator: its data (seed, size, range), its account rules (key, paging, limits)
/// and the scenarios it plays (faults, tie order, page drift).
///
/// The defaults are the most likely behaviour of the real API where it is unknown.
package struct SimulatorConfiguration: Sendable {
    /// A data set: about `events` events over `days` days (or from `firstDay`) ending `today`, answering `apiKey`;
    /// everything else as `init()`. How the `simulate` command, the demo's embedded simulator and the tests set one up.
    package init(seed: UInt64, events: Int, days: Int, firstDay: String? = nil, today: String?, apiKey: String) {
        self.seed = seed
        self.events = events
        self.days = days
        self.firstDay = firstDay
        self.today = today
        self.apiKey = apiKey
    }

    /// Seed of every generated value; the same seed and data settings give the same truth, byte for byte.
    package var seed: UInt64 = 1
    /// The `account_id` of the data set; nil draws one from the seed.
    package var accountID: Int? = nil
    /// Approximate number of events over the range (per-day counts are drawn around `events / days`).
    package var events: Int = 10_000
    /// Length of the generated range, ending on `today` (inclusive). Ignored when `firstDay` is set.
    package var days: Int = 30
    /// First generated day `YYYY-MM-DD`; default `today - (days - 1)`.
    package var firstDay: String? = nil
    /// The simulator's notion of today `YYYY-MM-DD`; default the real UTC day (following the clock).
    package var today: String? = nil
    /// The Bearer key the server accepts.
    package var apiKey: String = "sim-key"
    /// How a missing or wrong key is answered.
    package var authFailure: AuthFailureMode = .unauthorized
    /// `per_page` when the request sends none, zero, a negative number or junk.
    package var defaultPerPage: Int = 100
    /// The largest page; larger `per_page` values are clamped silently.
    package var maxPerPage: Int = 100
    /// Requests per second (sliding one-second window) before 429 `Too Many Requests`; nil for no limit.
    package var requestsPerSecond: Double? = 4
    /// Calls per simulated UTC day before 429 `API Limit Exceeded`; nil for no quota. Every call counts.
    package var dailyQuota: Int? = nil
    /// When set, every 429 carries `Retry-After: N`.
    package var retryAfterSeconds: Int? = nil
    /// How long after `POST /events` its request status becomes processed.
    package var processingDelay: Duration = .milliseconds(200)
    /// The order of events whose sort keys are equal.
    package var tieOrder: TieOrder = .insertion
    /// The order used when a request sends no `order_by` (a recorded page was newest-first).
    package var defaultOrder: EventOrder = EventOrder(field: .occurredDate, direction: .descending)
    /// Scenario: the server ignores `order_by`/`order_direction` and always uses `defaultOrder` (an API that
    /// does not honour the requested order; exporters must notice and sort the day themselves).
    package var ignoresRequestedOrder: Bool = false
    /// Fault injection rates.
    package var faults: FaultConfiguration = .none
    /// After serving a page of `/events?occurred_date=D` that has a next page, insert one event on D first.
    package var pageDrift: Bool = false
    /// How long every API answer waits before it is sent (a real answer takes hundreds of milliseconds: a Rails
    /// list rendered to JSON, over TLS, often across a continent). The per-second limit counts arrivals.
    package var latency: Duration = .zero
    /// The clock of the `occurred_date` filter, in minutes east of UTC: 0 filters on UTC days (what the exporter
    /// assumes by default); −300 on an account's local days at UTC−05:00 (nothing public says which the real API uses).
    package var dayFilterOffsetMinutes: Int = 0
    /// Each answer's wait is drawn uniformly from `latency ± latencyJitter` (never below zero).
    package var latencyJitter: Duration = .zero

    /// A configuration with every default.
    package init() {}

    /// Checks the values a caller can get wrong; `Simulator.start` calls it too.
    package func validate() throws(SimulatorError) {
        if let today, Day(today)?.ordinal == nil {
            throw .invalidConfiguration("today: '\(today)' is not a YYYY-MM-DD date")
        }
        if let firstDay {
            guard let first = Day(firstDay)?.ordinal else {
                throw .invalidConfiguration("first day: '\(firstDay)' is not a YYYY-MM-DD date")
            }
            if let today, let last = Day(today)?.ordinal, first > last {
                throw .invalidConfiguration("first day: \(firstDay) is after today (\(today))")
            }
        }
        guard events >= 0 else { throw .invalidConfiguration("events: must be 0 or more, got \(events)") }
        guard days >= 1 else { throw .invalidConfiguration("days: must be 1 or more, got \(days)") }
        guard !apiKey.isEmpty else { throw .invalidConfiguration("api key: must not be empty") }
        if let accountID, accountID <= 0 {
            throw .invalidConfiguration("account id: must be above 0, got \(accountID)")
        }
        guard defaultPerPage >= 1 else {
            throw .invalidConfiguration("default per_page: must be 1 or more, got \(defaultPerPage)")
        }
        guard maxPerPage >= 1 else { throw .invalidConfiguration("max per_page: must be 1 or more, got \(maxPerPage)") }
        if let requestsPerSecond, !(requestsPerSecond > 0) {
            throw .invalidConfiguration("requests per second: must be above 0 (or off), got \(requestsPerSecond)")
        }
        if let dailyQuota, dailyQuota < 0 {
            throw .invalidConfiguration("daily quota: must be 0 or more, got \(dailyQuota)")
        }
        guard (-720...840).contains(dayFilterOffsetMinutes) else {
            throw .invalidConfiguration("day filter offset: must be within -12:00 … +14:00, got \(dayFilterOffsetMinutes) minutes")
        }
        guard latency >= .zero, latencyJitter >= .zero else {
            throw .invalidConfiguration("latency: must be 0 or more milliseconds")
        }
        if let retryAfterSeconds, retryAfterSeconds < 0 {
            throw .invalidConfiguration("retry after: must be 0 or more seconds, got \(retryAfterSeconds)")
        }
    }
}

/// How the server answers a missing or wrong Bearer key.
package enum AuthFailureMode: String, Sendable, CaseIterable {
    /// 401 `{"message":"Unauthorized"}`.
    case unauthorized
    /// 403 `{"message":"Forbidden"}`.
    case forbidden
    /// 500 `{"message":"Internal Server Error"}`, as the edge answers a bad key or a wrong region.
    case edge500
}

/// The order of events whose sort keys are equal.
package enum TieOrder: String, Sendable, CaseIterable {
    /// Creation order, as a database returns rows it has no reason to reorder.
    case insertion
    /// By event id, ascending.
    case id
    /// Reshuffled on every request.
    case random
}

/// A field `/events` can be ordered by (`order_by`).
package enum SortField: String, Sendable, CaseIterable {
    /// `order_by=id`.
    case id
    /// `order_by=event_type` (by the type's name).
    case eventType = "event_type"
    /// `order_by=occurred_date`.
    case occurredDate = "occurred_date"
}

/// `order_direction`.
package enum SortDirection: String, Sendable, CaseIterable {
    /// `asc`.
    case ascending = "asc"
    /// `desc`.
    case descending = "desc"
}

/// A sort field with a direction.
package struct EventOrder: Sendable, Hashable {
    /// The field sorted on.
    package var field: SortField
    /// The direction.
    package var direction: SortDirection

    /// An order on `field` in `direction`.
    package init(field: SortField, direction: SortDirection) {
        self.field = field
        self.direction = direction
    }
}
