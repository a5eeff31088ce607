import KB4EventsAPI

/// The sort key of an event inside a day file: (`occurred_date` as epoch milliseconds, `id`).
public struct EventKey: Sendable, Hashable, Comparable {
    /// Milliseconds since the Unix epoch.
    public let millis: Int64
    /// The event id as sent.
    public let id: String

    public static func < (a: EventKey, b: EventKey) -> Bool {
        if a.millis != b.millis { return a.millis < b.millis }
        return a.id.utf8.lexicographicallyPrecedes(b.id.utf8)
    }
}

/// Parses the API's timestamps: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` to epoch milliseconds (UTC).
/// Returns nil for anything else. Fractions beyond milliseconds are truncated.
public func parseTimestampMillis(_ text: String) -> Int64? {
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
