import Foundation
@testable import KB4EventsAPI
import KB4EventsSimulator
import Testing

@testable import KB4EventsPipeline
@testable import KB4EventsCore

/// An API whose `occurred_date` filter is an account's local day (the simulator's filter at an offset): the tool
/// names the offset when it is not set, and with it (or `auto`) exports exact UTC days at N + 1 API days.
@Suite(.serialized) struct DayFilterOffsetTests {
    static let offsets = [-300, 120, 330]

    func fixture(offset: Int, _ body: (LakeFixture) async throws -> Void) async throws {
        try await LakeFixture.with(events: 700, days: 7, configure: { c in
            c.dayFilterOffsetMinutes = offset
            c.maxPerPage = 25
        }, body)
    }

    /// The calls a backfill of `days` costs: every page of every API day that overlaps them, each fetched once.
    func expectedCalls(_ f: LakeFixture, offset: Int, days: [Day]) -> Int {
        let filter = DayFilterOffset(minutes: offset)!
        let millis = f.simulator.truthLines().compactMap { line -> Int64? in
            guard let range = line.range(of: "\"occurred_date\":\"") else { return nil }
            return parseTimestampMillis(String(line[range.upperBound...].prefix(24)))
        }
        return filter.apiDays(for: days).reduce(0) { sum, api in
            let window = filter.range(ofAPIDay: api)
            let count = millis.filter { window.contains($0) }.count
            return sum + max(1, (count + 24) / 25)
        }
    }

    @Test(arguments: offsets)
    func withoutTheSettingTheRunStopsNamingTheOffset(offset: Int) async throws {
        try await fixture(offset: offset) { f in
            do {
                _ = try await f.runner().run(.backfill(from: f.firstDay, to: f.today.previous, force: false))
                Issue.record("a UTC-day export of local-day answers must stop")
            } catch let e as RunFailure {
                let error = try #require(e.error as? PipelineError)
                #expect(error.category == .data)
                let name = DayFilterOffset(minutes: offset)!.description
                #expect(error.message.contains("UTC\(name)"), "\(error.message)")
                #expect(error.message.contains("day_filter_offset: \"\(name)\""), "\(error.message)")
            }
            #expect(try Manifest.load(from: f.dir + "/_manifest.json")?.days.isEmpty ?? true, "nothing recorded")
        }
    }

