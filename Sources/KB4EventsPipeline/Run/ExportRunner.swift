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
        do {
            let summary = try await runLocked(request)
            await lock.release()
            return summary
        } catch {
            await lock.release()
            throw error
        }
    }

    /// `run` with the lake's lock held.
    private func runLocked(_ request: RunRequest) async throws -> RunSummary {
        let started = clock.now()
        let lake = settings.lake
        cleanLeftovers()

        let existing = try await Manifest.load(from: lake.store)
        manifestETag = existing?.etag
        settings = settings.adopting(lakeFormat: existing?.manifest.format)
        var manifest = existing?.manifest ?? Manifest(format: settings.format, baseURL: settings.baseURL)
        if try settings.formatSwitch(for: manifest, force: request.force) { manifest.format = settings.format }
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
        let fetcher = PageFetcher(
            client: client, days: days, order: settings.pageOrder, perPage: settings.perPage,
            maxInFlight: settings.maxInFlight)
        do {
            for day in days {
                progress.currentDay = day
                try await export(day: day, fetcher: fetcher, manifest: &manifest, summary: &summary)
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
    private func fill(_ summary: inout RunSummary, started: Double, fetcher: PageFetcher) async {
        await fetcher.close()
        summary.unusedRequests = await fetcher.unused
        summary.peakInFlight = await fetcher.peakInFlight
        summary.apiCalls = client.stats.calls
        summary.retries = client.stats.retries
        summary.throttled = client.stats.throttled
        summary.durationSeconds = clock.now() - started
    }

    private func export(day: Day, fetcher: PageFetcher, manifest: inout Manifest, summary: inout RunSummary) async throws {
        let lake = settings.lake
        var log = logger
        log[metadataKey: "day"] = "\(day)"
        var fetches = 1
        var fetched = try await fetch(
            DayFetch(day: day, order: settings.pageOrder, attempt: fetches), from: fetcher, summary: summary, logger: log)
        var pagesRead = fetched.pages
        // Offset paging can miss a row: one inserted before the cursor while paging, or, when the API orders
        // equal timestamps differently from one request to the next, a tie at a page boundary (one row seen
        // twice, another never). The last page tells how many rows the day has; when fewer distinct ones
        // arrived, the day is fetched again ordered by its unique id (stable pages; sorted locally).
        while let total = fetched.impliedTotal, fetched.result.events < total {
            let arrived = fetched.result.events
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
            fetched.staged.discard()
            fetched.raw.remove()
            fetches += 1
            fetched = try await fetch(
                DayFetch(day: day, order: settings.pageOrder, attempt: fetches), from: fetcher, summary: summary,
                logger: log)
            pagesRead += fetched.pages
        }
        // The day's cost: the pages it read (requests made ahead for later days belong to those days).
        let calls = pagesRead
        log[metadataKey: "pages"] = "\(fetched.pages)"
        log[metadataKey: "calls"] = "\(calls)"
        let committer = DayCommitter(settings: settings, runID: runID, now: isoSeconds(clock.now()))
        let outcome = try await committer.commit(
            day: day, result: fetched.result, staged: fetched.staged, apiCalls: calls, manifest: &manifest,
            etag: &manifestETag, logger: log)
        summary.add(outcome, day: day, result: fetched.result)
        if settings.keepRaw {
            try await withStoreErrors(day) { try await fetched.raw.promote(to: lake, day: day, tempTag: runID) }
        } else {
            fetched.raw.remove()
        }
    }

    /// One day fetched page by page into a staged file, with its raw pages staged beside it.
    private struct FetchedDay {
        var result: DayTransformer.Summary
        var staged: StagedPartition
        var raw: RawPages
        var pages: Int
        /// The total the last page implies (nil when it cannot tell).
        var impliedTotal: Int?
    }

    /// Reads the pages of `request` in order, following `next_page`, into a staged day.
    private func fetch(_ request: DayFetch, from fetcher: PageFetcher, summary: RunSummary, logger log: Logger)
        async throws -> FetchedDay
    {
        let day = request.day
        let order = request.order
        let raw = try withLoadErrors(day) {
            try RawPages.staging(settings.lake.stagedRaw(day, tag: runID), durable: settings.keepRaw)
        }
        let build = try DayBuild(
            day: day, settings: settings, tag: runID, raw: raw, inOrder: order == .occurredDate, logger: log)
        var pages = 0
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
                try build.add(page)
            }
            await fetcher.end(request, after: pages)
            let (result, staged) = try build.finish()
            let implied = last.flatMap { $0.meta.impliedTotal(rowsOnPage: $0.events.count, page: $0.page) }
            return FetchedDay(result: result, staged: staged, raw: raw, pages: pages, impliedTotal: implied)
        } catch {
            build.abandon()
            raw.remove()
            throw error
        }
    }

    /// Removes temporary files a crashed run left behind (the lock guarantees no other run owns them): its work
    /// directory, the local store's `.kb4tmp-` files, and the temporary names of earlier versions.
    private func cleanLeftovers() {
        let lake = settings.lake
        FileSystem.removeTree(lake.workRoot)
        guard lake.store is LocalDirectoryStore else { return }  // object stores have no temporary names
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
}
