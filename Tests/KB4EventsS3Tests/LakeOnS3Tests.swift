import Foundation
@testable import KB4EventsAPI
@testable import KB4EventsPipeline
import KB4EventsSimulator
import Logging
import Synchronization
import Testing
@testable import KB4EventsCore
import KB4EventsTestSupport

/// Counts the requests a run makes to its store (the issue's "requests per day to the store").
final class CountingStore: ObjectStore {
    let inner: any ObjectStore
    let counts = Mutex<[String: Int]>([:])
    /// Seconds spent in puts (uploads), summed.
    let putSeconds = Mutex<Double>(0)
    init(_ inner: any ObjectStore) { self.inner = inner }
    var description: String { inner.description }
    func count(_ kind: String) { counts.withLock { $0[kind, default: 0] += 1 } }
    /// The counts, lease renewals left out (see `put`).
    var snapshot: [String: Int] { counts.withLock { $0.filter { $0.key != "renew_lease" && $0.key != "lease_created" } } }
    func reset() { counts.withLock { $0 = [:] } }
    func timed<T>(_ body: () async throws -> T) async rethrows -> T {
        let start = Date()
        defer { putSeconds.withLock { $0 += Date().timeIntervalSince(start) } }
        return try await body()
    }

    func putFile(_ localPath: String, key: String) async throws -> ObjectMeta {
        count(key.hasPrefix("events/") && key.hasSuffix(".gz") ? "put_data" : "put_file")
        return try await timed { try await inner.putFile(localPath, key: key) }
    }
    func put(_ bytes: [UInt8], key: String, mode: PutMode) async throws -> ObjectMeta {
        // The lease's renewals come every 30 s of a run and on a loaded machine a short run takes that long: they
        // are counted apart, so the per-day counts below do not depend on how long the run took.
        // (A takeover of another run's lease is also an update, but comes before this store saw the lease created.)
        let renewal = key == LakeLease.key && counts.withLock { c in
            if mode == .create { c["lease_created"] = 1 }
            if case .update = mode { return c["lease_created"] != nil }
            return false
        }
        count(renewal ? "renew_lease" : "put")
        return try await timed { try await inner.put(bytes, key: key, mode: mode) }
    }
    func get(_ key: String) async throws -> (bytes: [UInt8], meta: ObjectMeta)? {
        count(key.hasPrefix("events/") ? "get_data" : "get")
        return try await inner.get(key)
    }
    func download(_ key: String, to localPath: String) async throws -> ObjectMeta? {
        count(key.hasPrefix("events/") ? "get_data" : "get")
        return try await inner.download(key, to: localPath)
    }
    func head(_ key: String) async throws -> ObjectMeta? {
        count("head")
        return try await inner.head(key)
    }
    func list(prefix: String) async throws -> [ObjectMeta] {
        count("list")
        return try await inner.list(prefix: prefix)
    }
    func delete(_ key: String) async throws {
        count("delete")
        try await inner.delete(key)
    }
    func child(_ name: String) throws -> any ObjectStore { try inner.child(name) }
}

/// A store whose `n`-th put (of any kind, or of keys starting with `prefix`) fails, as a connection lost mid-run
/// would.
final class FailingStore: ObjectStore {
    let inner: any ObjectStore
    let failAt: Int
    let prefix: String
    let puts = Mutex(0)
    init(_ inner: any ObjectStore, failAt: Int, prefix: String = "") {
        self.inner = inner
        self.failAt = failAt
        self.prefix = prefix
    }
    var description: String { inner.description }
    struct Injected: Error {}
    func check(_ key: String) throws {
        guard key.hasPrefix(prefix) else { return }
        if puts.withLock({ $0 += 1; return $0 }) == failAt { throw Injected() }
    }
    func putFile(_ localPath: String, key: String) async throws -> ObjectMeta {
        try check(key)
        return try await inner.putFile(localPath, key: key)
    }
    func put(_ bytes: [UInt8], key: String, mode: PutMode) async throws -> ObjectMeta {
        try check(key)
        return try await inner.put(bytes, key: key, mode: mode)
    }
    func get(_ key: String) async throws -> (bytes: [UInt8], meta: ObjectMeta)? { try await inner.get(key) }
    func download(_ key: String, to localPath: String) async throws -> ObjectMeta? {
        try await inner.download(key, to: localPath)
    }
    func head(_ key: String) async throws -> ObjectMeta? { try await inner.head(key) }
    func list(prefix: String) async throws -> [ObjectMeta] { try await inner.list(prefix: prefix) }
    func delete(_ key: String) async throws { try await inner.delete(key) }
    func child(_ name: String) throws -> any ObjectStore { try inner.child(name) }
}

