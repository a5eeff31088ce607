import KB4EventsAPI
import KB4EventsCore

/// What arrived for one API day: rows, the distinct ones among them (a row repeated across a page boundary is
/// counted once), and the earliest and latest instants, which tell which day filter the answers fit.
struct ArrivalCount {
    private(set) var rows = 0
    private(set) var repeats = 0
    /// The earliest and latest `occurred_date` (ms since the epoch, and as sent).
    private(set) var first: (millis: Int64, text: String)?
    private(set) var last: (millis: Int64, text: String)?
    private var recent = RecentIDs(capacity: DayTransformer.recentCapacity)

    /// Distinct rows.
    var distinct: Int { rows - repeats }

    mutating func add(_ page: EventsPage) {
        for event in page.events {
            rows += 1
            // Rows without an id or a time are the transform's to report.
            guard let id = event["id"]?.stringValue ?? event["id"]?.numberText,
                let text = event["occurred_date"]?.stringValue, let millis = parseTimestampMillis(text)
            else { continue }
            if recent.contains(id) {
                repeats += 1
                continue
            }
            recent.insert(EventKey(millis: millis, id: id))
            if first.map({ millis < $0.millis }) ?? true { first = (millis, text) }
            if last.map({ millis > $0.millis }) ?? true { last = (millis, text) }
        }
    }
}
