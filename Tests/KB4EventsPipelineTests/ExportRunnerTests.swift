import Foundation
@testable import KB4EventsAPI
import KB4EventsSimulator
import Logging
import Testing

@testable import KB4EventsPipeline
@testable import KB4EventsCore
import KB4EventsTestSupport

/// A simulator on loopback plus a fresh lake directory, for integration tests.
final class LakeFixture {
    let simulator: Simulator
    let dir: String
    let today: Day
    var format: OutputFormat = .ndjson
    var keepRaw = false
    var lookback = 2
    var perPage = 100
    var pageOrder: PageOrder = .occurredDate
    var formatIsExplicit = true
    var compressionLevel = 6
    var maxInFlight = 8
    var dayFilter: DayFilterSetting?

    init(events: Int = 400, days: Int = 6, today: String = "2026-11-22", seed: UInt64 = 3,
         configure: (inout SimulatorConfiguration) -> Void = { _ in }) async throws {
        let config = SimulatorConfiguration.unpaced(
            seed: seed, events: events, days: days, today: today, apiKey: "test-key", configure)
        simulator = Simulator(configuration: config)
        _ = try await simulator.start(host: "127.0.0.1", port: 0)
        self.today = Day(today)!
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("kb4-lake-\(UUID().uuidString)").path
    }

    /// Runs `body` with a fresh fixture and always stops the simulator and removes the lake afterwards.
    static func with(
        events: Int = 400, days: Int = 6, configure: (inout SimulatorConfiguration) -> Void = { _ in },
        _ body: (LakeFixture) async throws -> Void
    ) async throws {
        let fixture = try await LakeFixture(events: events, days: days, configure: configure)
        do { try await body(fixture) } catch {
            await fixture.close()
            throw error
        }
        await fixture.close()
    }

