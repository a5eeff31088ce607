import KB4EventsAPI

/// The sort key of an event inside a day file: (`occurred_date` as epoch milliseconds, `id`).
struct EventKey: Sendable, Hashable, Comparable {
    /// Milliseconds since the Unix epoch.
    package let millis: Int64
    /// The event id as sent.
    package let id: String

    package static func < (a: EventKey, b: EventKey) -> Bool {
        if a.millis != b.millis { return a.millis < b.millis }
        return a.id.utf8.lexicographicallyPrecedes(b.id.utf8)
    }
}
