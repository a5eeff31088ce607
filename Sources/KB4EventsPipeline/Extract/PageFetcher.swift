import KB4EventsAPI
import KB4EventsCore

/// One fetch of one day's pages: the `occurred_date` asked for, the order it is paged in, and which fetch of that
/// day it is in this run (a day whose pages do not add up is fetched again).
struct DayFetch: Hashable, Sendable, CustomStringConvertible {
    var day: Day
    var order: PageOrder
    var attempt: Int

    var description: String { "day \(day)" }
}

/// Requests the pages a run is going to read before it reads them, so that several requests wait for their
/// answers at once while the client's one pacer still spaces every start: the rate a run reaches is then set by
/// the API's allowance, not by how long each answer takes.
///
/// The runner asks for pages strictly in the order it reads them (`page(_:of:)`) and says where each fetch ended
/// (`end(_:after:)`); `next_page` stays the authority, exactly as when pages are fetched one by one. What may be
/// asked for ahead is only what is known to exist: the rest of a day's pages once an answer gave `total_pages`
/// (or `next_page`), and the first page of the days the run will fetch next. A request made for a page the
/// reader then never reads (a day that ended before its `total_pages`, days requested in an order the run left, a
/// run that stops) is counted in `unused`; one still waiting for its answer is cancelled (its connection closed,
/// its slot freed for a page that is needed). The call it made stays counted (`CallStats`, the lake's ledger).
///
/// How many requests may wait at once follows the measured answer time: about rate × answer time + 1 (one when
/// answers come within half the pacing interval), at most `maxInFlight` (an unpaced client: two); one until the run's first answer (a wrong key
/// costs one call, not several).
/// Answered pages wait for the reader in a bounded buffer. Once a request fails, nothing more is requested
/// ahead; a failure that ends the run (quota, call budget, authentication) is given to every later page without a call.
actor PageFetcher {
    private struct Key: Hashable {
        var fetch: DayFetch
        var page: Int
    }

    private enum Slot {
        /// Waiting for the answer of launch number `launch`.
        case inFlight(launch: Int)
        case answered(Result<EventsPage, any Error>)
    }

    /// Answers not yet read beyond the requests in flight, at most: bounds the memory of pages read ahead (a
    /// parsed page of 100 events is close to 1 MB; the 1M-event day must stay under 64 MB).
    private static let answeredAhead = 2

    private let client: Client
    private let perPage: Int
    private let maxInFlight: Int
    /// The fetch being read, and how far.
    private var current: DayFetch?
    private var readThrough = 0
    /// Days the run will fetch next, in order.
    private var upcoming: [DayFetch]
    /// The last page each fetch is known to have.
    private var knownPages: [DayFetch: Int] = [:]
    private var slots: [Key: Slot] = [:]
    private var waiters: [Key: CheckedContinuation<EventsPage, any Error>] = [:]
    /// The task of every launch still running, by launch number: cancelled when its page is no longer needed.
    private var tasks: [Int: Task<Void, Never>] = [:]
    private var inFlight = 0
    private var launches = 0
    private var readAhead = true
    private var runEnding: (any Error)?
    private var cancelled = false
    /// Requests whose answers were not read.
    private(set) var unused = 0
    /// The most requests that waited for answers at once.
    private(set) var peakInFlight = 0

    /// A fetcher for `days` in this order, each paged in `order`. `maxInFlight` 1 fetches one page at a time.
    init(client: Client, days: [Day], order: PageOrder, perPage: Int, maxInFlight: Int) {
        self.client = client
        self.perPage = perPage
        self.maxInFlight = max(1, min(PipelineConfiguration.maxInFlightLimit, maxInFlight))
        upcoming = days.map { DayFetch(day: $0, order: order, attempt: 1) }
    }

    /// Page `number` of `fetch`, in reading order: the next page of the fetch being read, or page 1 of a new
    /// fetch (the next day, or the same day again).
    func page(_ number: Int, of fetch: DayFetch) async throws -> EventsPage {
        if cancelled { throw CancellationError() }
        moveTo(fetch)
        readThrough = number
        let key = Key(fetch: fetch, page: number)
        if slots[key] == nil {
            if let runEnding { throw runEnding }
            launch(key)
        }
        fill()
        if case .answered(let result)? = slots[key] {
            slots[key] = nil
            fill()
            return try result.get()
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { waiters[key] = $0 }
        } onCancel: {
            Task { await self.cancelAll() }
        }
    }

    /// The reader found that `fetch` ends with page `last`: whatever was requested beyond it is not needed.
    func end(_ fetch: DayFetch, after last: Int) {
        knownPages[fetch] = last
        drop { $0.fetch == fetch && $0.page > last }
    }

    /// Every day not yet begun is paged in `order` from now on (what was requested for them in another order is unused).
    func reorder(_ order: PageOrder) {
        let old = Set(upcoming.filter { $0.order != order })
        guard !old.isEmpty else { return }
        upcoming = upcoming.map { DayFetch(day: $0.day, order: order, attempt: $0.attempt) }
        drop { old.contains($0.fetch) }
        fill()
    }

    /// Forgets every request still waiting (the run is over), cancelling those in flight; their calls were made and
    /// are counted as unused.
    func close() {
        cancelled = true
        drop { _ in true }
    }

    private func cancelAll() {
        close()
        for (_, waiter) in waiters { waiter.resume(throwing: CancellationError()) }
        waiters.removeAll()
    }

    private func moveTo(_ fetch: DayFetch) {
        guard fetch != current else { return }
        if let current { drop { $0.fetch == current } }
        if let index = upcoming.firstIndex(of: fetch) {
            let skipped = Set(upcoming[..<index])
            upcoming.removeFirst(index + 1)
            if !skipped.isEmpty { drop { skipped.contains($0.fetch) } }
        }
        current = fetch
        readThrough = 0
    }

    /// How many requests may wait for answers now: one before the first answer, then enough to cover the answer
    /// time at the paced rate (an unpaced client: two). An answer that comes within half the pacing
    /// interval leaves one request at a time at the allowance already: then no more are sent at once, since
    /// requests on several connections reach the server with more jitter between them (seen as 429s on a loaded
    /// machine).
    private var limit: Int {
        guard let answer = client.stats.answerSeconds else { return 1 }
        // Unpaced (limits off): two at once keep the transform busy; more would only queue parsed pages.
        guard let rate = client.requestsPerSecond else { return min(maxInFlight, 2) }
        let needed = rate * answer
        return needed < 0.5 ? 1 : min(maxInFlight, Int(needed.rounded(.up)) + 1)
    }

    /// Requests what is known to come next, in reading order, while there is room.
    private func fill() {
        guard readAhead, !cancelled, runEnding == nil else { return }
        let limit = limit
        var fetches: [DayFetch] = []
        if let current { fetches.append(current) }
        for fetch in fetches + upcoming {
            let first = fetch == current ? readThrough + 1 : 1
            let last = knownPages[fetch] ?? 1
            guard first <= last else { continue }
            for page in first...last where slots[Key(fetch: fetch, page: page)] == nil {
                guard inFlight < limit, slots.count < limit + Self.answeredAhead else { return }
                launch(Key(fetch: fetch, page: page))
            }
        }
    }

    private func launch(_ key: Key) {
        inFlight += 1
        peakInFlight = max(peakInFlight, inFlight)
        var query = EventQuery.day(key.fetch.day.description, perPage: perPage)
        query.orderBy = key.fetch.order.orderBy
        let client = client
        launches += 1
        let launch = launches
        slots[key] = .inFlight(launch: launch)
        tasks[launch] = Task {
            let result: Result<EventsPage, any Error>
            do {
                result = .success(
                    try await EventPager.fetch(page: key.page, of: query, client: client, label: key.fetch.description))
            } catch {
                result = .failure(error)
            }
            self.answered(key, launch: launch, result)
        }
    }

    private func answered(_ key: Key, launch: Int, _ result: Result<EventsPage, any Error>) {
        inFlight -= 1
        tasks[launch] = nil
        guard case .inFlight(launch)? = slots[key] else {
            fill()
            return
        }
        switch result {
        case .success(let page):
            // What the answer says about the fetch's length: `total_pages`, or at least the next page. (A fetch
            // the reader has ended gets no answer here: its requests were dropped.)
            let following = (try? EventPager.following(page, label: key.fetch.description)) ?? nil
            let total = page.events.isEmpty ? nil : page.meta.totalPages
            knownPages[key.fetch] = max(knownPages[key.fetch] ?? 1, total ?? 1, following ?? 1)
        case .failure(let error):
            readAhead = false
            if let error = error as? APIError, [.quotaExhausted, .callBudget, .authentication].contains(error.kind) {
                runEnding = error
            }
        }
        if let waiter = waiters.removeValue(forKey: key) {
            slots[key] = nil
            waiter.resume(with: result)
        } else {
            slots[key] = .answered(result)
        }
        fill()
    }

    /// Forgets the requests whose keys match; each one is an unused call. A request still waiting is cancelled:
    /// its connection is closed rather than kept busy for an answer nobody reads (the call was made and stays
    /// counted). Its task then reports the cancellation to `answered`, which frees its slot.
    private func drop(where matches: (Key) -> Bool) {
        for (key, slot) in slots where matches(key) {
            if case .inFlight(let launch) = slot { tasks[launch]?.cancel() }
            slots[key] = nil
            unused += 1
        }
    }
}

