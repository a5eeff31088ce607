/// The UTC instant formats the product writes, each written once: `YYYY-MM-DDTHH:MM:SSZ` (manifest, run records,
/// logs, run ids), `YYYY-MM-DDTHH:MM:SS.mmmZ` (the API's `occurred_date`, the simulator's answers) and
/// `YYYYMMDDTHHMMSSZ` (AWS SigV4's `X-Amz-Date`). Pure arithmetic on the `Day` calendar: no Foundation formatter,
/// no locale, so the text never varies.
package enum UTCTime {
    /// Milliseconds in a day.
    package static let millisPerDay: Int64 = 86_400_000

    /// `YYYY-MM-DDTHH:MM:SSZ` of epoch seconds (the fraction is dropped).
    package static func seconds(_ epoch: Double) -> String {
        let (day, rest) = split(Int64(epoch.rounded(.down)) * 1000)
        return "\(day)T" + clock(rest, separator: ":") + "Z"
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` of epoch milliseconds.
    package static func millis(_ millis: Int64) -> String {
        let (day, rest) = split(millis)
        return "\(day)T" + clock(rest, separator: ":") + "." + pad(Int(rest % 1000), 3) + "Z"
    }

    /// `YYYYMMDDTHHMMSSZ` of epoch seconds (SigV4's basic format).
    package static func compactSeconds(_ epoch: Double) -> String {
        let (day, rest) = split(Int64(epoch.rounded(.down)) * 1000)
        let (y, m, d) = day.civil
        return pad(y, 4) + pad(m, 2) + pad(d, 2) + "T" + clock(rest, separator: "") + "Z"
    }

    /// Parses exactly `YYYY-MM-DDTHH:MM:SS.mmmZ` (the API's own form) into epoch milliseconds; nil for any other
    /// text, even one `parseTimestampMillis` would take.
    package static func parseMillis(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count == 24, bytes[10] == UInt8(ascii: "T"), bytes[19] == UInt8(ascii: "."),
            bytes[23] == UInt8(ascii: "Z")
        else { return nil }
        return parseTimestampMillis(text)
    }

    /// The day and the milliseconds into it of an epoch-millisecond instant (floored, so instants before 1970 work).
    private static func split(_ millis: Int64) -> (Day, Int64) {
        let day = Day(millis: millis)
        return (day, millis - Int64(day.ordinal) * millisPerDay)
    }

    private static func clock(_ millisIntoDay: Int64, separator: String) -> String {
        let rest = Int(millisIntoDay / 1000)
        return pad(rest / 3600, 2) + separator + pad(rest / 60 % 60, 2) + separator + pad(rest % 60, 2)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for epoch seconds (UTC): `UTCTime.seconds`.
package func isoSeconds(_ epoch: Double) -> String { UTCTime.seconds(epoch) }

/// Parses an RFC 3339 instant as the API and AWS send them: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` to epoch milliseconds (UTC).
/// Returns nil for anything else. Fractions beyond milliseconds are truncated.
package func parseTimestampMillis(_ text: String) -> Int64? {
    var t = text
    return t.withUTF8 { b -> Int64? in
        let n = b.count
        guard n >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
            b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == UInt8(ascii: " "),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":")
        else { return nil }
        func num(_ from: Int, _ len: Int) -> Int? {
            var v = 0
            for i in from..<(from + len) {
                let c = b[i]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2),
            let s = num(17, 2), (1...12).contains(mo), d >= 1, d <= Day.daysIn(month: mo, year: y), h < 24, mi < 60,
            s < 60
        else { return nil }
        var i = 19
        var millis = 0
        if i < n && b[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < n, b[i] >= 48 && b[i] <= 57 {
                if digits < 3 { millis = millis * 10 + Int(b[i] - 48) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            if digits < 3 { for _ in digits..<3 { millis *= 10 } }
        }
        var offsetMinutes = 0
        guard i < n else { return nil }
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard i + 6 == n, b[i + 3] == UInt8(ascii: ":"), let oh = num(i + 1, 2), let om = num(i + 4, 2), oh < 24,
                om < 60
            else { return nil }
            offsetMinutes = (oh * 60 + om) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == n else { return nil }
        let days = Int64(Day.ordinal(year: y, month: mo, day: d))
        let seconds = days * 86_400 + Int64(h * 3600 + mi * 60 + s) - Int64(offsetMinutes * 60)
        return seconds * 1000 + Int64(millis)
    }
}
