@testable import KB4EventsAPI
import Testing

@testable import KB4EventsPipeline
@testable import KB4EventsCore

/// The small rules behind issue 12: suggestions, outcomes, the lake's source, the summary's wording.
@Suite struct OperatorRulesTests {
    @Test func suggestsTheNearestName() {
        #expect(NameSuggestion.nearest(to: "stauts", among: ["sync", "status", "plan"]) == "status")
        #expect(NameSuggestion.nearest(to: "--form", among: ["--from", "--format", "--to"]) == "--from")
        #expect(NameSuggestion.nearest(to: "--lookback", among: ["--lookback-days", "--out"]) == "--lookback-days")
        #expect(
            NameSuggestion.nearest(to: "requests_per_secnd", among: ["requests_per_second", "seats"])
                == "requests_per_second")
        #expect(NameSuggestion.nearest(to: "zzz", among: ["sync", "status"]) == nil)
    }

    @Test func outcomeFollowsTheExitCode() {
        #expect(RunRecord.outcome(exitCode: 0) == "success")
        #expect(RunRecord.outcome(exitCode: 130) == "interrupted")
        #expect(RunRecord.outcome(exitCode: 143) == "interrupted")
        #expect(RunRecord.outcome(exitCode: 75) == "failure")
    }

    @Test func oneRetryIsSingular() {
        var s = RunSummary()
        s.retries = 1
        #expect(s.line.contains("(1 retry, 0 throttled)"))
        s.retries = 2
        #expect(s.line.contains("(2 retries, 0 throttled)"))
    }

    @Test func aLakeFromAnotherSourceIsRefusedUnlessItMoved() throws {
        var manifest = Manifest(format: .ndjson, baseURL: "https://api-eu.events.knowbe4.com")
        var settings = ExportSettings(
            lake: LakeLayout(root: "/tmp/x"), format: .ndjson, baseURL: "https://api.events.knowbe4.com",
            toolVersion: "t")
        // An empty lake takes any source.
        try settings.checkSource(against: manifest)
        manifest.days[Day("2026-11-20")!] = Manifest.DayRecord(
            events: 0, revision: 1, files: [], apiCalls: 1, duplicatesDropped: 0, firstOccurred: nil,
            lastOccurred: nil, completedAt: "2026-11-21T02:00:00Z", checkedAt: "2026-11-21T02:00:00Z", runID: "r",
            toolVersion: "t")
        #expect(throws: PipelineError.self) { try settings.checkSource(against: manifest) }
        settings.sourceChanged = true
        try settings.checkSource(against: manifest)
        // Loopback hosts (a simulator's new port) match each other.
        settings.sourceChanged = false
        settings.baseURL = "http://127.0.0.1:4000"
        manifest.baseURL = "http://127.0.0.1:5000"
        try settings.checkSource(against: manifest)
    }

    @Test func everyBadPipelineValueIsReported() {
        do {
            _ = try PipelineConfiguration.parse(
                yaml: "version: 1\nsource:\n  sets: 4\n  seats: 0\nwindow:\n  lookback_days: -1\n", file: "p.yaml")
            Issue.record("should fail")
        } catch {
            #expect(error.reason.contains("3 problems"))
            #expect(error.reason.contains("source.sets") && error.reason.contains("did you mean 'seats'?"))
            #expect(error.reason.contains("source.seats") && error.reason.contains("window.lookback_days"))
        }
    }
}
