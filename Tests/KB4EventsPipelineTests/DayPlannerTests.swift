import Testing
@testable import KB4EventsCore
@testable import KB4EventsPipeline

@Suite struct DayPlannerTests {
    let today = Day("2026-11-22")!

    @Test func yesterdayIsTheLastDay() {
        #expect(DayPlanner(today: today).yesterday.description == "2026-11-21")
    }

    @Test func syncFetchesIncompleteAndRechecksLookback() {
        let planner = DayPlanner(today: today)
        let complete: Set<Day> = Set(["2026-11-15", "2026-11-16", "2026-11-19", "2026-11-20"].compactMap(Day.init))
        let plan = planner.sync(start: Day("2026-11-15")!, lookbackDays: 3, complete: complete)
        #expect(plan.fetch.map(\.description) == ["2026-11-17", "2026-11-18", "2026-11-21"])
        #expect(plan.recheck.map(\.description) == ["2026-11-19", "2026-11-20"])
        #expect(plan.skip.map(\.description) == ["2026-11-15", "2026-11-16"])
    }

    @Test func syncNeverTouchesToday() {
        let plan = DayPlanner(today: today).sync(start: today, lookbackDays: 3, complete: [])
        #expect(plan.fetch.isEmpty && plan.recheck.isEmpty)
    }

    @Test func backfillClampsToYesterday() {
        let plan = DayPlanner(today: today).backfill(
            from: Day("2026-11-20")!, to: Day("2026-11-30")!, force: false, complete: [Day("2026-11-20")!])
        #expect(plan.fetch.map(\.description) == ["2026-11-21"])
        #expect(plan.skip.map(\.description) == ["2026-11-20"])
        #expect(plan.clampedFrom?.description == "2026-11-30")
    }

    @Test func backfillForceRefetchesComplete() {
        let plan = DayPlanner(today: today).backfill(
            from: Day("2026-11-20")!, to: Day("2026-11-21")!, force: true, complete: [Day("2026-11-20")!])
        #expect(plan.fetch.count == 2)
        #expect(plan.clampedFrom == nil)
    }
}