/// The export and rebuild writing a lake into S3 (moto, every signature checked) through the same commit rules as
/// on disk: the same keys and bytes as a local lake, the lease lock, the manifest by compare-and-swap.
@Suite(.serialized, .enabled(if: PythonTools.motoEnabled)) struct LakeOnS3Tests {
    static let today = Day("2026-11-22")!

    final class Fixture {
        let simulator: Simulator
        let server: Moto.Server
        let url: String
        let store: CountingStore
        let local: String
        var format: OutputFormat = .ndjson
        var keepRaw = false

        init(events: Int = 150, days: Int = 6) async throws {
            let config = SimulatorConfiguration.unpaced(
                seed: 11, events: events, days: days, today: LakeOnS3Tests.today.description, apiKey: "test-key"
            ) { $0.processingDelay = .zero }
            simulator = Simulator(configuration: config)
            _ = try await simulator.start(host: "127.0.0.1", port: 0)
            server = try await Moto.main.server()
            url = "s3://kb4-lake/\(uniquePrefix("lake"))"
            store = CountingStore(try LakeLocation(url).makeStore(environment: Self.environment(server)))
            local = NSTemporaryDirectory() + "kb4-s3-local-\(UUID().uuidString)"
        }

        static func environment(_ server: Moto.Server) -> [String: String] {
            [
                "AWS_ACCESS_KEY_ID": server.accessKey, "AWS_SECRET_ACCESS_KEY": server.secret,
                "AWS_ENDPOINT_URL_S3": server.endpoint, "AWS_REGION": "us-east-1", "HOME": "/nonexistent",
            ]
        }

        var s3Lake: LakeLayout {
            LakeLayout(root: url, store: store, workRoot: NSTemporaryDirectory() + "kb4-work-\(UUID().uuidString)")
        }

        func settings(_ lake: LakeLayout) -> ExportSettings {
            ExportSettings(
                lake: lake, format: format, keepRaw: keepRaw, startDate: LakeOnS3Tests.today.adding(days: -5),
                lookbackDays: 2, baseURL: simulator.baseURL, toolVersion: "test")
        }

        func runner(_ lake: LakeLayout) throws -> ExportRunner {
            let client = Client(
                baseURL: try BaseURL(parsing: simulator.baseURL), key: APIKey("test-key")!,
                transport: AsyncHTTPTransport(requestTimeout: 10), pacer: Pacer(requestsPerSecond: nil),
                retry: RetryPolicy(initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(50), budget: .seconds(60)),
                logger: Logger(label: "test"), gate: nil)
            return ExportRunner(
                settings: settings(lake), client: client, logger: Logger(label: "test"),
                clock: RunClock(today: LakeOnS3Tests.today, now: { Date().timeIntervalSince1970 }),
                runID: "run-\(UUID().uuidString.prefix(8))")
        }

        func close() async {
            try? await simulator.stop()
            try? FileManager.default.removeItem(atPath: local)
        }

        static func with(events: Int = 150, days: Int = 6, _ body: (Fixture) async throws -> Void) async throws {
            let f = try await Fixture(events: events, days: days)
            do { try await body(f) } catch {
                await f.close()
                throw error
            }
            await f.close()
        }
    }

    /// Two processes' ledgers on one lake in S3 (a run and an `api` command): each writes behind by compare-and-swap,
    /// and the one that loses the swap adds its own calls to the other's counts.
    @Test func twoLedgersOnOneLakeLoseNoCall() async throws {
        try await Fixture.with { f in
            let day = LakeOnS3Tests.today
            let a = try await CallLedger.load(layout: f.s3Lake)
            let b = try await CallLedger.load(layout: f.s3Lake)
            for _ in 0..<5 { _ = try a.record(on: day) }
            for _ in 0..<3 { _ = try b.record(on: day) }
            _ = try b.record(on: day.previous)
            #expect(f.store.snapshot["put"] == nil, "nothing written per call")
            try await a.close()
            try await b.close()  // loses the swap to a's write, merges, writes again
            #expect(b.used(on: day) == 8 && b.used(on: day.previous) == 1)
            for _ in 0..<2 { _ = try a.record(on: day) }
            try await a.close()  // loses the swap to b's write
            let reread = try await CallLedger.load(layout: f.s3Lake)
            #expect(reread.used(on: day) == 10 && reread.used(on: day.previous) == 1)
            let puts = f.store.snapshot["put"] ?? 0
            try await reread.close()
            #expect(f.store.snapshot["put"] ?? 0 == puts, "no call made, nothing written")
        }
    }

    @Test(arguments: [OutputFormat.ndjson, .csv]) func aSyncIntoS3GivesTheLocalLakesKeysAndBytes(_ format: OutputFormat)
        async throws
    {
        try await Fixture.with { f in
            f.format = format
            _ = try await f.runner(LakeLayout(root: f.local)).run(.sync(force: false))
            let summary = try await f.runner(f.s3Lake).run(.sync(force: false))
            let requests = f.store.snapshot
            let local = try #require(try Manifest.load(from: f.local + "/_manifest.json"))
            #expect(summary.daysWritten == local.days.count && local.days.count == 5)
            let remote = try #require(try await Manifest.load(from: f.store)).manifest
            #expect(remote.days.count == 5 && remote.format == format)
            for (day, window) in local.days {
                let mine = try #require(remote.days[day])
                #expect(mine.events == window.events && mine.files.count == 1, "day \(day)")
                #expect(mine.files[0].sha256 == window.files[0].sha256, "same bytes as on disk: day \(day)")
                #expect(mine.files[0].path == window.files[0].path)
                let object = try #require(try await f.store.get(mine.files[0].path))
                let file = try Data(contentsOf: URL(fileURLWithPath: f.local + "/" + window.files[0].path))
                #expect(object.bytes == Array(file))
                #expect(try await f.store.head("events/dt=\(day)/_SUCCESS") != nil)
            }
            let keys = try await f.store.list(prefix: "").map(\.key)
            #expect(keys.filter { !$0.hasPrefix("events/") } == ["_manifest.json"], "lease released: \(keys)")
            #expect(requests["put_data"] == 5, "one data object per day: \(requests)")
            // Per written day: PUT data, LIST the partition, PUT _SUCCESS, PUT manifest; per run: GET manifest,
            // PUT lease, HEAD + DELETE lease.
            #expect(requests == ["put_data": 5, "list": 5, "put": 5 + 5 + 1, "get": 1, "head": 1, "delete": 1], "\(requests)")
            print("S3 requests, first sync of 5 days (\(format)): \(requests)")

            // A rerun re-checks the lookback days from the manifest and a HEAD each: no data object is written
            // or read.
            f.store.reset()
            let etags = try await f.store.list(prefix: "events/").map(\.etag)
            let again = try await f.runner(f.s3Lake).run(.sync(force: false))
            #expect(again.daysWritten == 0 && again.daysUnchanged == 2, "\(again.line)")
            let rerun = f.store.snapshot
            #expect(rerun["put_data"] == nil && rerun["get_data"] == nil, "\(rerun)")
            // Per re-checked day: HEAD data, HEAD _SUCCESS, PUT manifest (the LIST is this test's own, above).
            #expect(rerun == ["head": 2 * 2 + 1, "put": 2 + 1, "get": 1, "delete": 1, "list": 1], "\(rerun)")
            #expect(try await f.store.list(prefix: "events/").map(\.etag) == etags)
            print("S3 requests, rerun re-checking 2 days (\(format)): \(rerun)")
        }
    }

    /// A run that stops at any put (the lease, a data object, a `_SUCCESS`, the manifest) leaves a lake the next run
    /// finishes to exactly the keys and bytes of an uninterrupted run.
    @Test func aRunStoppedAtAnyPutIsFinishedExactlyByTheNext() async throws {
        try await Fixture.with { f in
            _ = try await f.runner(f.s3Lake).run(.sync(force: false))
            var reference: [String: [UInt8]] = [:]
            for object in try await f.store.list(prefix: "events/") {
                reference[object.key] = try #require(try await f.store.get(object.key)).bytes
            }
            let expectedDays = try #require(try await Manifest.load(from: f.store)).manifest.days.keys.sorted()
            let environment = Fixture.environment(f.server)
            for failAt in [2, 4] {
                let url = "s3://kb4-lake/\(uniquePrefix("stopped"))"
                let store = try LakeLocation(url).makeStore(environment: environment)
                let work = NSTemporaryDirectory() + "kb4-work-\(UUID().uuidString)"
                let failing = LakeLayout(root: url, store: FailingStore(store, failAt: failAt), workRoot: work)
                do {
                    _ = try await f.runner(failing).run(.sync(force: false))
                    Issue.record("put \(failAt) did not stop the run")
                } catch {}
                let summary = try await f.runner(LakeLayout(root: url, store: store, workRoot: work))
                    .run(.sync(force: false))
                #expect(summary.daysWritten + summary.daysUnchanged + summary.daysSkipped == 5, "stopped at put \(failAt): \(summary.line)")
                var found: [String: [UInt8]] = [:]
                for object in try await store.list(prefix: "events/") {
                    found[object.key] = try #require(try await store.get(object.key)).bytes
                }
                #expect(found == reference, "stopped at put \(failAt): same keys and bytes")
                #expect(try await Manifest.load(from: store)?.manifest.days.keys.sorted() == expectedDays)
                #expect(try await store.head(LakeLease.key) == nil)
            }
        }
    }

    /// keep_raw: a day's raw pages are in the lake before the manifest records it, so a run stopped while putting
    /// them never leaves a recorded day without its pages; a re-checked unchanged day keeps its pages (no PUT).
    @Test func aDayIsRecordedOnlyOnceItsRawPagesAreInTheLake() async throws {
        try await Fixture.with { f in
            f.keepRaw = true
            let url = "s3://kb4-lake/\(uniquePrefix("raw-order"))"
            let store = try LakeLocation(url).makeStore(environment: Fixture.environment(f.server))
            let work = NSTemporaryDirectory() + "kb4-work-\(UUID().uuidString)"
            let failing = LakeLayout(root: url, store: FailingStore(store, failAt: 3, prefix: "_raw/"), workRoot: work)
            do {
                _ = try await f.runner(failing).run(.sync(force: false))
                Issue.record("the third raw page's put did not stop the run")
            } catch {}
            let recorded = try await Manifest.load(from: store)?.manifest.days.keys.sorted() ?? []
            let rawDays = Set(try await store.list(prefix: "_raw/dt=").compactMap { Day(String($0.key.dropFirst(8).prefix(10))) })
            #expect(recorded.count < 5, "the failed put stopped the run before its last day")
            #expect(Set(recorded).isSubset(of: rawDays), "recorded \(recorded), raw pages for \(rawDays.sorted())")

            let counting = CountingStore(store)
            let lake = LakeLayout(root: url, store: counting, workRoot: work)
            _ = try await f.runner(lake).run(.sync(force: false))
            #expect(Set(try await store.list(prefix: "_raw/dt=").compactMap { Day(String($0.key.dropFirst(8).prefix(10))) }).count == 5)
            counting.reset()
            let again = try await f.runner(lake).run(.sync(force: false))
            #expect(again.daysUnchanged == 2)
            #expect(counting.snapshot["put_file"] == nil, "unchanged days keep their raw pages: \(counting.snapshot)")
        }
    }

    @Test func rebuildReadsTheRawObjectsAndSwitchesTheFormat() async throws {
        try await Fixture.with { f in
            f.keepRaw = true
            let lake = f.s3Lake
            _ = try await f.runner(lake).run(.sync(force: false))
            #expect(try await !f.store.list(prefix: "_raw/dt=").isEmpty)
            f.format = .csv
            let summary = try await Rebuilder(
                settings: f.settings(f.s3Lake), logger: Logger(label: "test"),
                clock: RunClock(today: LakeOnS3Tests.today, now: { Date().timeIntervalSince1970 }), runID: "rebuild-1"
            ).run(from: nil, to: nil)
            #expect(summary.daysWritten == 5)
            let manifest = try #require(try await Manifest.load(from: f.store)).manifest
            #expect(manifest.format == .csv)
            let data = try await f.store.list(prefix: "events/").map(\.key).filter { $0.hasSuffix(".gz") }
            #expect(data.count == 5 && data.allSatisfy { $0.hasSuffix(".csv.gz") }, "\(data)")
        }
    }

    @Test func aSecondRunIsRefusedNamingTheHolderAndAnExpiredLeaseIsTakenOver() async throws {
        try await Fixture.with { f in
            let held = try await LakeLease.acquire(
                store: f.store, lakeName: f.url, runID: "first-run", now: { Date().timeIntervalSince1970 })
            do {
                _ = try await f.runner(f.s3Lake).run(.sync(force: false))
                Issue.record("a second run went through")
            } catch let error as PipelineError {
                #expect(error.category == .temporary && error.code == "locked")
                #expect("\(error)".contains("first-run") && "\(error)".contains("pid \(getpid())"), "\(error)")
            }
            await held.release()
            #expect(try await f.store.head(LakeLease.key) == nil, "released")

            // A lease left by a killed run (expired) is taken over.
            _ = try await LakeLease.acquire(
                store: f.store, lakeName: f.url, runID: "killed-run", ttl: -1, now: { Date().timeIntervalSince1970 })
            let summary = try await f.runner(f.s3Lake).run(.sync(force: false))
            #expect(summary.daysWritten == 5)
            #expect(try await f.store.head(LakeLease.key) == nil, "the run released the lease it took over")
        }
    }

    @Test func aLeaseIsRenewedWhileHeldAndARenewalAfterATakeOverFails() async throws {
        try await Fixture.with { f in
            let lease = try await LakeLease.acquire(
                store: f.store, lakeName: f.url, runID: "renewing", ttl: 120, now: { Date().timeIntervalSince1970 })
            let before = try #require(try await f.store.get(LakeLease.key))
            try await Task.sleep(nanoseconds: 1_100_000_000)
            try await lease.renew()
            let after = try #require(try await f.store.get(LakeLease.key))
            #expect(after.meta.etag != before.meta.etag)
            #expect(String(decoding: after.bytes, as: UTF8.self).contains("\"run_id\":\"renewing\""))
            #expect(after.bytes != before.bytes, "the expiry moved")
            #expect(await lease.isHeld())
            // Another run takes the lease over (as after an expiry): this run no longer holds it (so it does not
            // record itself), its next renewal fails, and its release leaves the other run's lease alone.
            _ = try await f.store.put(Array("{}".utf8), key: LakeLease.key, mode: .update(etag: after.meta.etag))
            #expect(await !lease.isHeld())
            await #expect(throws: PipelineError.self) { try await lease.renew() }
            #expect(await lease.lost)
            await lease.release()
            #expect(try await f.store.head(LakeLease.key) != nil)
            try await f.store.delete(LakeLease.key)
        }
    }

    /// `ensureHeld`, checked before every manifest swap: a lease still this run's is renewed when it nears its
    /// expiry; one taken over (while the run stalled) stops the run with `lease_lost`.
    @Test func aRunThatLostItsLeaseIsStoppedBeforeItsNextManifestSwap() async throws {
        try await Fixture.with { f in
            let clock = Mutex(Date().timeIntervalSince1970)
            let now: @Sendable () -> Double = { clock.withLock { $0 } }
            let lease = try await LakeLease.acquire(store: f.store, lakeName: f.url, runID: "mine", ttl: 120, now: now)
            try await lease.ensureHeld()
            let first = try #require(try await f.store.head(LakeLease.key))
            clock.withLock { $0 += 115 }  // near its expiry (a stall): renewed, still ours
            try await lease.ensureHeld()
            let renewed = try #require(try await f.store.head(LakeLease.key))
            #expect(renewed.etag != first.etag)
            clock.withLock { $0 += 200 }  // stalled past its expiry, and another run took it over meanwhile
            _ = try await f.store.put(Array(#"{"run_id":"theirs"}"#.utf8), key: LakeLease.key, mode: .update(etag: renewed.etag))
            await #expect(throws: PipelineError.self) { try await lease.ensureHeld() }
            #expect(await lease.lost)
            try await f.store.delete(LakeLease.key)
        }
    }

    /// A crafted or damaged lease (a pid beyond pid_t, an absurd expiry) is read without crashing.
    @Test func aCraftedLeaseIsReadSafely() async throws {
        try await Fixture.with { f in
            let far = #"{"run_id":"x","host":"h","pid":99999999999,"expires_unix":1e300}"#
            _ = try await f.store.put(Array(far.utf8), key: LakeLease.key, mode: .overwrite)
            let holder = await RunLock.holder(f.s3Lake, now: Date().timeIntervalSince1970)
            #expect(holder?.pid == 0 && holder?.host == "h")
            await #expect(throws: PipelineError.self) {
                _ = try await LakeLease.acquire(
                    store: f.store, lakeName: f.url, runID: "mine", now: { Date().timeIntervalSince1970 })
            }
            try await f.store.delete(LakeLease.key)
        }
    }

    @Test func verifyCatchesACorruptedAndAMissingObject() async throws {
        try await Fixture.with { f in
            _ = try await f.runner(f.s3Lake).run(.sync(force: false))
            let manifest = try #require(try await Manifest.load(from: f.store)).manifest
            let clean = try await LakeVerifier(layout: f.s3Lake).verify(manifest)
            #expect(clean.problems.isEmpty && clean.filesChecked == 5, "\(clean.problems)")
            let days = manifest.days.keys.sorted()
            let corrupted = manifest.days[days[1]]!.files[0].path
            var bytes = try #require(try await f.store.get(corrupted)).bytes
            bytes[bytes.count / 2] ^= 0x40
            _ = try await f.store.put(bytes, key: corrupted, mode: .overwrite)
            let missing = manifest.days[days[3]]!.files[0].path
            try await f.store.delete(missing)
            try await f.store.put([1], key: "events/dt=\(days[0])/part-00001.ndjson.gz", mode: .overwrite)
            let report = try await LakeVerifier(layout: f.s3Lake).verify(manifest)
            let kinds = Set(report.problems.map { "\($0.path) \($0.kind.rawValue)" })
            #expect(kinds.contains("\(corrupted) checksum_mismatch"), "\(report.problems)")
            #expect(kinds.contains("\(missing) missing_file"), "\(report.problems)")
            #expect(kinds.contains("events/dt=\(days[0])/part-00001.ndjson.gz extra_file"), "\(report.problems)")
        }
    }

    @Test func aWrongSecretIsAConfigurationErrorNamingBucketKeyAndCodeButNotTheSecret() async throws {
        try await Fixture.with { f in
            let secret = "wrong-secret-\(UUID().uuidString)"
            var environment = Fixture.environment(f.server)
            environment["AWS_SECRET_ACCESS_KEY"] = secret
            let store = try LakeLocation(f.url).makeStore(environment: environment)
            let lake = LakeLayout(root: f.url, store: store, workRoot: NSTemporaryDirectory() + "kb4-work-\(UUID().uuidString)")
            do {
                _ = try await f.runner(lake).run(.sync(force: false))
                Issue.record("a wrong secret went through")
            } catch let error as PipelineError {
                let text = "\(error)"
                #expect(error.category == .configuration, "\(text)")
                #expect(text.contains("kb4-lake") && text.contains(".kb4-events.lock") && text.contains("SignatureDoesNotMatch"), "\(text)")
                #expect(!text.contains(secret) && !text.contains(f.server.secret))
            }
        }
    }

    @Test func aManifestChangedBehindTheRunsBackIsNotOverwritten() async throws {
        try await Fixture.with { f in
            _ = try await f.runner(f.s3Lake).run(.sync(force: false))
            let read = try #require(try await Manifest.load(from: f.store))
            var other = read.manifest
            other.baseURL = "http://another-writer"
            _ = try await other.save(to: f.store, replacing: read.etag)
            do {
                _ = try await read.manifest.save(to: f.store, replacing: read.etag)
                Issue.record("a stale manifest replaced a newer one")
            } catch let error as PipelineError {
                #expect(error.category == .temporary && error.code == "manifest_changed")
            }
            #expect(try await Manifest.load(from: f.store)?.manifest.baseURL == "http://another-writer")
        }
    }

    /// `KB4_EVENTS_S3_MEASURE_EVENTS=300000 swift test --filter backfillMeasurement`: the same backfill on disk and
    /// into moto; prints wall time, time inside uploads, requests and peak RSS (of the whole test process, simulator
    /// included, so only the growth from the disk run to the S3 run says something about the S3 path).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["KB4_EVENTS_S3_MEASURE_EVENTS"] != nil))
    func backfillMeasurement() async throws {
        let events = Int(ProcessInfo.processInfo.environment["KB4_EVENTS_S3_MEASURE_EVENTS"]!)!
        try await Fixture.with(events: events, days: 31) { f in try await measure(f) }
    }

    func measure(_ f: Fixture) async throws {
        let from = LakeOnS3Tests.today.adding(days: -30)
        let to = LakeOnS3Tests.today.previous
        func maxRSS() -> Int {
            var usage = rusage()
            getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
            return usage.ru_maxrss / 1024
        }
        let rss0 = maxRSS()
        var start = Date()
        let local = try await f.runner(LakeLayout(root: f.local)).run(.backfill(from: from, to: to, force: false))
        let localSeconds = Date().timeIntervalSince(start)
        let rss1 = maxRSS()
        start = Date()
        let remote = try await f.runner(f.s3Lake).run(.backfill(from: from, to: to, force: false))
        let s3Seconds = Date().timeIntervalSince(start)
        let rss2 = maxRSS()
        let bytes = try await f.store.list(prefix: "events/").reduce(0) { $0 + $1.size }
        print(
            "MEASURE events=\(local.events)/\(remote.events) days=\(remote.daysWritten) disk_run=\(String(format: "%.1f", localSeconds))s s3_run=\(String(format: "%.1f", s3Seconds))s s3_time_in_puts=\(String(format: "%.2f", f.store.putSeconds.withLock { $0 }))s data_bytes=\(bytes) requests=\(f.store.snapshot) peak_rss_MiB start=\(rss0) after_disk=\(rss1) after_s3=\(rss2)"
        )
        #expect(remote.events == local.events)
    }
}
