import Foundation
@testable import KB4EventsAPI
import KB4EventsSimulator
import Testing

@testable import KB4EventsPipeline
@testable import KB4EventsCore

@Suite(.serialized) struct LakeStatusTests {
    @Test func partialLakeShowsGapsLookbackRevisionsAndTheLastRun() async throws {
        try await LakeFixture.with { f in
            let yesterday = f.today.previous
            _ = try await f.runner().run(.backfill(from: f.firstDay, to: f.firstDay, force: false))
            _ = try await f.runner().run(.backfill(from: yesterday.previous, to: yesterday, force: false))
            var manifest = try f.manifest()
            manifest.days[yesterday]!.revision = 2
            var summary = RunSummary.empty
            summary.events = 7
            summary.apiCalls = 3
            let record = RunRecord(
                command: "sync", runID: "r1", startedAt: "2026-11-22T02:00:00Z", finishedAt: "2026-11-22T02:01:00Z",
                exitCode: 75, error: "quota", summary: summary)
            let status = LakeStatus.make(
                root: f.dir, manifest: manifest, start: nil, lookbackDays: 1, today: f.today, lastRun: record,
                budget: ExportPlan.Budget(limit: 100, reserve: 10, usedToday: 12))
            let json = status.json
            #expect(json["first_day"]?.stringValue == f.firstDay.description)
            #expect(json["last_day"]?.stringValue == yesterday.description)
            #expect(json["format"]?.stringValue == "ndjson")
            #expect(json["complete"]?.numberText == "3")
            #expect(json["lookback"]?.numberText == "1")
            #expect(json["missing"]?.numberText == "2")
            let gaps = try #require(json["gaps"]?.arrayValue)
            #expect(gaps.count == 1)
            #expect(gaps.first?["from"]?.stringValue == f.firstDay.next.description)
            #expect(gaps.first?["to"]?.stringValue == f.firstDay.adding(days: 2).description)
            #expect(gaps.first?["days"]?.numberText == "2")
            #expect(json["revised"]?.arrayValue?.first?["day"]?.stringValue == yesterday.description)
            let days = try #require(json["days"]?.arrayValue)
            #expect(days.count == 5)
            #expect(days.last?["state"]?.stringValue == "lookback")
            #expect(days.last?["revision"]?.numberText == "2")
            #expect(days[1]["state"]?.stringValue == "missing")
            #expect(days[1]["events"] == .null)
            #expect(days[0]["events"]?.numberText == String(f.truth(f.firstDay).count))
            #expect(json["last_run"]?["outcome"]?.stringValue == "failure")
            #expect(json["last_run"]?["exit_code"]?.numberText == "75")
            #expect(json["last_run"]?["api_calls"]?.numberText == "3")
            #expect(json["calls"]?["used_today"]?.numberText == "12")
            #expect(json["calls"]?["daily_limit"]?.numberText == "100")
            #expect(json["calls"]?["remaining_today"]?.numberText == "78")
            #expect(status.text.contains("gaps: \(f.firstDay.next) … \(f.firstDay.adding(days: 2)) (2 days)"))
            #expect(status.text.contains("revised: \(yesterday) (revision 2)"))
        }
    }

    @Test func aConfiguredStartDateBeforeTheLakeCountsAsMissing() {
        let today = Day("2026-11-22")!
        let status = LakeStatus.make(
            root: "/lake", manifest: nil, start: Day("2026-11-19")!, lookbackDays: 3, today: today, lastRun: nil,
            budget: ExportPlan.Budget(limit: nil, reserve: 10, usedToday: 0))
        #expect(status.days.map(\.state) == [.missing, .missing, .missing])
        #expect(status.gaps.map(\.days) == [3])
        #expect(status.json["calls"]?["daily_limit"] == .null)
        #expect(status.json["last_run"] == .null)
    }
}
