import KB4EventsAPI
package import KB4EventsCore

/// What a `sync` or `backfill` with the same options would do, and what it would cost, worked out without a
/// single API call or write: the windows to fetch or re-check, estimated calls per window and the daily budget.
package struct ExportPlan: Sendable, Equatable {
    /// What the run would do with a window.
    package enum Action: String, Sendable {
        /// Never completed (or forced): fetch and write.
        case fetch
        /// Complete, inside the lookback: fetch again and compare.
        case recheck
    }

    /// Where a window's call estimate comes from.
    enum Basis: String, Sendable {
        /// The calls the manifest recorded for that day last time.
        case history
        /// One call plus one per `per_page` events of the events-per-day guess.
        case guess
    }

    /// One window the run would touch.
    package struct PlannedDay: Sendable, Equatable {
        package var day: Day
        var action: Action
        var estimatedCalls: Int
        var basis: Basis
    }

    /// The daily call budget as it stands now.
    package struct Budget: Sendable, Equatable {
        /// Calls per UTC day (10 × seats or `daily_call_budget`); nil when unknown.
        package var limit: Int?
        /// Calls of the limit kept for the `api` commands.
        package var reserve: Int
        /// Calls already used today on this lake.
        package var usedToday: Int

        /// Creates a budget snapshot.
        package init(limit: Int?, reserve: Int, usedToday: Int) {
            self.limit = limit
            self.reserve = reserve
            self.usedToday = usedToday
        }

        /// Calls exports may still spend today; nil when the limit is unknown.
        package var remaining: Int? { limit.map { max(0, $0 - reserve - usedToday) } }
        /// Calls exports may spend on a fresh day; nil when the limit is unknown.
        var perDay: Int? { limit.map { max(0, $0 - reserve) } }

        /// The budget as `plan` and `status` show it, in one line.
        func line(today: Day) -> String {
            if let limit, let remaining {
                return
                    "calls today (\(today)): \(usedToday) of \(limit) used, \(remaining) left for exports (\(reserve) kept for api commands)"
            }
            return "calls today (\(today)): \(usedToday) used; budget unknown (set source.seats or --seats)"
        }

        /// The budget as JSON fields; unknown values are null.
        var json: JSONValue {
            func int(_ v: Int?) -> JSONValue { v.map { .number(String($0)) } ?? .null }
            return .object(
                JSONObject([
                    ("daily_limit", int(limit)), ("reserve", int(reserve)), ("used_today", int(usedToday)),
                    ("remaining_today", int(remaining)),
                ]))
        }
    }

    /// The windows in the order the run would take them (fetches first, then re-checks).
    package var days: [PlannedDay]
    /// Complete days in the selection that would be left alone.
    var skipped: Int
    /// Today (UTC or the override) and the last day that can be exported.
    package var today: Day
    /// Set when the asked-for end was after yesterday and is pulled back to yesterday.
    var clampedFrom: Day?
    /// The budget now.
    package var budget: Budget
    /// The events-per-day guess used for days without history.
    package var eventsPerDay: Int

    /// Estimated calls of the whole run.
    var totalCalls: Int { days.reduce(0) { $0 + $1.estimatedCalls } }

    /// UTC days (today included) the work needs at the daily budget: 0 for no work, 1 when today's remaining
    /// budget covers it; nil when the budget is unknown or nothing is left for exports on any day.
    var daysOfBudget: Int? {
        let total = totalCalls
        if total == 0 { return 0 }
        guard let remaining = budget.remaining, let perDay = budget.perDay else { return nil }
        if total <= remaining { return 1 }
        guard perDay > 0 else { return nil }
        return 1 + (total - remaining + perDay - 1) / perDay
    }

    /// Works out the plan of `request` against `manifest` (nil: a lake with no manifest yet), mirroring
    /// the runner's selection: start date, lookback, `--force` and a forced format switch.
    package static func make(
        request: RunRequest, settings: ExportSettings, manifest: Manifest?, today: Day, budget: Budget,
        eventsPerDay: Int
    ) -> ExportPlan {
        let days = manifest?.days ?? [:]
        let plan = request.selectDays(settings: settings, days: days, today: today)
        let perPage = max(1, settings.perPage)
        let guess = 1 + (max(0, eventsPerDay) + perPage - 1) / perPage
        func window(_ day: Day, _ action: Action) -> PlannedDay {
            if let known = days[day], known.apiCalls > 0 {
                return PlannedDay(day: day, action: action, estimatedCalls: known.apiCalls, basis: .history)
            }
            return PlannedDay(day: day, action: action, estimatedCalls: guess, basis: .guess)
        }
        // With the API's day filter at an offset, a UTC day needs two API days, and a run of consecutive days
        // one more API day than days: counted on the first day of each run (auto on a new lake may decide one).
        let offsetNeedsExtraDay: Bool
        switch settings.dayFilter {
        case .fixed(let offset)?: offsetNeedsExtraDay = offset != .utc
        case .auto?: offsetNeedsExtraDay = (manifest?.dayFilterOffset ?? (days.isEmpty ? nil : .utc)) != .utc
        case nil: offsetNeedsExtraDay = (manifest?.dayFilterOffset ?? .utc) != .utc
        }
        let planned = Set(plan.fetch + plan.recheck)
        func extra(_ w: PlannedDay) -> PlannedDay {
            guard offsetNeedsExtraDay, !planned.contains(w.day.previous) else { return w }
            var w = w
            w.estimatedCalls += guess
            return w
        }
        return ExportPlan(
            days: (plan.fetch.map { window($0, .fetch) } + plan.recheck.map { window($0, .recheck) }).map(extra),
            skipped: plan.skip.count, today: today, clampedFrom: plan.clampedFrom, budget: budget,
            eventsPerDay: eventsPerDay)
    }
}

