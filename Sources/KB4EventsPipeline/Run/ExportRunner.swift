package import KB4EventsAPI
package import Logging
package import KB4EventsCore

/// Owns the order of a run, and only the order: plan the days → skip complete ones → extract (`DayExtractor`: pages,
/// the refetch rule; `DayFilterProbe` when the day filter's offset is to be found) → transform (`DayBuild`: a sorted,
/// de-duplicated stream written to a staged file) → load (`DayCommitter`: the day's objects, then the manifest by
/// compare-and-swap) → record. Each stage owns its rules; the runner holds the lake's lock around them.
package final class ExportRunner {
    /// The settings of the run: once it has started, with the format of the lake it found when none was asked for.
    package private(set) var settings: ExportSettings
    private let client: Client
    private let logger: Logger
    private let clock: RunClock
    /// Identifies this run in the manifest and in temporary file names.
    package let runID: String
    /// Called once the run holds the lake's lock, with the version of the lake's run record then: the run's own
    /// record replaces only that version.
    package var onLocked: (@Sendable (RunRecord.Version) -> Void)?
    /// Called at the end of a run that took the lake's lock, while it still holds it, with the summary or the
    /// failure, and whether the lock is still this run's (false: its lease was taken over by another run while it
    /// stalled). Where the run's record and call counts are written, so that only the lock's holder writes them.
    package var beforeRelease: (@Sendable (Result<RunSummary, any Error>, _ stillHeld: Bool) async -> Void)?
    /// Called after every page and every finished day (for a progress line); never from two threads at once.
    package var onProgress: (@Sendable (RunProgress) -> Void)?

    /// Creates a runner.
    package init(settings: ExportSettings, client: Client, logger: Logger, clock: RunClock, runID: String) {
        self.settings = settings
        self.client = client
        self.logger = logger
        self.clock = clock
        self.runID = runID
    }

    /// Seconds each part of a run's clean-up (its record, its lock's release) may take once the run stopped.
    package static let cleanupDeadline = 10.0

    /// Runs `request`; completed days stay recorded even when a later day fails.
    package func run(_ request: RunRequest) async throws -> RunSummary {
        let lock = try await RunLock.acquire(settings.lake, runID: runID, now: clock.now, logger: logger)
        onLocked?(await RunRecord.version(in: settings.lake))
        self.lock = lock
        defer { self.lock = nil }
        let result: Result<RunSummary, any Error>
        do { result = .success(try await runLocked(request)) } catch { result = .failure(error) }
        // The clean-up runs outside this task's cancellation (a SIGINT/SIGTERM cancels the run, and with it every
        // request in flight), each part with a deadline of its own: recording the run, then releasing the lock.
        if let beforeRelease {
            await withUncancelledCleanup(deadline: Self.cleanupDeadline) {
                await beforeRelease(result, await lock.isHeld())
            }
        }
        await withUncancelledCleanup(deadline: Self.cleanupDeadline) { await lock.release() }
        return try result.get()
    }

    /// `run` with the lake's lock held.
    private func runLocked(_ request: RunRequest) async throws -> RunSummary {
        let started = clock.now()
        let lake = settings.lake
        // Read the manifest before anything is changed: a lake from a newer kb4-events is refused untouched.
        let existing = try await Manifest.load(from: lake.store)
        lake.removeLeftovers(logger: logger)
        manifestETag = existing?.etag
        settings = settings.adopting(lakeFormat: existing?.manifest.format)
        var manifest = existing?.manifest ?? Manifest(format: settings.format, baseURL: settings.baseURL)
        let force = request.force
        if try settings.formatSwitch(for: manifest, force: force) { manifest.format = settings.format }
        try settings.checkSource(against: manifest)
        manifest.baseURL = settings.baseURL

        let planner = DayPlanner(today: clock.today)
        let plan = request.selectDays(settings: settings, days: manifest.days, today: clock.today)
        if let clamped = plan.clampedFrom {
            logger.warning(
                "--to \(clamped) is after yesterday (\(planner.yesterday)); clamped to \(planner.yesterday): the API's day filter can only give complete data for finished days"
            )
        }
        if plan.fetch.isEmpty && plan.recheck.isEmpty && plan.skip.isEmpty {
            logger.warning(
                "no day to export: the range starts after yesterday (\(planner.yesterday)); only finished UTC days can be exported")
        }
        var summary = RunSummary()
        summary.clampedTo = plan.clampedFrom.map { _ in planner.yesterday }
        summary.daysSkipped = plan.skip.count
        logger.info(
            "plan",
            metadata: [
                "fetch": "\(plan.fetch.count)", "recheck": "\(plan.recheck.count)", "skip": "\(plan.skip.count)",
                "yesterday": "\(planner.yesterday)",
            ])
        progress = RunProgress(daysTotal: plan.fetch.count + plan.recheck.count)
        defer {
            FileSystem.removeTree(lake.work(tag: runID))
            FileSystem.removeIfEmpty(lake.workRoot)
        }
        let days = plan.fetch + plan.recheck
        let extractor = DayExtractor(settings: settings, runID: runID, today: clock.today) { [unowned self] rows in
            report(pageRows: rows)
        }
        // API days fetched and staged, kept while a later UTC day still needs them (with a day-filter offset,
        // one API day holds the end of one UTC day and the start of the next).
        var staged: [Day: DayExtractor.FetchedDay] = [:]
        defer { for fetched in staged.values { fetched.raw.remove() } }
        var fetcher: PageFetcher?
        do {
            var offset = try DayFilterCheck.resolve(
                settings.dayFilter, recorded: manifest.dayFilterOffset, lakeHasDays: !manifest.days.isEmpty,
                force: force, lake: lake.root)
            if offset == nil {
                let probe = DayFilterProbe(client: client, settings: settings, today: clock.today, logger: logger)
                let decided = try await probe.decide(
                    days: days, extractor: extractor, staged: &staged, summary: &summary)
                offset = decided
                logger.notice(
                    "the API's day filter is at UTC\(decided) (day_filter_offset: auto decided from the first days with events; recorded in the manifest)")
            }
            let dayFilter = offset ?? .utc
            if dayFilter != .utc && settings.keepRaw {
                throw PipelineError(
                    stage: .config, category: .configuration, code: "keep_raw_offset",
                    message:
                        "keep_raw stores each UTC day's own API pages; with the day filter at UTC\(dayFilter) a day's events come from two API days, which rebuild cannot use yet: turn keep_raw off for this lake")
            }
            manifest.dayFilterOffset = dayFilter == .utc ? nil : dayFilter
            // In time order with an offset, so the API day shared by two UTC days is fetched once (a nightly sync
            // lists yesterday before the lookback days).
            let days = dayFilter == .utc ? days : days.sorted()
            let pager = PageFetcher(
                client: client, days: dayFilter.apiDays(for: days).filter { staged[$0] == nil },
                order: extractor.pageOrder, perPage: settings.perPage, maxInFlight: settings.maxInFlight)
            fetcher = pager
            for (index, day) in days.enumerated() {
                try Task.checkCancellation()  // SIGINT/SIGTERM: stop between days; nothing partial is recorded
                progress.currentDay = day
                try await export(
                    day: day, offset: dayFilter, extractor: extractor, fetcher: pager, staged: &staged,
                    manifest: &manifest, summary: &summary)
                let next = Set(index + 1 < days.count ? dayFilter.apiDays(for: days[index + 1]) : [])
                for (api, fetched) in staged where !next.contains(api) {
                    fetched.raw.remove()
                    staged[api] = nil
                }
                progress.daysDone += 1
                committedEvents = summary.events
                report(pageRows: 0)
            }
        } catch {
            await fill(&summary, started: started, fetcher: fetcher)
            throw RunFailure(error: error, summary: summary)
        }
        await fill(&summary, started: started, fetcher: fetcher)
        return summary
    }

    /// The lake's lock while the run holds it (every manifest swap checks it is still held).
    private var lock: RunLock?

    /// The version of the manifest this run read or last wrote (nil: none yet): the next save's compare-and-swap.
    private var manifestETag: String?
    private var progress = RunProgress(daysTotal: 0)
    /// Events of the days committed so far, and of the pages of the day being read.
    private var committedEvents = 0
    private var pageEvents = 0

    /// Reports progress after a page of `pageRows` rows (0: after a day, whose pages are then counted as committed).
    private func report(pageRows: Int) {
        guard let onProgress else { return }
        pageEvents = pageRows == 0 ? 0 : pageEvents + pageRows
        progress.events = committedEvents + pageEvents
        progress.calls = client.stats.calls
        onProgress(progress)
    }

    /// Ends the run's requests and fills in what it spent.
    private func fill(_ summary: inout RunSummary, started: Double, fetcher: PageFetcher?) async {
        if let fetcher { await summary.close(fetcher) }
        summary.apiCalls = client.stats.calls
        summary.retries = client.stats.retries
        summary.throttled = client.stats.throttled
        summary.durationSeconds = clock.now() - started
    }

    /// Builds the UTC day `day` from the API days that hold it (fetched now, or staged by an earlier day of the
    /// run) and commits it.
    private func export(
        day: Day, offset: DayFilterOffset, extractor: DayExtractor, fetcher: PageFetcher,
        staged: inout [Day: DayExtractor.FetchedDay], manifest: inout Manifest, summary: inout RunSummary
    ) async throws {
        var log = logger
        log[metadataKey: "day"] = "\(day)"
        let build = try DayBuild(
            day: day, settings: settings, tag: runID, inOrder: extractor.pageOrder == .occurredDate,
            skipsOtherDays: true, logger: log)
        // The day's cost: the pages it read (an API day shared with the day before was paid for there).
        var calls = 0
        var pages = 0
        let result: DayTransformer.Summary
        let file: StagedPartition
        do {
            for api in offset.apiDays(for: day) {
                if let fetched = staged[api] {
                    try DayFilterCheck.check(fetched.arrivals, apiDay: api, offset: offset, day: day)
                    try build.replay(fetched.raw)
                } else {
                    var apiLog = log
                    if api != day { apiLog[metadataKey: "api_day"] = "\(api)" }
                    let fetched = try await extractor.fetchComplete(
                        api, offset: offset, day: day, from: fetcher, into: build, logger: apiLog)
                    calls += fetched.pagesRead
                    staged[api] = fetched
                }
                pages += staged[api]?.pages ?? 0
            }
            (result, file) = try build.finish()
        } catch {
            build.abandon()
            throw error
        }
        log[metadataKey: "pages"] = "\(pages)"
        log[metadataKey: "calls"] = "\(calls)"
        let committer = DayCommitter(settings: settings, runID: runID, now: isoSeconds(clock.now()), lock: lock)
        // keep_raw only at +00:00 (checked at the start): the day's pages are its own.
        let keptRaw = settings.keepRaw ? staged[day]?.raw : nil
        let outcome = try await committer.commit(
            day: day, result: result, staged: file, apiCalls: calls, keptRaw: keptRaw, manifest: &manifest,
            etag: &manifestETag, logger: log)
        summary.add(outcome, day: day, result: result)
        if keptRaw != nil { staged[day] = nil }
    }
}

/// Where a run is, for a progress line.
package struct RunProgress: Sendable, Equatable {
    /// Days finished so far.
    package var daysDone = 0
    /// Days the run will fetch or re-check.
    var daysTotal: Int
    /// Events received so far (including the current day's pages).
    package var events = 0
    /// API calls spent so far.
    package var calls = 0
    /// The day being fetched.
    var currentDay: Day?
}

/// A run that stopped early: the error, and what was done before it (completed days are kept).
package struct RunFailure: Error, Sendable, CustomStringConvertible {
    /// Why it stopped.
    package let error: any Error
    /// What it did first.
    package let summary: RunSummary
    package var description: String { "\(error)" }

    /// A failure with what was done first.
    package init(error: any Error, summary: RunSummary) {
        self.error = error
        self.summary = summary
    }
}
