package import KB4EventsCore

/// Decides which days a run touches. Pure: "today" is given, never read from a clock.
struct DayPlanner: Sendable {
    /// Today in UTC (or the `--today` override). Nothing on or after it is ever exported.
    package let today: Day

    /// Creates a planner for `today`.
    package init(today: Day) { self.today = today }

    /// The last day that can be complete: today − 1.
    package var yesterday: Day { today.previous }

    /// What a run will do with each day, in order.
    package struct Plan: Sendable, Equatable {
        /// Days never completed (or forced): fetch and write.
        package var fetch: [Day]
        /// Complete days inside the lookback: fetch again and compare.
        var recheck: [Day]
        /// Complete days left alone.
        var skip: [Day]
        /// Set when an asked-for end was after yesterday and was pulled back.
        var clampedFrom: Day?
    }

    /// `sync`: every incomplete day from `start` to yesterday, then the last `lookbackDays` complete days.
    package func sync(start: Day, lookbackDays: Int, complete: Set<Day>) -> Plan {
        let days = Day.range(start, through: yesterday)
        let lookbackStart = yesterday.adding(days: -(max(0, lookbackDays) - 1))
        var plan = Plan(fetch: [], recheck: [], skip: [], clampedFrom: nil)
        for day in days {
            if !complete.contains(day) {
                plan.fetch.append(day)
            } else if lookbackDays > 0 && day >= lookbackStart {
                plan.recheck.append(day)
            } else {
                plan.skip.append(day)
            }
        }
        return plan
    }

    /// `backfill`: every day in `from…to` (clamped to yesterday) that is not complete, or all of them with `force`.
    package func backfill(from: Day, to: Day, force: Bool, complete: Set<Day>) -> Plan {
        let end = min(to, yesterday)
        var plan = Plan(fetch: [], recheck: [], skip: [], clampedFrom: to > yesterday ? to : nil)
        for day in Day.range(from, through: end) {
            if force || !complete.contains(day) { plan.fetch.append(day) } else { plan.skip.append(day) }
        }
        return plan
    }
}
