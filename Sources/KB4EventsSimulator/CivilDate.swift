/// UTC calendar arithmetic on day numbers (days since 1970-01-01) and millisecond timestamps,
/// with the exact text forms the API uses. No Foundation formatter, so the output never varies.
enum CivilDate {
    static let millisPerDay: Int64 = 86_400_000

    /// The day number of a proleptic Gregorian date.
    static func dayNumber(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The (year, month, day) of a day number.
    static func components(ofDay dayNumber: Int) -> (year: Int, month: Int, day: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    /// Parses a strict `YYYY-MM-DD` into a day number; nil for any other text or an impossible date.
    static func parseDay(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        guard let year = digits(bytes[0..<4]), let month = digits(bytes[5..<7]), let day = digits(bytes[8..<10]),
            (1...12).contains(month), day >= 1
        else { return nil }
        let number = dayNumber(year: year, month: month, day: day)
        let back = components(ofDay: number)
        guard back.year == year, back.month == month, back.day == day else { return nil }
        return number
    }

    /// `YYYY-MM-DD` of a day number.
    static func formatDay(_ dayNumber: Int) -> String {
        let c = components(ofDay: dayNumber)
        return pad(c.year, 4) + "-" + pad(c.month, 2) + "-" + pad(c.day, 2)
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` of milliseconds since the epoch.
    static func formatTimestamp(_ millis: Int64) -> String {
        let day = Int(floorDiv(millis, millisPerDay))
        let rest = Int(millis - Int64(day) * millisPerDay)
        let hours = rest / 3_600_000
        let minutes = rest / 60_000 % 60
        let seconds = rest / 1000 % 60
        let ms = rest % 1000
        return formatDay(day) + "T" + pad(hours, 2) + ":" + pad(minutes, 2) + ":" + pad(seconds, 2) + "."
            + pad(ms, 3) + "Z"
    }

    /// Parses exactly `YYYY-MM-DDTHH:MM:SS.mmmZ` into milliseconds since the epoch.
    static func parseTimestamp(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count == 24, bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"),
            bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "."), bytes[23] == UInt8(ascii: "Z"),
            let day = parseDay(String(decoding: bytes[0..<10], as: UTF8.self)),
            let h = digits(bytes[11..<13]), let m = digits(bytes[14..<16]), let s = digits(bytes[17..<19]),
            let ms = digits(bytes[20..<23]), h < 24, m < 60, s < 60
        else { return nil }
        return Int64(day) * millisPerDay + Int64(((h * 60 + m) * 60 + s) * 1000 + ms)
    }

    /// The same day of the month `months` later, clamped to the last day of a shorter month.
    static func addingMonths(_ months: Int, toDay dayNumber: Int) -> Int {
        let c = components(ofDay: dayNumber)
        let total = c.year * 12 + (c.month - 1) + months
        let year = total / 12
        let month = total % 12 + 1
        var day = c.day
        while day > 28, components(ofDay: self.dayNumber(year: year, month: month, day: day)).month != month {
            day -= 1
        }
        return self.dayNumber(year: year, month: month, day: day)
    }

    /// The day number of an epoch-millisecond instant.
    static func day(ofMillis millis: Int64) -> Int {
        Int(floorDiv(millis, millisPerDay))
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    private static func digits(_ bytes: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
