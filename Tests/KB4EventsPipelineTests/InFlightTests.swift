import Foundation
@testable import KB4EventsAPI
import KB4EventsSimulator
import Testing

@testable import KB4EventsPipeline
@testable import KB4EventsCore

/// Requests in flight (`PageFetcher`): with slow answers a run keeps several requests waiting at once, and the lake
/// is the same, byte for byte, as one fetched a page at a time; faults, stops and reshuffling APIs still give an
/// exact lake or the documented error with every completed day kept.
@Suite(.serialized) struct InFlightTests {
    /// Every data file of the lake by relative path.
    func files(_ f: LakeFixture) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let events = f.dir + "/events"
        for path in try FileManager.default.subpathsOfDirectory(atPath: events) where path.hasSuffix(".gz") {
            out[path] = try Data(contentsOf: URL(fileURLWithPath: events + "/" + path))
        }
        return out
    }

    func backfill(_ f: LakeFixture, client: Client) async throws -> RunSummary {
        try await f.runner(client: client).run(.backfill(from: f.firstDay, to: f.today.previous, force: false))
    }

    @Test(arguments: [OutputFormat.ndjson, .csv])
    func slowAnswersKeepSeveralRequestsInFlightAndGiveTheSameBytes(format: OutputFormat) async throws {
        let configure: (inout SimulatorConfiguration) -> Void = { c in
            c.maxPerPage = 20
            c.requestsPerSecond = 25
        }
        // A page at a time, answers at once: the reference.
        var reference: [String: Data] = [:]
        try await LakeFixture.with(events: 1200, days: 6, configure: configure) { f in
            f.format = format
            f.maxInFlight = 1
            let summary = try await backfill(f, client: try f.client(rps: 20))
            #expect(summary.peakInFlight == 1)
            #expect(f.simulator.stats.peakInFlight == 1)
            reference = try files(f)
        }
        #expect(reference.count == 5)
        // Answers after 150 ms ± 50: at 20 requests/second that needs about four requests waiting at once.
        try await LakeFixture.with(events: 1200, days: 6, configure: { c in
            configure(&c)
            c.latency = .milliseconds(150)
            c.latencyJitter = .milliseconds(50)
        }) { f in
            f.format = format
            let summary = try await backfill(f, client: try f.client(rps: 20))
            let stats = f.simulator.stats
            #expect(stats.peakInFlight > 1, "the simulator saw \(stats.peakInFlight) requests waiting at once")
            #expect(summary.peakInFlight > 1)
            #expect(stats.rateLimited == 0, "the pacer still spaces every start")
            #expect(summary.unusedRequests == 0, "no request beyond a day's end")
            #expect(summary.apiCalls == stats.totalRequests)
            #expect(try files(f) == reference, "byte-identical to the run that fetched a page at a time")
            for day in Day.range(f.firstDay, through: f.today.previous) {
                #expect(try f.manifest().days[day]!.events == f.truth(day).count)
            }
        }
    }

    @Test(arguments: ["faults", "ties", "drift"])
    func reshufflingAndFaultsWithRequestsInFlightStillGiveTheTruth(scenario: String) async throws {
        try await LakeFixture.with(events: 900, days: 5, configure: { c in
            c.latency = .milliseconds(40)
            c.latencyJitter = .milliseconds(35)
            c.maxPerPage = 9  // the client asks for 100: clamped silently
            switch scenario {
            case "faults":
                c.faults = FaultConfiguration(serverError: 0.08, truncatedBody: 0.05, malformedJSON: 0.03)
            case "ties":
                c.tieOrder = .random
            default:
                c.pageDrift = true
            }
        }) { f in
            if scenario == "ties" {
                // Equal timestamps that the API reorders between requests (events created with a date only).
                for i in 0..<30 { _ = f.simulator.insertEvent(occurredAt: "\(f.today.adding(days: -2))T00:00:00.000Z", description: "tie \(i)") }
            }
            let summary = try await backfill(f, client: try f.client())
            #expect(summary.peakInFlight > 1)
            if scenario == "drift" {
                // Rows inserted while paging can fall between pages: the next night's re-check catches them.
                f.simulator.setPageDrift(false)
                f.lookback = 5
                _ = try await f.runner().run(.sync(force: false))
            }
            for day in Day.range(f.firstDay, through: f.today.previous) {
                #expect(try f.lines(day) == f.truth(day), "day \(day)")
            }
        }
    }

    /// A page requested ahead that the reader then does not need (here a day the reader ends after its first page,
    /// though `total_pages` promised more) is cancelled, not waited for: the simulator sees its connection closed
    /// long before its answer (3 s) would have gone out, and the slot is free for pages that are needed. Every
    /// request that left stays counted, by the client and by the lake's call ledger (`_state/calls.json`), and no
    /// request that never left is.
    @Test func aReadAheadRequestNoLongerNeededIsCancelledAndItsCallStillCounted() async throws {
        try await LakeFixture.with(events: 300, days: 6, configure: { c in
            c.latency = .seconds(3)
            c.maxPerPage = 10
        }) { f in
            let ledger = try await CallLedger.load(layout: LakeLayout(root: f.dir))
            let budget = CallBudget(limit: nil, reserve: 0, day: f.today, ledger: ledger)
            let client = try f.client(rps: 50, gate: budget.gate(useReserve: true))
            let days = [f.today.previous, f.today.previous.previous]
            let fetcher = PageFetcher(client: client, days: days, order: .occurredDate, perPage: 10, maxInFlight: 8)
            let first = DayFetch(day: days[0], order: .occurredDate, attempt: 1)
            let second = DayFetch(day: days[1], order: .occurredDate, attempt: 1)
            let clock = ContinuousClock()

            /// Waits until every call the client counted has reached the simulator (and no more are starting).
            func settled() async throws {
                let deadline = clock.now + .seconds(5)
                var last = -1
                while clock.now < deadline {
                    let calls = client.stats.calls
                    if calls == last && f.simulator.stats.totalRequests == calls { return }
                    last = calls
                    try await Task.sleep(for: .milliseconds(150))
                }
            }

            let page = try await fetcher.page(1, of: first)
            let total = try #require(page.meta.totalPages)
            try #require(total >= 3 && total <= 8, "the day has several pages, fewer than the requests in flight: \(total)")
            // Its answer told how many pages the day has: they (and the next day's first page) are requested now.
            try await settled()
            let ahead = f.simulator.stats.inFlight
            #expect(ahead == total, "pages 2…\(total) and the next day's first page wait for their answers: \(ahead)")

            // The reader ends the day after page 1: pages 2… are no longer needed.
            let dropped = clock.now
            await fetcher.end(first, after: 1)
            while f.simulator.stats.abandoned < total - 1 && clock.now < dropped + .milliseconds(1500) {
                try await Task.sleep(for: .milliseconds(20))
            }
            let stats = f.simulator.stats
            #expect(stats.abandoned == total - 1, "cancelled: their connections closed before the answers (\(stats))")
            #expect(stats.inFlight == 1, "only the next day's first page still waits")
            #expect(await fetcher.unused == total - 1)

            // The next day is read as usual; then the run ends with its read-ahead cancelled too.
            let next = try await fetcher.page(1, of: second)
            #expect(next.events.count == min(10, f.simulator.truthCounts()[days[1].description] ?? 0), "\(next.meta)")
            try await settled()
            await fetcher.close()
            let end = clock.now
            while f.simulator.stats.inFlight > 0 && clock.now < end + .milliseconds(1500) {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(f.simulator.stats.inFlight == 0, "the rest cancelled at the end of the run")

            // Every request that left is counted once: by the client, in the ledger and in its file, as the API saw.
            let sent = f.simulator.stats.totalRequests
            #expect(client.stats.calls == sent)
            #expect(ledger.used(on: f.today) == sent)
            let file = try Data(contentsOf: URL(fileURLWithPath: f.dir + "/" + LakeLayout.callsKey))
            #expect(try CallLedger.parse(Array(file), name: "calls")[f.today] == sent)
        }
    }

    @Test func aQuotaStopWithRequestsInFlightKeepsTheCompletedDaysAndCountsEveryCall() async throws {
        try await LakeFixture.with(events: 1000, days: 6, configure: { c in
            c.latency = .milliseconds(60)
            c.maxPerPage = 10
            c.dailyQuota = 48  // about two and a half days of pages
        }) { f in
            let sent = Counter()
            let client = try f.client(gate: { _ = sent.next() })
            var stopped: RunFailure?
            do { _ = try await backfill(f, client: client) } catch let e as RunFailure { stopped = e }
            let failure = try #require(stopped)
            #expect((failure.error as? PipelineError)?.category == .temporary, "\(failure.error)")
            try expectSomeWholeDaysAndNoPartialOne(f)
            // Every request that reached the server went through the gate (the ledger's count).
            #expect(client.stats.calls == sent.next() - 1)
            #expect(client.stats.calls >= f.simulator.stats.totalRequests)
            #expect(failure.summary.apiCalls == client.stats.calls)
        }
    }

    @Test func anExhaustedRetryBudgetWithRequestsInFlightKeepsTheCompletedDays() async throws {
        try await LakeFixture.with(events: 1000, days: 6, configure: { c in
            c.latency = .milliseconds(40)
            c.maxPerPage = 10
        }) { f in
            // After 45 calls the API fails every request: the days completed by then stay, nothing else is recorded.
            let sent = Counter()
            let simulator = f.simulator
            let client = try f.client(
                retry: RetryPolicy(initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(40), budget: .seconds(1)),
                gate: {
                    if sent.next() == 45 { simulator.setFaults(FaultConfiguration(serverError: 1)) }
                })
            var stopped: RunFailure?
            do { _ = try await backfill(f, client: client) } catch let e as RunFailure { stopped = e }
            let failure = try #require(stopped)
            #expect((failure.error as? PipelineError)?.category == .unavailable, "\(failure.error)")
            try expectSomeWholeDaysAndNoPartialOne(f)
            #expect(client.stats.calls == sent.next() - 1, "every request that left is counted")
        }
    }

    /// A run stopped part-way: some days, not all five, are recorded; each one whole; every partition on disk is
    /// one the manifest records (no partial day).
    func expectSomeWholeDaysAndNoPartialOne(_ f: LakeFixture) throws {
        let m = try f.manifest()
        #expect(!m.days.isEmpty && m.days.count < 5, "some days complete, not all: \(m.days.keys.sorted())")
        for (day, record) in m.days {
            #expect(try f.lines(day) == f.truth(day), "a recorded day is whole: \(day)")
            #expect(record.events == f.truth(day).count)
        }
        let partitions = try FileManager.default.contentsOfDirectory(atPath: f.dir + "/events")
        #expect(Set(partitions) == Set(m.days.keys.map { "dt=\($0)" }), "no partial day")
    }

    @Test func aWrongKeyCostsOneCallNotAWindowOfThem() async throws {
        try await LakeFixture.with(events: 300, days: 6, configure: { $0.latency = .milliseconds(30) }) { f in
            let client = try f.client(key: "wrong-key")
            do {
                _ = try await backfill(f, client: client)
                Issue.record("a wrong key must fail")
            } catch let e as RunFailure {
                #expect((e.error as? PipelineError)?.category == .authentication, "\(e.error)")
            }
            #expect(f.simulator.stats.totalRequests == 1)
        }
    }
}
