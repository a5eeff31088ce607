/// A UTC calendar day, the unit of export: `[D 00:00:00.000Z, D+1 00:00:00.000Z)`. Its proleptic Gregorian calendar
/// (Howard Hinnant's day arithmetic) is the one every module uses: the pipeline, the S3 signer and the simulator.
package struct Day: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Days since 1970-01-01.
    package let ordinal: Int

    /// The day `ordinal` days after 1970-01-01.
    package init(ordinal: Int) { self.ordinal = ordinal }

    /// Parses exactly `YYYY-MM-DD` with a real calendar date; nil otherwise.
    package init?(_ text: String) {
        let b = Array(text.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard let y = num(0..<4), let m = num(5..<7), let d = num(8..<10), y >= 1970, (1...12).contains(m),
            d >= 1, d <= Day.daysIn(month: m, year: y)
        else { return nil }
        ordinal = Day.ordinal(year: y, month: m, day: d)
    }

    /// The day of a proleptic Gregorian date (no check that the date exists).
    package init(year: Int, month: Int, day: Int) { ordinal = Day.ordinal(year: year, month: month, day: day) }

    /// The UTC day containing the instant `millis` milliseconds after the epoch (floored: instants before 1970 too).
    package init(millis: Int64) {
        let q = millis / UTCTime.millisPerDay
        ordinal = Int(millis % UTCTime.millisPerDay != 0 && millis < 0 ? q - 1 : q)
    }

    /// The UTC day containing `secondsSinceEpoch`.
    package init(secondsSinceEpoch: Double) {
        ordinal = Int((secondsSinceEpoch / 86_400).rounded(.down))
    }

    /// `YYYY-MM-DD`.
    package var description: String {
        let (y, m, d) = civil
        return UTCTime.pad(y, 4) + "-" + UTCTime.pad(m, 2) + "-" + UTCTime.pad(d, 2)
    }

    /// The day `n` days later (earlier when negative).
    package func adding(days n: Int) -> Day { Day(ordinal: ordinal + n) }

    /// The previous day.
    package var previous: Day { adding(days: -1) }
    /// The next day.
    package var next: Day { adding(days: 1) }

    package static func < (a: Day, b: Day) -> Bool { a.ordinal < b.ordinal }

    /// Every day from `a` through `b` inclusive (empty when `b < a`).
    package static func range(_ a: Day, through b: Day) -> [Day] {
        guard a <= b else { return [] }
        return (a.ordinal...b.ordinal).map(Day.init(ordinal:))
    }

    /// The same day of the month `months` later, clamped to the last day of a shorter month.
    package func adding(months: Int) -> Day {
        let (y, m, d) = civil
        let total = y * 12 + (m - 1) + months
        let year = total / 12
        let month = total % 12 + 1
        return Day(year: year, month: month, day: min(d, Day.daysIn(month: month, year: year)))
    }

    /// (year, month, day of the month).
    var civil: (year: Int, month: Int, day: Int) {
        // Howard Hinnant's civil_from_days.
        let z = ordinal + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    package static func ordinal(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// The decimal value of ASCII digits; nil when any byte is not a digit.
    package static func digits(_ bytes: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
