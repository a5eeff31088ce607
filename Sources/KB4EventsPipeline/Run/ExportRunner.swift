public import KB4EventsAPI
public import Logging

/// Owns the order of a run: plan windows → skip complete ones → extract → transform → load → record.
///
/// Each day is fetched page by page (pages are staged raw in the run's local work directory), transformed into a
/// sorted, de-duplicated stream, written through gzip to a file in the work directory, compared with what the
/// manifest holds, committed through the lake's store (`DayCommitter`: data object, `_SUCCESS`) and only then
/// recorded in the manifest (compare-and-swap).
public final class ExportRunner {
    /// The settings of the run: once it has started, with the format of the lake it found when none was asked for,
    /// and `pageOrder` switched to `.id` for the rest of the run once a day's time-ordered pages did not add up.
    public private(set) var settings: ExportSettings
    private let client: Client
    private let logger: Logger
    private let clock: RunClock
    /// Identifies this run in the manifest and in temporary file names.
    public let runID: String
    /// Called once the run holds the lake's lock, with the version of the lake's run record then: the run's own
    /// record replaces only that version.
    public var onLocked: (@Sendable (RunRecord.Version) -> Void)?
    /// Called at the end of a run that took the lake's lock, while it still holds it, with the summary or the
    /// failure, and whether the lock is still this run's (false: its lease was taken over by another run while it
    /// stalled). Where the run's record and call counts are written, so that only the lock's holder writes them.
    public var beforeRelease: (@Sendable (Result<RunSummary, any Error>, _ stillHeld: Bool) async -> Void)?
    /// Called after every page and every finished day (for a progress line); never from two threads at once.
    public var onProgress: (@Sendable (RunProgress) -> Void)?

    /// Creates a runner.
    public init(settings: ExportSettings, client: Client, logger: Logger, clock: RunClock, runID: String) {
        self.settings = settings
        self.client = client
        self.logger = logger
        self.clock = clock
        self.runID = runID
    }

    /// Fetches of one day when its pages do not add up (the first included) before the last copy is kept.
    static let fetchesPerDay = 3

    /// Runs `request`; completed days stay recorded even when a later day fails.
    public func run(_ request: RunRequest) async throws -> RunSummary {
        let lock = try await RunLock.acquire(settings.lake, runID: runID, now: clock.now, logger: logger)
        onLocked?(await RunRecord.version(in: settings.lake))
        self.lock = lock
        defer { self.lock = nil }
        let result: Result<RunSummary, any Error>
        do { result = .success(try await runLocked(request)) } catch { result = .failure(error) }
        if let beforeRelease { await beforeRelease(result, await lock.isHeld()) }
        await lock.release()
        return try result.get()
    }

