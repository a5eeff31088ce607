package import KB4EventsCore

extension RunRequest {
    /// Whether complete days are exported again.
    package var force: Bool {
        switch self {
        case .sync(let force), .backfill(_, _, let force): return force
        }
    }

    /// The days this request touches on a lake whose manifest records `windows`: the one place that decides
    /// (the runner executes it, `plan` shows it). Every recorded day still in another format than the run's is
    /// fetched too, not only the ones in range: a format switch (`--force`) that stopped early (the quota) is
    /// finished by the next run, so the lake never stays in two formats.
    func selectDays(
        settings: ExportSettings, days recorded: [Day: Manifest.DayRecord], today: Day
    ) -> DayPlanner.Plan {
        let planner = DayPlanner(today: today)
        let complete = Set(recorded.filter { $0.value.status == "complete" }.keys)
        var plan: DayPlanner.Plan
        switch self {
        case .sync(let force):
            let start = settings.startDate ?? recorded.keys.min() ?? planner.yesterday
            plan = planner.sync(start: start, lookbackDays: settings.lookbackDays, complete: force ? [] : complete)
        case .backfill(let from, let to, let force):
            plan = planner.backfill(from: from, to: to, force: force, complete: complete)
        }
        if !recorded.isEmpty {
            let inPlan = Set(plan.fetch)
            let suffix = ".\(settings.format.fileSuffix)"
            let stale = recorded.filter { entry in
                !inPlan.contains(entry.key) && !entry.value.files.allSatisfy { $0.path.hasSuffix(suffix) }
            }
            plan.fetch.append(contentsOf: stale.keys.sorted())
            // Fetched once: a stale day inside the lookback is no re-check as well.
            plan.skip.removeAll { stale.keys.contains($0) }
            plan.recheck.removeAll { stale.keys.contains($0) }
        }
        return plan
    }
}
