import Foundation
@testable import KB4EventsAPI
import KB4EventsSimulator
import Testing

@testable import KB4EventsPipeline
@testable import KB4EventsCore

@Suite(.serialized) struct ExportPlanTests {
    func settings(_ f: LakeFixture) -> ExportSettings {
        ExportSettings(
            lake: LakeLayout(root: f.dir), format: f.format, startDate: f.firstDay, lookbackDays: f.lookback,
            perPage: 100, baseURL: f.simulator.baseURL, toolVersion: "test")
    }

    let noBudget = ExportPlan.Budget(limit: nil, reserve: 10, usedToday: 0)

    @Test func freshLakeFetchesEveryDayWithGuessedCallsAndWritesNothing() async throws {
        try await LakeFixture.with { f in
            let plan = ExportPlan.make(
                request: .sync(force: false), settings: settings(f),
                manifest: try Manifest.load(from: f.dir + "/_manifest.json"),
                today: f.today, budget: ExportPlan.Budget(limit: 30, reserve: 10, usedToday: 4), eventsPerDay: 250)
            let days = Day.range(f.firstDay, through: f.today.previous)
            #expect(plan.days.map(\.day) == days)
            #expect(plan.days.allSatisfy { $0.action == .fetch && $0.basis == .guess && $0.estimatedCalls == 4 })
            #expect(plan.totalCalls == 4 * days.count)
            #expect(plan.budget.remaining == 16)
            // 20 calls: 16 left today, then 4 of the 20 a fresh day allows.
            #expect(plan.daysOfBudget == 2)
            #expect(!FileManager.default.fileExists(atPath: f.dir), "a plan creates nothing")
        }
    }

    @Test func partialLakeUsesTheCallHistoryAndPlansTheLookback() async throws {
        try await LakeFixture.with { f in
            let yesterday = f.today.previous
            _ = try await f.runner().run(.backfill(from: f.firstDay, to: f.firstDay.adding(days: 1), force: false))
            _ = try await f.runner().run(.backfill(from: yesterday, to: yesterday, force: false))
            let manifest = try f.manifest()
            let plan = ExportPlan.make(
                request: .sync(force: false), settings: settings(f), manifest: manifest, today: f.today,
                budget: noBudget,
                eventsPerDay: 100)
            let missing = Day.range(f.firstDay.adding(days: 2), through: yesterday.previous)
            #expect(plan.days.filter { $0.action == .fetch }.map(\.day) == missing)
            #expect(
                plan.days.filter { $0.action == .fetch }.allSatisfy { $0.basis == .guess && $0.estimatedCalls == 2 })
            let recheck = try #require(plan.days.first { $0.action == .recheck })
            #expect(recheck.day == yesterday, "lookback 2: only yesterday is complete inside it")
            #expect(recheck.basis == .history)
            #expect(recheck.estimatedCalls == manifest.days[yesterday]!.apiCalls)
            #expect(plan.skipped == 2)
            #expect(plan.daysOfBudget == nil, "no seats: the budget is unknown")
            #expect(plan.json["budget"]?["remaining_today"] == .null)
        }
    }

    @Test func backfillPlanClampsAndForceRefetchesCompleteDays() async throws {
        try await LakeFixture.with { f in
            _ = try await f.runner().run(.backfill(from: f.firstDay, to: f.firstDay, force: false))
            let manifest = try f.manifest()
            let plain = ExportPlan.make(
                request: .backfill(from: f.firstDay, to: f.today.adding(days: 3), force: false), settings: settings(f),
                manifest: manifest, today: f.today, budget: noBudget, eventsPerDay: 0)
            #expect(plain.clampedFrom == f.today.adding(days: 3))
            #expect(plain.days.first?.day == f.firstDay.next)
            #expect(plain.days.last?.day == f.today.previous)
            #expect(plain.skipped == 1)
            let forced = ExportPlan.make(
                request: .backfill(from: f.firstDay, to: f.firstDay, force: true), settings: settings(f),
                manifest: manifest, today: f.today, budget: noBudget, eventsPerDay: 0)
            #expect(forced.days.map(\.day) == [f.firstDay])
            #expect(forced.days[0].basis == .history)
        }
    }

    @Test(arguments: [
        // (total calls, limit, reserve, used today, expected days)
        (0, 100, 10, 0, 0 as Int?), (50, 100, 10, 0, 1), (90, 100, 10, 0, 1), (91, 100, 10, 0, 2),
        (100, 100, 10, 90, 3), (10, 10, 10, 0, nil),
    ])
    func daysOfBudget(total: Int, limit: Int, reserve: Int, used: Int, expected: Int?) {
        let plan = ExportPlan(
            days: total == 0
                ? []
                : [ExportPlan.PlannedDay(day: Day("2026-11-01")!, action: .fetch, estimatedCalls: total, basis: .guess)],
            skipped: 0, today: Day("2026-11-22")!, clampedFrom: nil,
            budget: ExportPlan.Budget(limit: limit, reserve: reserve, usedToday: used), eventsPerDay: 100)
        #expect(plan.daysOfBudget == expected)
    }

    @Test func tableNamesEveryWindowAndTheBudget() {
        let plan = ExportPlan(
            days: [
                ExportPlan.PlannedDay(day: Day("2026-11-20")!, action: .fetch, estimatedCalls: 3, basis: .guess),
                ExportPlan.PlannedDay(day: Day("2026-11-21")!, action: .recheck, estimatedCalls: 7, basis: .history),
            ], skipped: 4, today: Day("2026-11-22")!, clampedFrom: nil,
            budget: ExportPlan.Budget(limit: 2500, reserve: 10, usedToday: 5), eventsPerDay: 150)
        let table = plan.table
        #expect(table.contains("2026-11-20  fetch    3"))
        #expect(table.contains("2026-11-21  recheck  7"))
        #expect(table.contains("estimated API calls: 10"))
        #expect(table.contains("5 of 2500 used, 2485 left for exports"))
        #expect(table.contains("days of budget needed: 1"))
    }
}
