/// `YYYY-MM-DDTHH:MM:SSZ` for epoch seconds (UTC): the one timestamp format of the manifest, run records, logs
/// and run ids.
public func isoSeconds(_ epoch: Double) -> String {
    let secs = Int(epoch.rounded(.down))
    let day = Day(ordinal: secs >= 0 ? secs / 86_400 : (secs - 86_399) / 86_400)
    let rem = secs - day.ordinal * 86_400
    func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
    return "\(day)T\(two(rem / 3600)):\(two(rem / 60 % 60)):\(two(rem % 60))Z"
}