    func close() async {
        try? await simulator.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    var firstDay: Day { today.adding(days: -5) }

    /// Short waits, and a budget long enough that a starved test process (many suites in parallel on two cores,
    /// where one loopback call has been seen to take 6 s) never runs out of it: tests of giving up set their own.
    static let fastRetry = RetryPolicy(
        initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(50), budget: .seconds(120))

    func client(
        rps: Double? = nil, retry: RetryPolicy = LakeFixture.fastRetry, key: String = "test-key",
        requestTimeout: Double = 5, gate: (@Sendable () throws -> Void)? = nil
    ) throws -> Client {
        Client(
            baseURL: try BaseURL(parsing: simulator.baseURL), key: APIKey(key)!,
            transport: AsyncHTTPTransport(requestTimeout: requestTimeout), pacer: Pacer(requestsPerSecond: rps),
            retry: retry, logger: Logger(label: "test"), gate: gate)
    }

    func runner(today: Day? = nil, start: Day? = nil, client: Client? = nil) throws -> ExportRunner {
        var settings = ExportSettings(
            lake: LakeLayout(root: dir), format: format, formatIsExplicit: formatIsExplicit,
            compressionLevel: compressionLevel, keepRaw: keepRaw, startDate: start ?? firstDay,
            lookbackDays: lookback, perPage: perPage, pageOrder: pageOrder, maxInFlight: maxInFlight,
            baseURL: simulator.baseURL, toolVersion: "test")
        settings.dayFilter = dayFilter
        return ExportRunner(
            settings: settings, client: try client ?? self.client(), logger: Logger(label: "test"),
            clock: RunClock(today: today ?? self.today, now: { Date().timeIntervalSince1970 }),
            runID: "run-\(UUID().uuidString.prefix(8))")
    }

    func manifest() throws -> Manifest { try #require(try Manifest.load(from: dir + "/_manifest.json")) }

    /// The NDJSON lines of a day's data file.
    func lines(_ day: Day) throws -> [String] {
        let path = dir + "/events/dt=\(day)/part-00000.\(format.rawValue).gz"
        let data = try GzipReader.decompress(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// Truth lines of one day, in file order.
    func truth(_ day: Day) -> [String] {
        simulator.truthLines().filter { $0.contains("\"occurred_date\":\"\(day)T") }
    }

    func sha(_ day: Day) throws -> String { try manifest().days[day]!.files[0].sha256 }
}

/// A thread-safe call counter for client gates in tests.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

@Suite(.serialized) struct ExportRunnerTests {
    @Test func syncWritesEveryDayEqualToTheTruth() async throws {
        try await LakeFixture.with() { f in
            let summary = try await f.runner().run(.sync(force: false))
            let m = try f.manifest()
            let days = Day.range(f.firstDay, through: f.today.previous)
            #expect(Set(m.days.keys) == Set(days))
            #expect(summary.daysWritten == days.count)
            for day in days {
                #expect(try f.lines(day) == f.truth(day), "day \(day) equals the simulator's truth, byte for byte")
                #expect(m.days[day]!.events == f.truth(day).count)
                #expect(FileManager.default.fileExists(atPath: f.dir + "/events/dt=\(day)/_SUCCESS"))
            }
            #expect(!f.truth(f.today).isEmpty, "the API has events on today…")
            #expect(!FileManager.default.fileExists(atPath: f.dir + "/events/dt=\(f.today)"), "…and none is exported")
            #expect(summary.apiCalls >= days.count)
            let leftovers = try FileManager.default.subpathsOfDirectory(atPath: f.dir).filter {
                $0.split(separator: "/").last!.hasPrefix(".") && !$0.hasSuffix(".kb4-events.lock")
            }
            #expect(leftovers.isEmpty, "no temporary files left: \(leftovers)")
        }
    }

    @Test func secondSyncChangesNoByte() async throws {
        try await LakeFixture.with() { f in
            _ = try await f.runner().run(.sync(force: false))
            let before = try f.manifest()
            let summary = try await f.runner().run(.sync(force: false))
            let after = try f.manifest()
            #expect(summary.daysWritten == 0)
            #expect(summary.daysUnchanged == f.lookback)
            for (day, w) in before.days {
                #expect(after.days[day]!.files == w.files)
                #expect(after.days[day]!.revision == 1)
            }
        }
    }

    @Test func backdatedEventIsCaughtByTheLookback() async throws {
        try await LakeFixture.with() { f in
            _ = try await f.runner().run(.sync(force: false))
            let day = f.today.previous.previous
            let id = f.simulator.insertEvent(occurredAt: "\(day)T12:00:00.000Z", description: "backdated, inserted later")
            let summary = try await f.runner().run(.sync(force: false))
            let w = try #require(try f.manifest().days[day])
            #expect(w.revision == 2)
            #expect(summary.revised == [day])
            #expect(try f.lines(day) == f.truth(day))
            #expect(try f.lines(day).contains { $0.contains(id) })
        }
    }

    @Test func clampedPagesAndDriftStillGiveTheTruth() async throws {
        try await LakeFixture.with(events: 1200, days: 3, configure: { $0.maxPerPage = 7; $0.pageDrift = true }) { f in
            let day = f.today.previous
            _ = try await f.runner(start: day).run(.sync(force: false))
            // Page drift inserts events while paging; a re-check the next "night" catches any that fell between pages.
            _ = try await f.runner(start: day).run(.sync(force: false))
            f.simulator.setPageDrift(false)
            _ = try await f.runner(start: day).run(.sync(force: false))
            #expect(try f.lines(day) == f.truth(day))
            #expect(try f.manifest().days[day]!.duplicatesDropped >= 0)
        }
    }

    @Test func anAPIThatIgnoresTheOrderIsSortedFromTheStagedPages() async throws {
        try await LakeFixture.with(events: 1500, days: 3, configure: { $0.ignoresRequestedOrder = true; $0.maxPerPage = 20 }) { f in
            let day = f.today.previous
            let summary = try await f.runner(start: day).run(.sync(force: false))
            #expect(summary.daysWritten == 1)
            #expect(try f.lines(day) == f.truth(day), "sorted by (occurred_date, id) although served newest first")
            let calls = try f.manifest().days[day]!.apiCalls
            #expect(calls == (f.truth(day).count + 19) / 20, "the fallback re-reads staged pages, not the API")
        }
    }

    @Test func aRowInsertedBeforeTheCursorWhilePagingIsFetchedByAnImmediateSecondPass() async throws {
        try await LakeFixture.with(events: 600, days: 3, configure: { $0.maxPerPage = 10; $0.pageDrift = true }) { f in
            let day = f.today.previous
            // Drift only after the first page: one row lands before the cursor, then paging is quiet.
            let calls = Counter()
            let sim = f.simulator
            let client = try f.client(gate: {
                if calls.next() == 2 { sim.setPageDrift(false) }
            })
            _ = try await f.runner(start: day, client: client).run(.sync(force: false))
            #expect(try f.lines(day) == f.truth(day), "complete without waiting for the lookback")
            let pages = (f.truth(day).count + 9) / 10
            #expect(client.stats.calls >= 2 * pages - 1, "the day was fetched twice")
        }
    }

    /// Forty events in one millisecond (what creating events with a date-only `occurred_date` gives) on a day
    /// paged 10 at a time, from an API that orders equal timestamps differently on every request: in time
    /// order a tie at a page boundary is seen twice and another never, so the day is fetched again by id.
    func withShuffledTies(_ body: (LakeFixture, Day) async throws -> Void) async throws {
        try await LakeFixture.with(events: 300, days: 3, configure: { $0.maxPerPage = 10; $0.tieOrder = .random }) { f in
            let day = f.today.adding(days: -2)
            for _ in 0..<40 { f.simulator.insertEvent(occurredAt: "\(day)T00:00:00.000Z") }
            try await body(f, day)
        }
    }

    @Test func equalTimestampsReshuffledBetweenRequestsAreExportedExactlyByPagingByID() async throws {
        try await withShuffledTies { f, day in
            let client = try f.client()
            _ = try await f.runner(start: day, client: client).run(.sync(force: false))
            for d in [day, day.next] {
                #expect(try f.lines(d) == f.truth(d), "day \(d) equals the truth")
                #expect(try f.manifest().days[d]!.duplicatesDropped == 0, "the recorded copy is the id-ordered one")
            }
            let pages = (f.truth(day).count + 9) / 10 + (f.truth(day.next).count + 9) / 10
            #expect(client.stats.calls > pages, "the shuffled day was fetched more than once")
        }
    }

    @Test func pageOrderIDFetchesEachDayOnceWhateverTheTies() async throws {
        try await withShuffledTies { f, day in
            f.pageOrder = .id
            let client = try f.client()
            _ = try await f.runner(start: day, client: client).run(.sync(force: false))
            #expect(try f.lines(day) == f.truth(day), "sorted by (occurred_date, id) from id-ordered pages")
            #expect(try f.lines(day.next) == f.truth(day.next))
            let pages = (f.truth(day).count + 9) / 10 + (f.truth(day.next).count + 9) / 10
            #expect(client.stats.calls == pages, "one fetch per day: pages by a unique key do not reshuffle")
        }
    }

    @Test func csvLakeHasTheFixedHeaderAndOneRowPerEvent() async throws {
        try await LakeFixture.with() { f in
            f.format = .csv
            _ = try await f.runner().run(.sync(force: false))
            let day = f.today.previous
            let raw = try GzipReader.decompress(
                Array(try Data(contentsOf: URL(fileURLWithPath: f.dir + "/events/dt=\(day)/part-00000.csv.gz"))))
            let text = String(decoding: raw, as: UTF8.self)
            #expect(text.hasPrefix(
                "id,account_id,occurred_date,event_type__id,event_type__name,event_type__description,user__id,user__email,user__archived,external_id,source,description,risk__level,risk__factor,risk__decay_mode,risk__expire_date,metadata,_extra\n"
            ))
            #expect(try f.manifest().days[day]!.files[0].rows == f.truth(day).count)
        }
    }

    @Test func anotherFormatOnTheSameLakeIsRefused() async throws {
        try await LakeFixture.with() { f in
            _ = try await f.runner().run(.sync(force: false))
            f.format = .csv
            do {
                _ = try await f.runner().run(.sync(force: false))
                Issue.record("format change accepted")
            } catch let failure as RunFailure {
                Issue.record("unexpected failure \(failure)")
            } catch let e as PipelineError {
                #expect(e.category == .configuration)
                #expect(e.message.contains("ndjson"))
            }
            let forced = try await f.runner().run(.backfill(from: f.firstDay, to: f.today.previous, force: true))
            #expect(forced.daysWritten == 5)
            #expect(try f.manifest().format == .csv)
            let files = try FileManager.default.subpathsOfDirectory(atPath: f.dir + "/events").filter { $0.hasSuffix(".gz") }
            #expect(files.allSatisfy { $0.hasSuffix(".csv.gz") })
        }
    }

    @Test func aFormatSwitchStoppedByTheQuotaIsFinishedByTheNextRun() async throws {
        try await LakeFixture.with() { f in
            _ = try await f.runner().run(.sync(force: false))
            f.format = .csv
            // The day's budget runs out after two calls (a day each): the forced switch stops part-way, with one
            // old-format day before the lookback and two inside it.
            let calls = Counter()
            let client = try f.client(gate: {
                if calls.next() > 2 { throw APIError(kind: .callBudget, request: "(not sent)", message: "budget spent") }
            })
            let all = (from: f.firstDay, to: f.today.previous)
            do {
                _ = try await f.runner(client: client).run(.backfill(from: all.from, to: all.to, force: true))
                Issue.record("the switch was not stopped by the budget")
            } catch is RunFailure {}
            let files = { try FileManager.default.subpathsOfDirectory(atPath: f.dir + "/events").filter { $0.hasSuffix(".gz") } }
            #expect(try files().contains { $0.hasSuffix(".ndjson.gz") }, "stopped part-way: both formats on disk")
            // The next night, without --force: every day still in the old format is rewritten, each fetched once.
            let summary = try await f.runner().run(.sync(force: false))
            #expect(summary.daysWritten == 3 && summary.daysUnchanged == 0, "\(summary.line)")
            let after = try files()
            #expect(after.count == 5 && after.allSatisfy { $0.hasSuffix(".csv.gz") }, "\(after)")
            #expect(try f.manifest().days.values.allSatisfy { $0.files[0].path.hasSuffix(".csv.gz") })
        }
    }

    @Test func withoutAFormatALakeKeepsTheOneItHolds() async throws {
        try await LakeFixture.with() { f in
            f.format = .csv
            _ = try await f.runner().run(.sync(force: false))
            f.format = .ndjson
            f.formatIsExplicit = false
            let summary = try await f.runner().run(.sync(force: false))
            #expect(summary.daysUnchanged == f.lookback, "re-checked in csv, nothing rewritten")
            #expect(try f.manifest().format == .csv)
        }
    }

    @Test func anotherCompressionLevelIsNoNewRevision() async throws {
        try await LakeFixture.with() { f in
            _ = try await f.runner().run(.sync(force: false))
            let before = try f.manifest()
            f.compressionLevel = 1
            let summary = try await f.runner().run(.sync(force: false))
            #expect(summary.daysWritten == 0 && summary.daysUnchanged == f.lookback)
            let after = try f.manifest()
            for (day, window) in after.days {
                #expect(window.revision == 1, "day \(day)")
                #expect(window.files == before.days[day]!.files, "the file is left as it was")
            }
        }
    }

    @Test func keepRawStoresThePagesAsReceived() async throws {
        try await LakeFixture.with() { f in
            f.keepRaw = true
            _ = try await f.runner().run(.sync(force: false))
            let day = f.today.previous
            let page = try GzipReader.decompress(
                Array(try Data(contentsOf: URL(fileURLWithPath: f.dir + "/_raw/dt=\(day)/page-00001.json.gz"))))
            let json = try JSONParser.parse(page)
            #expect(json["meta"]?["current_page"] == .number("1"))
        }
    }

    @Test func leftoverTemporaryFilesAreCleaned() async throws {
        try await LakeFixture.with() { f in
            let day = f.today.previous
            let dir = f.dir + "/events/dt=\(day)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: dir + "/.part-00000.ndjson.gz.tmp-crashed", contents: Data([1, 2, 3]))
            _ = try await f.runner().run(.sync(force: false))
            #expect(!FileManager.default.fileExists(atPath: dir + "/.part-00000.ndjson.gz.tmp-crashed"))
        }
    }
}