    /// `run` with the lake's lock held.
    private func runLocked(_ request: RunRequest) async throws -> RunSummary {
        let started = clock.now()
        let lake = settings.lake
        // Read the manifest before anything is changed: a lake from a newer kb4-events is refused untouched.
        let existing = try await Manifest.load(from: lake.store)
        cleanLeftovers()
        manifestETag = existing?.etag
        settings = settings.adopting(lakeFormat: existing?.manifest.format)
        var manifest = existing?.manifest ?? Manifest(format: settings.format, baseURL: settings.baseURL)
        let force = request.force
        if try settings.formatSwitch(for: manifest, force: force) { manifest.format = settings.format }
        try settings.checkSource(against: manifest)
        manifest.baseURL = settings.baseURL

        let planner = WindowPlanner(today: clock.today)
        let plan = request.selectDays(settings: settings, windows: manifest.windows, today: clock.today)
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
        // API days fetched and staged, kept while a later UTC day still needs them (with a day-filter offset,
        // one API day holds the end of one UTC day and the start of the next).
        var staged: [Day: FetchedDay] = [:]
        defer { for fetched in staged.values { fetched.raw.remove() } }
        var fetcher: PageFetcher?
        do {
            var offset = try DayFilterCheck.resolve(
                settings.dayFilter, recorded: manifest.dayFilterOffset, lakeHasDays: !manifest.windows.isEmpty,
                force: force, lake: lake.root)
            if offset == nil {
                let probe = try await probeOffset(days: days, staged: &staged, summary: &summary)
                offset = probe
                logger.notice(
                    "the API's day filter is at UTC\(probe) (day_filter_offset: auto decided from the first days with events; recorded in the manifest)")
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
                order: settings.pageOrder, perPage: settings.perPage, maxInFlight: settings.maxInFlight)
            fetcher = pager
            for (index, day) in days.enumerated() {
                try Task.checkCancellation()  // SIGINT/SIGTERM: stop between days; nothing partial is recorded
                progress.currentDay = day
                try await export(
                    day: day, offset: dayFilter, fetcher: pager, staged: &staged, manifest: &manifest, summary: &summary)
                let next = Set(index + 1 < days.count ? dayFilter.apiDays(for: days[index + 1]) : [])
                for (api, fetched) in staged where !next.contains(api) {
                    fetched.raw.remove()
                    staged[api] = nil
                }
                progress.daysDone += 1
                report(events: summary.events)
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
    private var pageEvents = 0

    private func report(events: Int, extra: Int = 0) {
        guard let onProgress else { return }
        pageEvents = extra == 0 ? 0 : pageEvents + extra
        progress.events = events + pageEvents
        progress.calls = client.stats.calls
        onProgress(progress)
    }

    /// Ends the run's requests and fills in what it spent.
    private func fill(_ summary: inout RunSummary, started: Double, fetcher: PageFetcher?) async {
        if let fetcher { await close(fetcher, into: &summary) }
        summary.apiCalls = client.stats.calls
        summary.retries = client.stats.retries
        summary.throttled = client.stats.throttled
        summary.durationSeconds = clock.now() - started
    }

    /// Builds the UTC day `day` from the API days that hold it (fetched now, or staged by an earlier day of the
    /// run) and commits it.
    private func export(
        day: Day, offset: DayFilterOffset, fetcher: PageFetcher, staged: inout [Day: FetchedDay],
        manifest: inout Manifest, summary: inout RunSummary
    ) async throws {
        let lake = settings.lake
        var log = logger
        log[metadataKey: "day"] = "\(day)"
        let build = try DayBuild(
            day: day, settings: settings, tag: runID, inOrder: settings.pageOrder == .occurredDate,
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
                    let fetched = try await fetchComplete(
                        api, offset: offset, day: day, from: fetcher, into: build, summary: summary, logger: apiLog)
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
        // keep_raw (only at +00:00, checked at the start: the day's pages are its own): the pages go into the lake
        // before the manifest records the day. An unchanged day keeps the pages it has when they are these pages
        // (same names and sizes: gzip of the same answers); else (missing, or left by an older version) they are
        // replaced.
        let keptRaw = settings.keepRaw ? staged[day]?.raw : nil
        let runID = runID
        let outcome = try await committer.commit(
            day: day, result: result, staged: file, apiCalls: calls, manifest: &manifest, etag: &manifestETag,
            logger: log
        ) { outcome in
            guard let raw = keptRaw else { return }
            try await withStoreErrors(day) {
                if outcome == .unchanged, try await raw.matches(lake.store.list(prefix: lake.rawPartitionKey(day))) {
                    raw.remove()
                } else {
                    try await raw.promote(to: lake, day: day, tempTag: runID)
                }
            }
        }
        summary.add(outcome, day: day, result: result)
        if keptRaw != nil { staged[day] = nil }
    }

    /// One API day fetched page by page: its pages staged raw on disk, what arrived, and the total the last page
    /// implies (nil when it cannot tell).
    struct FetchedDay {
        var raw: RawPages
        var pages: Int
        var arrivals: ArrivalCount
        var impliedTotal: Int?
        /// Pages read for it in this run, every fetch of it included.
        var pagesRead = 0
    }

    /// Fetches the API day `api` until its pages add up (at most `fetchesPerDay` times), feeding `build` as pages
    /// arrive, and checks that its answers lie within the day `offset` says (no check while `offset` is unknown).
    private func fetchComplete(
        _ api: Day, offset: DayFilterOffset?, day: Day, from fetcher: PageFetcher, into build: DayBuild?,
        summary: RunSummary, logger log: Logger
    ) async throws -> FetchedDay {
        var fetches = 1
        var fetched = try await fetch(
            DayFetch(day: api, order: settings.pageOrder, attempt: fetches), day: day, from: fetcher, into: build,
            summary: summary, logger: log)
        var pagesRead = fetched.pages
        // Offset paging can miss a row: one inserted before the cursor while paging, or, when the API orders
        // equal timestamps differently from one request to the next, a tie at a page boundary (one row seen
        // twice, another never). The last page tells how many rows the day has; when fewer distinct ones
        // arrived, the day is fetched again ordered by its unique id (stable pages; sorted locally).
        while let total = fetched.impliedTotal, fetched.arrivals.distinct < total {
            let arrived = fetched.arrivals.distinct
            guard fetches < Self.fetchesPerDay else {
                log.warning(
                    "the pages still do not add up after \(fetches) fetches (\(total) implied, \(arrived) arrived); keeping this copy: the lookback re-check (or backfill --force) fetches the day later",
                    metadata: ["implied_total": "\(total)", "page_order": "\(settings.pageOrder.rawValue)"])
                break
            }
            if settings.pageOrder == .occurredDate {
                settings.pageOrder = .id
                await fetcher.reorder(.id)
                log.warning(
                    "the pages do not add up: the last page implies \(total) events, \(arrived) distinct arrived (a row inserted while paging, or equal timestamps reordered between requests); fetching the day again ordered by id, and every further day of this run too (set source.page_order: id to start that way)",
                    metadata: ["implied_total": "\(total)"])
            } else {
                log.warning(
                    "rows moved while paging: the last page implies \(total) events, \(arrived) arrived; fetching the day again",
                    metadata: ["implied_total": "\(total)", "page_order": "\(settings.pageOrder.rawValue)"])
            }
            build?.forget(fetched.raw)
            fetched.raw.remove()
            fetches += 1
            fetched = try await fetch(
                DayFetch(day: api, order: settings.pageOrder, attempt: fetches), day: day, from: fetcher, into: build,
                summary: summary, logger: log)
            pagesRead += fetched.pages
        }
        fetched.pagesRead = pagesRead
        if let offset {
            do { try DayFilterCheck.check(fetched.arrivals, apiDay: api, offset: offset, day: day) } catch {
                fetched.raw.remove()
                throw error
            }
        }
        return fetched
    }

    /// Reads the pages of `request` in order, following `next_page`, staging them raw and feeding `build`.
    /// `day` is the UTC day they are read for (named in errors).
    private func fetch(
        _ request: DayFetch, day: Day, from fetcher: PageFetcher, into build: DayBuild?, summary: RunSummary,
        logger log: Logger
    ) async throws -> FetchedDay {
        let order = request.order
        let raw = try withLoadErrors(day) {
            try RawPages.staging(settings.lake.stagedRaw(request.day, tag: runID), durable: settings.keepRaw)
        }
        var pages = 0
        var arrivals = ArrivalCount()
        var last: EventsPage?
        var number: Int? = 1
        do {
            while let wanted = number {
                let page: EventsPage
                do {
                    page = try await fetcher.page(wanted, of: request)
                    number = try EventPager.following(page, label: request.description)
                } catch let error as APIError {
                    var failure = PipelineError.extract(error, day: day, page: wanted)
                    if error.kind == .quotaExhausted || error.kind == .callBudget {
                        failure = failure.adding(
                            hint:
                                "the quota is counted per UTC day: run again after \(clock.today.next)T00:00:00Z (days completed so far are kept)"
                        )
                    }
                    throw failure
                }
                pages += 1
                last = page
                log.debug(
                    "page",
                    metadata: [
                        "page": "\(page.page)", "rows": "\(page.events.count)", "order_by": "\(order.rawValue)",
                        "limit_value": "\(page.meta.limitValue.map(String.init) ?? "-")",
                        "next_page": "\(page.meta.nextPage.map(String.init) ?? "null")",
                    ])
                report(events: summary.events, extra: page.events.count)
                try withLoadErrors(day) { try raw.store(page: page.page, body: page.body) }
                arrivals.add(page)
                try build?.add(page, from: raw)
            }
            await fetcher.end(request, after: pages)
            let implied = last.flatMap { $0.meta.impliedTotal(rowsOnPage: $0.events.count, page: $0.page) }
            return FetchedDay(raw: raw, pages: pages, arrivals: arrivals, impliedTotal: implied)
        } catch {
            raw.remove()
            throw error
        }
    }

    /// Forgets `fetcher`'s requests still waiting and counts what it spent ahead.
    private func close(_ fetcher: PageFetcher, into summary: inout RunSummary) async {
        await fetcher.close()
        summary.unusedRequests += await fetcher.unused
        summary.peakInFlight = max(summary.peakInFlight, await fetcher.peakInFlight)
    }

    /// `day_filter_offset: auto` on a lake that has none recorded: fetches the run's days (as API days), then the
    /// days before them, until their answers leave one offset (`DayFilterCheck.decided`), keeping what was
    /// fetched for the export. Days without events decide nothing; an offset is never guessed: when `probeDays`
    /// more days do not decide it, the run stops asking for the offset to be set.
    private func probeOffset(days: [Day], staged: inout [Day: FetchedDay], summary: inout RunSummary) async throws
        -> DayFilterOffset
    {
        // No day is asked for ahead: the next one might not be an API day the decided offset needs.
        let probe = PageFetcher(
            client: client, days: [], order: settings.pageOrder, perPage: settings.perPage,
            maxInFlight: settings.maxInFlight)
        let earlier = (days.min() ?? clock.today).adding(days: -Self.probeDays)
        let candidatesDays = days + Day.range(earlier, through: (days.min() ?? clock.today).previous).reversed()
        var candidates: [DayFilterOffset]?
        var decided: DayFilterOffset?
        do {
            for day in candidatesDays where decided == nil {
                var log = logger
                log[metadataKey: "api_day"] = "\(day)"
                let fetched = try await fetchComplete(
                    day, offset: nil, day: day, from: probe, into: nil, summary: summary, logger: log)
                staged[day] = fetched
                guard let fits = DayFilterCheck.fitting(fetched.arrivals, apiDay: day) else { continue }
                let remaining = (candidates ?? fits).filter(fits.contains)
                guard !remaining.isEmpty else {
                    throw PipelineError(
                        stage: .extract, category: .data, code: "day_filter_offset",
                        message:
                            "day_filter_offset: auto: the answers for occurred_date=\(day) fit no offset that the days before fit: the API's day filter is not one fixed offset; set source.day_filter_offset explicitly",
                        day: day)
                }
                candidates = remaining
                decided = DayFilterCheck.decided(remaining)
            }
        } catch {
            await close(probe, into: &summary)
            throw error
        }
        await close(probe, into: &summary)
        if let decided { return decided }
        guard let candidates else { return .utc }  // no event anywhere: nothing to tell, and nothing recorded
        throw PipelineError(
            stage: .config, category: .configuration, code: "day_filter_undecided",
            message:
                "day_filter_offset: auto cannot tell the API's day filter from the events of \(candidatesDays.count) days (every offset from UTC\(candidates.first!) to UTC\(candidates.last!) fits them): set source.day_filter_offset to the account's offset (its time zone in the KnowBe4 console)")
    }

    /// Days before a run's first day that `auto` may also look at before it gives up.
    static let probeDays = 14

    /// Removes temporary files a crashed run left behind (the lock guarantees no other run owns them): its work
    /// directory, the local store's `.kb4tmp-` files, and the temporary names of earlier versions.
    private func cleanLeftovers() {
        let lake = settings.lake
        FileSystem.removeTree(lake.workRoot)
        guard lake.store is LocalDirectoryStore else {
            // Object stores have no temporary names; a killed run's scratch is in its own local directory.
            LakeLayout.removeDeadProcessesWork(beside: lake.workRoot, logger: logger)
            return
        }
        for name in FileSystem.list(lake.root)
        where name.hasPrefix("._manifest.json.tmp-") || name.hasPrefix("._manifest.json.kb4tmp-") {
            FileSystem.remove(lake.root + "/" + name)
        }
        for name in FileSystem.list(lake.state) where name.hasPrefix(".") && name.contains("tmp-") {
            FileSystem.remove(lake.state + "/" + name)
        }
        for name in FileSystem.list(lake.raw)
        where name.hasPrefix(".staging-") || name.hasPrefix(".spill-") || name.contains(".old-") {
            FileSystem.removeTree(lake.raw + "/" + name)
        }
        for partition in FileSystem.list(lake.events) where partition.hasPrefix("dt=") {
            let dir = lake.events + "/" + partition
            for name in FileSystem.list(dir) where name.hasPrefix(".") && (name.contains(".tmp-") || name.contains(".kb4tmp-")) {
                logger.info("removing a leftover temporary file", metadata: ["path": "\(dir)/\(name)"])
                FileSystem.remove(dir + "/" + name)
            }
        }
    }
}

/// Where a run is, for a progress line.
public struct RunProgress: Sendable, Equatable {
    /// Days finished so far.
    public var daysDone = 0
    /// Days the run will fetch or re-check.
    public var daysTotal: Int
    /// Events received so far (including the current day's pages).
    public var events = 0
    /// API calls spent so far.
    public var calls = 0
    /// The day being fetched.
    public var currentDay: Day?
}

/// A run that stopped early: the error, and what was done before it (completed days are kept).
public struct RunFailure: Error, Sendable, CustomStringConvertible {
    /// Why it stopped.
    public let error: any Error
    /// What it did first.
    public let summary: RunSummary
    public var description: String { "\(error)" }

    /// A failure with what was done first.
    public init(error: any Error, summary: RunSummary) {
        self.error = error
        self.summary = summary
    }
}
