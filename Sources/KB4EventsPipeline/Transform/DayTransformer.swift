import KB4EventsAPI
package import KB4EventsCore

/// Turns the events of one day, as pages deliver them, into a sorted, de-duplicated stream.
///
/// It checks that every event belongs to the day, drops repeated ids (page drift re-shows rows at a page
/// boundary), and emits events ordered by (`occurred_date`, `id`).
///
/// In `.streaming` mode it relies on the server's ascending time order and holds only the current
/// millisecond's ties and the ids of the last few pages' events, so memory does not grow with the day. A row
/// older than the current millisecond is a duplicate when its id was emitted recently; otherwise the server
/// broke its order and `OrderViolation` is thrown, after which the caller replays the day in `.sorting` mode:
/// the whole day is sorted with bounded memory (sorted runs spill to a scratch directory) and a repeated row,
/// adjacent to its first copy once sorted, is dropped as the day comes out. Apart from that scratch directory it
/// touches no files, network or clock.
struct DayTransformer {
    /// How events are ordered.
    enum Mode: Sendable {
        /// Trust the server's ascending order; hold only ties and recent ids.
        case streaming
        /// Sort everything; spill runs into `spillDirectory` past `limitBytes` of held events.
        case sorting(spillDirectory: String, limitBytes: Int = 8 << 20)
    }

    /// The server broke ascending order; replay the day in `.sorting` mode.
    struct OrderViolation: Error, Sendable {}

    /// What the day contained.
    package struct Summary: Sendable, Equatable {
        package var events = 0
        var duplicatesDropped = 0
        var firstOccurred: String?
        var lastOccurred: String?
    }

    /// How many emitted ids stay remembered in streaming mode (a few pages of the API's largest page size).
    static let recentCapacity = 1024

    private let day: Day
    private let emit: (JSONObject) throws -> Void
    private let sorter: SpillSorter?
    private var ties: [(key: EventKey, event: JSONObject, occurred: String)] = []
    private var recent = RecentIDs(capacity: DayTransformer.recentCapacity)
    private var summary = Summary()

    /// Creates a transformer for `day` that hands each event, in final order, to `emit`.
    /// Events of other UTC days: skipped when true (an export, whose API days may span two UTC days), an error
    /// when false (a rebuild from pages stored under their own day).
    private let skipsOtherDays: Bool

    package init(
        day: Day, mode: Mode = .streaming, skipsOtherDays: Bool = false, emit: @escaping (JSONObject) throws -> Void
    ) {
        self.day = day
        self.skipsOtherDays = skipsOtherDays
        self.emit = emit
        if case .sorting(let directory, let limit) = mode {
            sorter = SpillSorter(directory: directory, limitBytes: limit)
        } else {
            sorter = nil
        }
    }

    /// Adds one event as received on `page`. Throws a data error for an event that is not on the day or has no id.
    package mutating func add(_ event: JSONObject, page: Int) throws {
        guard let id = event["id"]?.stringValue ?? event["id"]?.numberText, !id.isEmpty else {
            throw PipelineError(
                stage: .transform, category: .data, code: "missing_id", message: "an event has no id", day: day,
                page: page)
        }
        guard let occurred = event["occurred_date"]?.stringValue, let millis = parseTimestampMillis(occurred) else {
            throw PipelineError(
                stage: .transform, category: .data, code: "bad_timestamp",
                message: "event \(id) has no usable occurred_date (\(event["occurred_date"]?.compactString ?? "absent"))",
                day: day, page: page)
        }
        guard Day(ordinal: Int(millis.floorDiv(86_400_000))) == day else {
            // An API day at an offset holds events of two UTC days: the other one's are not this day's. (The
            // exporter checks each API day's answers against its window itself, with a diagnosis.)
            if skipsOtherDays { return }
            throw PipelineError(
                stage: .transform, category: .data, code: "wrong_day",
                message: "event \(id) occurred at \(occurred), outside the requested UTC day", day: day, page: page)
        }
        let key = EventKey(millis: millis, id: id)
        if let sorter {
            // Repeats are dropped as the sorted day comes out: equal keys are adjacent there.
            try sorter.add(key: key, event: event)
            return
        }
        if let current = ties.first?.key.millis {
            if millis < current {
                guard recent.contains(id) || ties.contains(where: { $0.key.id == id }) else { throw OrderViolation() }
                summary.duplicatesDropped += 1
                return
            }
            if millis > current { try flushTies() }
        } else if recent.contains(id) {
            summary.duplicatesDropped += 1
            return
        } else if let last = recent.lastMillis, millis < last {
            throw OrderViolation()
        }
        if ties.contains(where: { $0.key.id == id }) {
            summary.duplicatesDropped += 1
            return
        }
        ties.append((key, event, occurred))
    }

    /// Emits whatever is held and returns the day's summary.
    package mutating func finish() throws -> Summary {
        if let sorter {
            var previous: EventKey?
            try sorter.finish { key, event in
                if key == previous {
                    summary.duplicatesDropped += 1
                    return
                }
                previous = key
                try emitOne((key, event, event["occurred_date"]?.stringValue ?? ""))
            }
        } else {
            try flushTies()
        }
        return summary
    }

    private mutating func flushTies() throws {
        guard !ties.isEmpty else { return }
        if ties.count > 1 { ties.sort { $0.key < $1.key } }
        for item in ties {
            try emitOne(item)
            recent.insert(item.key)
        }
        ties.removeAll(keepingCapacity: true)
    }

    private mutating func emitOne(_ item: (key: EventKey, event: JSONObject, occurred: String)) throws {
        try emit(item.event)
        summary.events += 1
        if summary.firstOccurred == nil { summary.firstOccurred = item.occurred }
        summary.lastOccurred = item.occurred
    }
}

/// The ids of the last `capacity` emitted events (a ring with a set for lookups), and the newest time.
/// The ids of the last `capacity` events (repeats from page drift land at page boundaries).
struct RecentIDs {
    private let capacity: Int
    private var ring: [String]
    private var next = 0
    private var set = Set<String>()
    private(set) var lastMillis: Int64?

    init(capacity: Int) {
        self.capacity = capacity
        ring = []
        ring.reserveCapacity(capacity)
        set.reserveCapacity(capacity)
    }

    func contains(_ id: String) -> Bool { set.contains(id) }

    mutating func insert(_ key: EventKey) {
        lastMillis = key.millis
        if ring.count < capacity {
            ring.append(key.id)
        } else {
            set.remove(ring[next])
            ring[next] = key.id
            next = (next + 1) % ring.count
        }
        set.insert(key.id)
    }
}

extension Int64 {
    fileprivate func floorDiv(_ d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