extension ExportPlan {
    /// The plan as one JSON object (for scripts): windows, totals and budget; unknown values are null.
    package var json: JSONValue {
        func int(_ v: Int?) -> JSONValue { v.map { .number(String($0)) } ?? .null }
        var root = JSONObject()
        root.append("today", .string(today.description))
        root.append("yesterday", .string(today.previous.description))
        root.append("clamped_from", clampedFrom.map { .string($0.description) } ?? .null)
        root.append(
            "windows",
            .array(
                days.map { w in
                    .object(
                        JSONObject([
                            ("day", .string(w.day.description)), ("action", .string(w.action.rawValue)),
                            ("estimated_calls", int(w.estimatedCalls)), ("basis", .string(w.basis.rawValue)),
                        ]))
                }))
        root.append("fetch", int(days.filter { $0.action == .fetch }.count))
        root.append("recheck", int(days.filter { $0.action == .recheck }.count))
        root.append("skip", int(skipped))
        root.append("estimated_calls", int(totalCalls))
        root.append("events_per_day_guess", int(eventsPerDay))
        root.append("budget", budget.json)
        root.append("days_of_budget", int(daysOfBudget))
        return .object(root)
    }

    /// The plan as a table and a few summary lines (for people at a terminal).
    package var table: String {
        var lines: [String] = []
        if days.isEmpty {
            lines.append("nothing to do: no window to fetch or re-check (yesterday is \(today.previous))")
        } else {
            lines.append(pad("DAY", 12) + pad("ACTION", 9) + pad("CALLS", 7) + "BASIS")
            for w in days {
                lines.append(
                    pad(w.day.description, 12) + pad(w.action.rawValue, 9) + pad(String(w.estimatedCalls), 7)
                        + (w.basis == .history ? "last run" : "guess (\(eventsPerDay) events/day)"))
            }
        }
        let fetch = days.filter { $0.action == .fetch }.count
        lines.append("")
        lines.append(
            "windows: \(fetch) to fetch, \(days.count - fetch) to re-check, \(skipped) complete and skipped")
        if let clampedFrom { lines.append("--to \(clampedFrom) is after yesterday; clamped to \(today.previous)") }
        lines.append("estimated API calls: \(totalCalls)")
        lines.append(budget.line(today: today))
        if let days = daysOfBudget {
            lines.append("days of budget needed: \(days)")
        } else if totalCalls > 0 {
            lines.append("days of budget needed: unknown")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// `text` left-aligned in a column of `width` (at least one space after it).
func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}
