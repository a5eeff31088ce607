import KB4EventsAPI
import KB4EventsCore
import Logging

/// Where a day's pages come from, and the refetch rule: an API day is read page by page through the run's
/// `PageFetcher` (following `next_page`), each page staged raw in the run's work directory and fed to the day's
/// build as it arrives. When the last page implies more events than arrived, the day is fetched again (ordered by
/// id from then on), at most `fetchesPerDay` times in all.
final class DayExtractor {
    /// Fetches of one day when its pages do not add up (the first included) before the last copy is kept.
    static let fetchesPerDay = 3

    /// The order pages are asked in: the setting's until a day's time-ordered pages did not add up, then `.id` for
    /// the rest of the run.
    private(set) var pageOrder: PageOrder
    private let settings: ExportSettings
    private let runID: String
    private let today: Day
    /// Called with the rows of every page read (for a progress line).
    private let onPage: (Int) -> Void

    init(settings: ExportSettings, runID: String, today: Day, onPage: @escaping (Int) -> Void) {
        self.settings = settings
        self.pageOrder = settings.pageOrder
        self.runID = runID
        self.today = today
        self.onPage = onPage
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
    /// `day` is the UTC day they are read for (named in errors).
    func fetchComplete(
        _ api: Day, offset: DayFilterOffset?, day: Day, from fetcher: PageFetcher, into build: DayBuild?,
        logger log: Logger
    ) async throws -> FetchedDay {
        var fetches = 1
        var fetched = try await fetch(
            DayFetch(day: api, order: pageOrder, attempt: fetches), day: day, from: fetcher, into: build, logger: log)
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
                    metadata: ["implied_total": "\(total)", "page_order": "\(pageOrder.rawValue)"])
                break
            }
            if pageOrder == .occurredDate {
                pageOrder = .id
                await fetcher.reorder(.id)
                log.warning(
                    "the pages do not add up: the last page implies \(total) events, \(arrived) distinct arrived (a row inserted while paging, or equal timestamps reordered between requests); fetching the day again ordered by id, and every further day of this run too (set source.page_order: id to start that way)",
                    metadata: ["implied_total": "\(total)"])
            } else {
                log.warning(
                    "rows moved while paging: the last page implies \(total) events, \(arrived) arrived; fetching the day again",
                    metadata: ["implied_total": "\(total)", "page_order": "\(pageOrder.rawValue)"])
            }
            build?.forget(fetched.raw)
            fetched.raw.remove()
            fetches += 1
            fetched = try await fetch(
                DayFetch(day: api, order: pageOrder, attempt: fetches), day: day, from: fetcher, into: build,
                logger: log)
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
    private func fetch(
        _ request: DayFetch, day: Day, from fetcher: PageFetcher, into build: DayBuild?, logger log: Logger
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
                            retryAdvice:
                                "the quota is counted per UTC day: run again after \(today.next)T00:00:00Z (days completed so far are kept)"
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
                onPage(page.events.count)
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
}
