extension RunProgress {
    /// One progress line: days done/total, events, calls, event rate and an ETA from the pace of finished days,
    /// e.g. `day 2026-11-20 · 3/13 days · 412 events · 9 calls · 140 events/s · ETA 0:12`.
    package func line(elapsedSeconds: Double) -> String {
        var parts: [String] = []
        if let currentDay, daysDone < daysTotal { parts.append("day \(currentDay)") }
        parts.append("\(daysDone)/\(daysTotal) days")
        parts.append("\(events) events")
        parts.append("\(calls) calls")
        if elapsedSeconds > 0 { parts.append("\(Int((Double(events) / elapsedSeconds).rounded())) events/s") }
        if daysDone > 0 && daysDone < daysTotal && elapsedSeconds > 0 {
            let eta = elapsedSeconds / Double(daysDone) * Double(daysTotal - daysDone)
            parts.append("ETA " + Self.clock(eta))
        }
        return parts.joined(separator: " · ")
    }

    /// `m:ss` or `h:mm:ss`.
    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return s >= 3600 ? "\(s / 3600):\(two(s / 60 % 60)):\(two(s % 60))" : "\(s / 60):\(two(s % 60))"
    }
}
