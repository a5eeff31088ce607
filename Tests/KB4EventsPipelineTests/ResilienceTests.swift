import Foundation
@testable import KB4EventsAPI
import KB4EventsSimulator
import Testing

@testable import KB4EventsPipeline
@testable import KB4EventsCore

/// One test per fault class against the simulator over loopback, each ending with the lake equal to the
/// truth or with the documented error and an intact lake.
@Suite(.serialized) struct ResilienceTests {
    func expectLakeEqualsTruth(_ f: LakeFixture, days: [Day]) throws {
        for day in days {
            #expect(try f.lines(day) == f.truth(day), "day \(day)")
        }
    }

    func failure(_ body: () async throws -> Void) async -> PipelineError? {
        do {
            try await body()
            return nil
        } catch let e as RunFailure {
            return e.error as? PipelineError
        } catch let e as PipelineError {
            return e
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func perSecondThrottlingIsRetriedUntilTheLakeIsComplete() async throws {
        // 1 per second: an unpaced client (two requests at once) meets 429s unless each call takes over 2 s, even
        // on a machine loaded enough to make loopback calls take seconds (3 per second was not enough there).
        try await LakeFixture.with(events: 160, days: 2, configure: { $0.requestsPerSecond = 1; $0.maxPerPage = 5 }) { f in
            let client = try f.client()
            let summary = try await f.runner(start: f.today.previous, client: client).run(.sync(force: false))
            #expect(summary.throttled > 0, "an unpaced client meets 429s")
            try expectLakeEqualsTruth(f, days: [f.today.previous])
        }
    }

    @Test func retryAfterIsHonoured() async throws {
        try await LakeFixture.with(events: 100, days: 2, configure: {
            $0.requestsPerSecond = 1
            $0.retryAfterSeconds = 1
            $0.maxPerPage = 10
        }) { f in
            let started = ContinuousClock.now
            let client = try f.client()
            _ = try await f.runner(start: f.today.previous, client: client).run(.sync(force: false))
            #expect(client.stats.throttled > 0)
            #expect(ContinuousClock.now - started >= .seconds(1), "waited as the server asked")
            try expectLakeEqualsTruth(f, days: [f.today.previous])
        }
    }

    @Test func quotaExhaustedMidBackfillStopsThenResumesTheNextDay() async throws {
        try await LakeFixture.with(events: 300, days: 6, configure: { $0.dailyQuota = 4 }) { f in
            let from = f.firstDay
            let to = f.today.previous
            let stopped = await failure { _ = try await f.runner().run(.backfill(from: from, to: to, force: false)) }
            #expect(stopped?.category == .temporary)
            #expect(stopped?.message.contains("run again after") == true)
            let done = try f.manifest().days
            #expect(done.count >= 1 && done.count < 5, "some days completed before the quota ran out")
            for day in done.keys { #expect(try f.lines(day) == f.truth(day)) }

            f.simulator.setToday(f.today.next.description)
            var resumed = RunSummary()
            for _ in 0..<3 where (try? f.manifest().days.count) != 5 {
                _ = await failure {
                    resumed = try await f.runner(today: f.today.next).run(.backfill(from: from, to: to, force: false))
                }
                f.simulator.setToday(f.today.adding(days: 2).description)
            }
            #expect(try f.manifest().days.count == 5, "resumed: \(resumed.line)")
            try expectLakeEqualsTruth(f, days: Day.range(from, through: to))
        }
    }

    @Test(arguments: [
        "5xx=0.2", "truncate=0.2", "malformed=0.2", "utf8=0.2", "stall=0.15,stall_secs=1.5",
        "5xx=0.05,truncate=0.05,malformed=0.05,utf8=0.05",
    ])
    func transientFaultsEndWithTheTruth(spec: String) async throws {
        // ~50 pages: a 20 % fault rate is met with near certainty (0.8^50 ≈ 1e-5 to meet none).
        try await LakeFixture.with(events: 1400, days: 3, configure: {
            $0.faults = try! FaultConfiguration(spec: spec)
            $0.maxPerPage = 10
        }) { f in
            let client = try f.client(requestTimeout: 0.5)
            let start = f.today.adding(days: -2)
            _ = try await f.runner(start: start, client: client).run(.sync(force: false))
            #expect(client.stats.retries > 0, "faults were met and retried: \(f.simulator.stats.faultsInjected), calls \(client.stats.calls)")
            try expectLakeEqualsTruth(f, days: Day.range(start, through: f.today.previous))
        }
    }

    @Test func aBodyThatStaysUnparsableIsADataErrorNamingDayAndPage() async throws {
        try await LakeFixture.with(events: 100, days: 2, configure: { $0.faults = try! FaultConfiguration(spec: "malformed=1") }) { f in
            let e = await failure { _ = try await f.runner(start: f.today.previous).run(.sync(force: false)) }
            #expect(e?.category == .data)
            #expect(e?.day == f.today.previous)
            #expect(e?.page == 1)
            #expect(!FileManager.default.fileExists(atPath: f.dir + "/_manifest.json"), "nothing recorded")
        }
    }

    @Test func serverErrorsPastTheRetryBudgetAreUnavailable() async throws {
        try await LakeFixture.with(events: 50, days: 2, configure: { $0.faults = try! FaultConfiguration(spec: "5xx=1") }) { f in
            // The first call's 500s are read as a key/region problem; make the first call succeed, then fail.
            let retry = RetryPolicy(initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(20), budget: .milliseconds(300),
                                    firstCallServerErrorRetries: 1_000)
            let e = await failure {
                _ = try await f.runner(start: f.today.previous, client: try f.client(retry: retry)).run(.sync(force: false))
            }
            #expect(e?.category == .unavailable)
        }
    }

    @Test func wrongKeyIsAnAuthenticationFailure() async throws {
        for mode in [AuthFailureMode.unauthorized, .forbidden, .edge500] {
            try await LakeFixture.with(events: 50, days: 2, configure: { $0.authFailure = mode }) { f in
                let e = await failure {
                    _ = try await f.runner(start: f.today.previous, client: try f.client(key: "wrong")).run(.sync(force: false))
                }
                #expect(e?.category == .authentication, "\(mode)")
                #expect(e?.message.contains("check the key and the region") == true)
                #expect(!FileManager.default.fileExists(atPath: f.dir + "/events/dt=\(f.today.previous)"), "no empty partition left")
            }
        }
    }

    @Test func theDailyBudgetStopsBeforeSpendingPastIt() async throws {
        try await LakeFixture.with(events: 300, days: 6, configure: { $0.maxPerPage = 20 }) { f in
            let ledger = try await CallLedger.load(layout: LakeLayout(root: f.dir))
            let budget = CallBudget(limit: 6, reserve: 2, day: f.today, ledger: ledger)
            let e = await failure {
                _ = try await f.runner(client: try f.client(gate: budget.gate(useReserve: false))).run(.sync(force: false))
            }
            #expect(e?.category == .temporary)
            #expect(ledger.used(on: f.today) == 4, "stopped at the budget less the reserve")
            let reread = try await CallLedger.load(layout: LakeLayout(root: f.dir))
            #expect(reread.used(on: f.today) == 4, "persisted for the next run of the day")
            let before = f.simulator.stats.totalRequests
            let again = await failure {
                _ = try await f.runner(client: try f.client(gate: budget.gate(useReserve: false))).run(.sync(force: false))
            }
            #expect(again?.category == .temporary)
            #expect(f.simulator.stats.totalRequests == before, "no call spent past the budget")
            #expect(budget.remaining == 0)
            try budget.gate(useReserve: true)()  // the api commands may still use the reserve
            #expect(ledger.used(on: f.today) == 5)
        }
    }

    @Test func aLockedLakeIsTemporary() async throws {
        try await LakeFixture.with(events: 50, days: 2) { f in
            let lock = try DirectoryLock(directory: f.dir)
            let e = await failure { _ = try await f.runner().run(.sync(force: false)) }
            #expect(e?.category == .temporary)
            #expect(e?.message.contains("pid \(ProcessInfo.processInfo.processIdentifier)") == true)
            withExtendedLifetime(lock) {}
        }
    }

    @Test func anUnwritablePartitionIsAnOutputErrorAndKeepsTheManifest() async throws {
        try await LakeFixture.with(events: 200, days: 3) { f in
            let start = f.today.adding(days: -2)
            _ = try await f.runner(start: start).run(.backfill(from: start, to: start, force: false))
            let manifest = try String(contentsOfFile: f.dir + "/_manifest.json", encoding: .utf8)
            // A regular file where the next day's partition directory must go.
            _ = FileManager.default.createFile(atPath: f.dir + "/events/dt=\(f.today.previous)", contents: Data())
            let e = await failure { _ = try await f.runner(start: start).run(.sync(force: false)) }
            #expect(e?.category == .output)
            #expect(e?.message.contains("dt=\(f.today.previous)") == true, "names the path")
            #expect(try f.lines(start) == f.truth(start), "earlier day intact")
            let after = try f.manifest()
            #expect(after.days[f.today.previous] == nil)
            #expect(after.days[start] != nil)
            _ = manifest
        }
    }
}
