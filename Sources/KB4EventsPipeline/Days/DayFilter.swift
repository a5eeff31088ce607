package import KB4EventsCore

/// The clock of the API's `occurred_date=YYYY-MM-DD` filter: the UTC day (offset +00:00, the default) or an
/// account's local day at a fixed offset. With an offset, the API day D covers the instants
/// `[D 00:00 − offset, D+1 00:00 − offset)`, so one UTC day is assembled from the two API days that overlap it.
package struct DayFilterOffset: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Minutes east of UTC (−05:00 is −300).
    package let minutes: Int

    /// UTC days.
    static let utc = DayFilterOffset(checked: 0)
    /// The offsets a time zone can have: −12:00 … +14:00.
    package static let range = -720...840

    /// An offset of `minutes` east of UTC (nil outside −12:00 … +14:00).
    package init?(minutes: Int) {
        guard Self.range.contains(minutes) else { return nil }
        self.init(checked: minutes)
    }

    private init(checked minutes: Int) { self.minutes = minutes }

    /// Parses `+02:00`, `-05:00`, `+05:30` (also `Z`).
    package init?(_ text: String) {
        if text == "Z" {
            self.init(minutes: 0)
            return
        }
        let chars = Array(text)
        guard chars.count == 6, chars[0] == "+" || chars[0] == "-", chars[3] == ":",
            let h = Int(String(chars[1...2])), let m = Int(String(chars[4...5])), h <= 14, m < 60
        else { return nil }
        self.init(minutes: (chars[0] == "-" ? -1 : 1) * (h * 60 + m))
    }

    package var description: String {
        let sign = minutes < 0 ? "-" : "+"
        let a = abs(minutes)
        return sign + String(format2: a / 60) + ":" + String(format2: a % 60)
    }

    package static func < (a: DayFilterOffset, b: DayFilterOffset) -> Bool { a.minutes < b.minutes }

    /// The UTC instants (milliseconds) the API day `day` covers.
    package func range(ofAPIDay day: Day) -> Range<Int64> {
        let start = Int64(day.ordinal) * 86_400_000 - Int64(minutes) * 60_000
        return start..<(start + 86_400_000)
    }

    /// The API days whose answers hold the events of the UTC day `day`, earliest first: the day itself at +00:00;
    /// the day before and the day at a negative offset; the day and the day after at a positive one.
    func apiDays(for day: Day) -> [Day] {
        if minutes == 0 { return [day] }
        return minutes < 0 ? [day.previous, day] : [day, day.next]
    }

    /// The API days to fetch for `days` (in the order given), each once: a contiguous range of N UTC days needs
    /// N + 1 API days with an offset.
    func apiDays(for days: [Day]) -> [Day] {
        var seen = Set<Day>()
        var out: [Day] = []
        for day in days {
            for api in apiDays(for: day) where seen.insert(api).inserted { out.append(api) }
        }
        return out
    }

    /// The offsets, on the quarter hours time zones use, at which every instant from `first` to `last` (ms) lies
    /// within the local day `apiDay`: the day filters the answers for `occurred_date=apiDay` fit.
    static func fitting(first: Int64, last: Int64, apiDay: Day) -> [DayFilterOffset] {
        stride(from: range.lowerBound, through: range.upperBound, by: 15).compactMap { m in
            let offset = DayFilterOffset(minutes: m)!
            let window = offset.range(ofAPIDay: apiDay)
            return window.contains(first) && window.contains(last) ? offset : nil
        }
    }
}

/// How the day filter's offset is chosen: a fixed one, or `auto` (the lake's recorded one; on a new lake, the
/// first day with events decides).
package enum DayFilterSetting: Sendable, Equatable, CustomStringConvertible {
    case fixed(DayFilterOffset)
    case auto

    /// Parses `auto` or an offset such as `-05:00`.
    package init?(_ text: String) {
        if text == "auto" {
            self = .auto
        } else if let offset = DayFilterOffset(text) {
            self = .fixed(offset)
        } else {
            return nil
        }
    }

    package var description: String {
        switch self {
        case .fixed(let offset): return offset.description
        case .auto: return "auto"
        }
    }
}

extension String {
    fileprivate init(format2 n: Int) { self = n < 10 ? "0\(n)" : "\(n)" }
}
