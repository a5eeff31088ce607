public import KB4EventsAPI

/// Turns the events of one day, as pages deliver them, into a sorted, de-duplicated stream.
///
/// Pure: no files, network or clock. It checks that every event belongs to the day, drops repeated ids
/// (page drift re-shows a row), and emits events ordered by (`occurred_date`, `id`). In `.streaming` mode it
/// relies on the server's ascending time order and holds only the current millisecond's ties and the id set;
/// an event older than one already emitted throws `OrderViolation`, after which the caller replays the day in
/// `.sorting` mode, which sorts the whole day with bounded memory (spilling sorted runs to a scratch directory).
public struct DayTransformer {
    /// How events are ordered.
    public enum Mode: Sendable {
        /// Trust the server's ascending order; hold only ties.
        case streaming
        /// Sort everything; spill runs into `spillDirectory` past `limitBytes` of held events.
        case sorting(spillDirectory: String, limitBytes: Int = 16 << 20)
    }

    /// The server broke ascending order; replay the day in `.sorting` mode.
    public struct OrderViolation: Error, Sendable {}

    /// What the day contained.
    public struct Summary: Sendable, Equatable {
        public var events = 0
        public var duplicatesDropped = 0
        public var firstOccurred: String?
        public var lastOccurred: String?
    }

    private let day: Day
    private let dayPrefix: [UInt8]
    private let mode: Mode
    private let emit: (JSONObject) throws -> Void
    private var ids = IDSet()
    private var ties: [(key: EventKey, event: JSONObject, occurred: String)] = []
    private let sorter: SpillSorter?
    private var lastEmitted: Int64 = .min
    private var summary = Summary()

    /// Creates a transformer for `day` that hands each event, in final order, to `emit`.
    public init(day: Day, mode: Mode = .streaming, emit: @escaping (JSONObject) throws -> Void) {
        self.day = day
        self.dayPrefix = Array(day.description.utf8)
        self.mode = mode
        self.emit = emit
        if case .sorting(let directory, let limit) = mode {
            sorter = SpillSorter(directory: directory, limitBytes: limit)
        } else {
            sorter = nil
        }
    }

    /// Adds one event as received on `page`. Throws a data error for an event that is not on the day or has no id.
    public mutating func add(_ event: JSONObject, page: Int) throws {
        guard let id = event["id"]?.stringValue ?? event["id"].flatMap(Self.numberText), !id.isEmpty else {
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
        guard Day(ordinal: Int((millis / 1000).floorDiv(86_400))) == day else {
            throw PipelineError(
                stage: .transform, category: .data, code: "wrong_day",
                message: "event \(id) occurred at \(occurred), outside the requested UTC day", day: day, page: page)
        }
        guard ids.insert(id) else {
            summary.duplicatesDropped += 1
            return
        }
        let key = EventKey(millis: millis, id: id)
        if let sorter {
            try sorter.add(key: key, event: event)
            return
        }
        if let current = ties.first?.key.millis, millis != current {
            if millis < current { throw OrderViolation() }
            try flushTies()
        } else if ties.isEmpty && millis < lastEmitted {
            throw OrderViolation()
        }
        ties.append((key, event, occurred))
    }

    /// Emits whatever is held and returns the day's summary.
    public mutating func finish() throws -> Summary {
        if let sorter {
            try sorter.finish { key, event in
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
        lastEmitted = ties[0].key.millis
        for item in ties { try emitOne(item) }
        ties.removeAll(keepingCapacity: true)
    }

    private mutating func emitOne(_ item: (key: EventKey, event: JSONObject, occurred: String)) throws {
        try emit(item.event)
        summary.events += 1
        if summary.firstOccurred == nil { summary.firstOccurred = item.occurred }
        summary.lastOccurred = item.occurred
    }

    private static func numberText(_ value: JSONValue) -> String? {
        if case .number(let text) = value { return text }
        return nil
    }
}

extension Int64 {
    fileprivate func floorDiv(_ d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