    @Test(arguments: offsets, [false, true])
    func withTheOffsetOrAutoTheLakeIsTheUTCTruth(offset: Int, auto: Bool) async throws {
        try await fixture(offset: offset) { f in
            f.dayFilter = auto ? .auto : .fixed(DayFilterOffset(minutes: offset)!)
            f.format = auto ? .csv : .ndjson
            let days = Day.range(f.firstDay, through: f.today.previous)
            let summary = try await f.runner().run(.backfill(from: f.firstDay, to: f.today.previous, force: false))
            #expect(summary.daysWritten == days.count)
            let m = try f.manifest()
            #expect(m.dayFilterOffset == DayFilterOffset(minutes: offset), "recorded, so later runs keep it")
            for day in days {
                #expect(m.days[day]?.events == f.truth(day).count, "day \(day)")
            }
            // N UTC days cost the pages of N + 1 API days, each fetched once.
            #expect(f.simulator.stats.totalRequests == expectedCalls(f, offset: offset, days: days))
            #expect(summary.unusedRequests == 0)
            if !auto {
                for day in days { #expect(try f.lines(day) == f.truth(day), "day \(day)") }
            }
            // A nightly sync later: backdated events on a closed day are caught by the lookback, at the offset.
            let late = f.today.adding(days: -2)
            _ = f.simulator.insertEvent(occurredAt: "\(late)T23:59:59.999Z", description: "late, last instant")
            _ = f.simulator.insertEvent(occurredAt: "\(late)T00:00:00.000Z", description: "late, first instant")
            f.dayFilter = .auto
            let again = try await f.runner().run(.sync(force: false))
            #expect(again.daysWritten == 1, "only the day with new events is rewritten")
            #expect(try f.manifest().days[late]?.events == f.truth(late).count)
            if !auto { #expect(try f.lines(late) == f.truth(late)) }
        }
    }

    @Test func autoNeverGuessesFromTooFewEvents() async throws {
        // Three events: their instants leave many offsets open. auto must not pick one (a wrong sign would leave
        // part of every UTC day unfetched, silently).
        try await LakeFixture.with(events: 0, days: 20, configure: { $0.dayFilterOffsetMinutes = 120 }) { f in
            let day = f.today.adding(days: -10)
            for time in ["\(day)T12:00:00.000Z", "\(day.next)T12:00:00.000Z", "\(day.next)T23:00:00.000Z"] {
                _ = f.simulator.insertEvent(occurredAt: time)
            }
            f.dayFilter = .auto
            do {
                _ = try await f.runner().run(.backfill(from: day, to: day, force: false))
                Issue.record("auto must not decide from three events")
            } catch let e as RunFailure {
                let error = try #require(e.error as? PipelineError)
                #expect(error.category == .configuration && error.code == "day_filter_undecided", "\(error)")
            }
            #expect(try Manifest.load(from: f.dir + "/_manifest.json")?.days.isEmpty ?? true, "nothing recorded")
        }
    }

    @Test func aRunWithAnotherOffsetThanTheLakesIsRefused() async throws {
        try await fixture(offset: -300) { f in
            f.dayFilter = .fixed(DayFilterOffset("-05:00")!)
            _ = try await f.runner().run(.backfill(from: f.firstDay, to: f.today.previous, force: false))
            // None asked for: the lake's own.
            f.dayFilter = nil
            #expect(try await f.runner().run(.sync(force: false)).daysWritten == 0)
            f.dayFilter = .fixed(.utc)
            do {
                _ = try await f.runner().run(.sync(force: false))
                Issue.record("another offset than the lake's must be refused")
            } catch let e as RunFailure {
                let error = try #require(e.error as? PipelineError)
                #expect(error.category == .configuration)
                #expect(error.message.contains("UTC-05:00") && error.message.contains("UTC+00:00"), "\(error.message)")
            }
        }
    }

    @Test func planCountsTheExtraAPIDayOfEachRunOfDays() throws {
        var settings = ExportSettings(lake: LakeLayout(root: "/nonexistent"), format: .ndjson, baseURL: "x", toolVersion: "t")
        let today = Day("2026-11-22")!
        let request = RunRequest.backfill(from: Day("2026-11-01")!, to: Day("2026-11-10")!, force: false)
        let budget = ExportPlan.Budget(limit: nil, reserve: 0, usedToday: 0)
        let utc = ExportPlan.make(request: request, settings: settings, manifest: nil, today: today, budget: budget, eventsPerDay: 100)
        settings.dayFilter = .fixed(DayFilterOffset("-05:00")!)
        let local = ExportPlan.make(request: request, settings: settings, manifest: nil, today: today, budget: budget, eventsPerDay: 100)
        #expect(utc.totalCalls == 10 * 2)
        #expect(local.totalCalls == 11 * 2, "ten UTC days need eleven API days")
    }

    @Test func offsetsParseAndGiveTheirAPIDays() {
        let d = Day("2026-11-10")!
        #expect(DayFilterOffset("-05:00")!.minutes == -300)
        #expect(DayFilterOffset("+05:30")!.description == "+05:30")
        #expect(DayFilterOffset("+15:00") == nil && DayFilterOffset("5") == nil)
        #expect(DayFilterOffset("-05:00")!.apiDays(for: d) == [d.previous, d])
        #expect(DayFilterOffset("+02:00")!.apiDays(for: d) == [d, d.next])
        #expect(DayFilterOffset.utc.apiDays(for: d) == [d])
        #expect(DayFilterOffset("-05:00")!.apiDays(for: Day.range(d, through: d.adding(days: 29))).count == 31)
    }
}
