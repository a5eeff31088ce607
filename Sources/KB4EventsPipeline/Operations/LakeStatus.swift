import KB4EventsAPI
package import KB4EventsCore

/// A view of a lake for operators: the state of every day from the first one to yesterday, gaps as ranges,
/// revisions, the last run and the calls used today. Built from the manifest and `_state/`; reads nothing else.
package struct LakeStatus: Sendable, Equatable {
    /// The state of one day.
    package enum State: String, Sendable {
        /// Recorded complete and outside the lookback.
        case complete
        /// Recorded complete; the next `sync` re-checks it for backdated events.
        case lookback
        /// Not recorded: the next `sync` fetches it.
        case missing
    }

    /// One day between the first day and yesterday.
    package struct DayState: Sendable, Equatable {
        package var day: Day
        package var state: State
        /// Events recorded (nil when missing).
        package var events: Int?
        /// Revision recorded (nil when missing); above 1 when the day was rewritten after a change.
        var revision: Int?
    }

    /// A run of consecutive missing days.
    package struct Gap: Sendable, Equatable {
        package var from: Day
        package var to: Day
        /// Days in the gap.
        package var days: Int { to.ordinal - from.ordinal + 1 }
    }

    package var root: String
    /// The lake's format (nil when no manifest yet).
    package var format: OutputFormat?
    package var today: Day
    /// Every day from the first day through yesterday.
    package var days: [DayState]
    /// Recorded days after yesterday (only after a clock or `--today` change), listed apart.
    var recordedLater: [Day]
    /// The last run, when one was recorded.
    package var lastRun: RunRecord?
    /// The call budget now.
    package var budget: ExportPlan.Budget

    /// Builds the status. `start` is the configured first day (nil: the lake's earliest day, or nothing when empty).
    package static func make(
        root: String, manifest: Manifest?, start: Day?, lookbackDays: Int, today: Day, lastRun: RunRecord?,
        budget: ExportPlan.Budget
    ) -> LakeStatus {
        let yesterday = today.previous
        let windows = manifest?.days ?? [:]
        let complete = manifest?.completeDays ?? []
        var days: [DayState] = []
        if let first = start ?? windows.keys.min() {
            let plan = DayPlanner(today: today).sync(start: first, lookbackDays: lookbackDays, complete: complete)
            let recheck = Set(plan.recheck)
            for day in Day.range(first, through: yesterday) {
                let w = windows[day]
                let state: State = !complete.contains(day) ? .missing : recheck.contains(day) ? .lookback : .complete
                days.append(
                    DayState(
                        day: day, state: state, events: state == .missing ? nil : w?.events,
                        revision: state == .missing ? nil : w?.revision))
            }
        }
        return LakeStatus(
            root: root, format: manifest?.format, today: today, days: days,
            recordedLater: windows.keys.filter { $0 > yesterday }.sorted(), lastRun: lastRun, budget: budget)
    }

    /// Missing days as ranges, in order.
    package var gaps: [Gap] {
        var gaps: [Gap] = []
        for d in days where d.state == .missing {
            if let last = gaps.last, last.to.next == d.day {
                gaps[gaps.count - 1].to = d.day
            } else {
                gaps.append(Gap(from: d.day, to: d.day))
            }
        }
        return gaps
    }

    /// The last day recorded complete, nil when none is.
    package var lastComplete: Day? { days.last { $0.state != .missing }?.day }

    /// Days between the last complete day and yesterday: 0 when yesterday is complete; nil when no day is (nothing
    /// exported yet). The missing days after the last complete one are these, not gaps.
    package var daysBehind: Int? { lastComplete.map { today.previous.ordinal - $0.ordinal } }

    /// The gaps before the last complete day: holes in what was exported (the days after it are `daysBehind`).
    package var holes: [Gap] {
        guard let last = lastComplete else { return [] }
        return gaps.filter { $0.to < last }
    }

    /// Days rewritten at least once (revision above 1).
    var revised: [DayState] { days.filter { ($0.revision ?? 1) > 1 } }

    /// Days in `state`.
    package func count(_ state: State) -> Int { days.filter { $0.state == state }.count }

    /// The status as one JSON object.
    package var json: JSONValue {
        func int(_ v: Int?) -> JSONValue { v.map { .number(String($0)) } ?? .null }
        func day(_ d: Day?) -> JSONValue { d.map { .string($0.description) } ?? .null }
        var root = JSONObject()
        root.append("lake", .string(self.root))
        root.append("format", format.map { .string($0.rawValue) } ?? .null)
        root.append("today", day(today))
        root.append("first_day", day(days.first?.day))
        root.append("last_day", day(days.last?.day))
        root.append("complete", int(count(.complete) + count(.lookback)))
        root.append("lookback", int(count(.lookback)))
        root.append("missing", int(count(.missing)))
        root.append(
            "gaps",
            .array(
                gaps.map { g in
                    .object(JSONObject([("from", day(g.from)), ("to", day(g.to)), ("days", int(g.days))]))
                }))
        root.append(
            "revised",
            .array(
                revised.map { d in .object(JSONObject([("day", day(d.day)), ("revision", int(d.revision))])) }))
        root.append(
            "days",
            .array(
                days.map { d in
                    .object(
                        JSONObject([
                            ("day", day(d.day)), ("state", .string(d.state.rawValue)), ("events", int(d.events)),
                            ("revision", int(d.revision)),
                        ]))
                }))
        if !recordedLater.isEmpty { root.append("recorded_after_yesterday", .array(recordedLater.map(day))) }
        root.append("last_run", lastRun?.json ?? .null)
        root.append("calls", budget.json)
        return .object(root)
    }

    /// The status as a few lines for people.
    package var text: String {
        var lines = ["lake: \(root)" + (format.map { " (\($0.rawValue))" } ?? " (no manifest yet)")]
        if let first = days.first?.day, let last = days.last?.day {
            let events = days.reduce(0) { $0 + ($1.events ?? 0) }
            lines.append(
                "days \(first) … \(last): \(count(.complete) + count(.lookback)) complete (\(count(.lookback)) in lookback), \(count(.missing)) missing; \(events) events"
            )
        } else {
            lines.append("days: none recorded yet (yesterday is \(today.previous))")
        }
        let gaps = gaps
        if !gaps.isEmpty {
            let shown = gaps.prefix(20).map {
                $0.from == $0.to ? "\($0.from)" : "\($0.from) … \($0.to) (\($0.days) days)"
            }
            lines.append(
                "gaps: " + shown.joined(separator: ", ") + (gaps.count > 20 ? ", and \(gaps.count - 20) more" : ""))
        }
        let lookback = days.filter { $0.state == .lookback }
        if let a = lookback.first?.day, let b = lookback.last?.day {
            lines.append("lookback (re-checked by the next sync): \(a == b ? "\(a)" : "\(a) … \(b)")")
        }
        let revised = revised
        if !revised.isEmpty {
            lines.append(
                "revised: " + revised.map { "\($0.day) (revision \($0.revision ?? 1))" }.joined(separator: ", "))
        }
        if !recordedLater.isEmpty {
            lines.append("recorded after yesterday: " + recordedLater.map(\.description).joined(separator: ", "))
        }
        if let run = lastRun {
            let account = run.account.map { " of account \($0)" } ?? ""
            var line =
                "last run: \(run.command)\(account) finished \(run.finishedAt), \(run.outcome) (exit \(run.exitCode)); events \(run.summary.events), API calls \(run.summary.apiCalls)"
            if let error = run.error { line += "; error: \(error)" }
            lines.append(line)
        } else {
            lines.append("last run: none recorded")
        }
        lines.append(budget.line(today: today))
        return lines.joined(separator: "\n") + "\n"
    }
}
