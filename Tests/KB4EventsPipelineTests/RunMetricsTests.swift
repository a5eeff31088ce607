import Foundation
import Testing

@testable import KB4EventsCore
@testable import KB4EventsPipeline

struct RunMetricsTests {
    /// A small parser of the Prometheus text format: every sample needs a HELP and a TYPE line before it,
    /// a valid metric name and a numeric value. Returns name → value.
    func parse(_ text: String) throws -> [String: Double] {
        var samples: [String: Double] = [:]
        var help = Set<String>()
        var type = Set<String>()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { continue }
            let parts = line.split(separator: " ", maxSplits: 3).map(String.init)
            if parts[0] == "#" {
                try #require(parts.count >= 3)
                if parts[1] == "HELP" { help.insert(parts[2]) }
                if parts[1] == "TYPE" {
                    try #require(parts.count == 4 && ["gauge", "counter"].contains(parts[3]))
                    type.insert(parts[2])
                }
                continue
            }
            try #require(parts.count == 2, "sample line \(line)")
            let name = parts[0]
            #expect(name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") } && name.first!.isLetter)
            #expect(help.contains(name) && type.contains(name), "HELP and TYPE precede \(name)")
            guard let value = Double(parts[1]) else {
                Issue.record("value of \(name) is not a number: \(parts[1])")
                continue
            }
            samples[name] = value
        }
        #expect(text.hasSuffix("\n"))
        return samples
    }

    func summary() -> RunSummary {
        var s = RunSummary.empty
        s.daysWritten = 3
        s.daysUnchanged = 2
        s.events = 1712
        s.apiCalls = 26
        s.retries = 1
        s.throttled = 4
        s.durationSeconds = 7.25
        return s
    }

    @Test func aSuccessfulRunParsesWithEveryMetric() throws {
        let metrics = RunMetrics(
            summary: summary(), exitCode: 0, finishedAt: 1_795_380_000.7, lastSuccess: 1_795_380_000.7,
            callsLeftToday: 2464)
        let samples = try parse(metrics.text)
        #expect(samples["kb4_events_last_success_timestamp_seconds"] == 1_795_380_000)
        #expect(samples["kb4_events_run_duration_seconds"] == 7.25)
        #expect(samples["kb4_events_run_exit_code"] == 0)
        #expect(samples["kb4_events_windows_written"] == 3)
        #expect(samples["kb4_events_windows_unchanged"] == 2)
        #expect(samples["kb4_events_events"] == 1712)
        #expect(samples["kb4_events_api_calls"] == 26)
        #expect(samples["kb4_events_retries"] == 1)
        #expect(samples["kb4_events_throttled_responses"] == 4)
        #expect(samples["kb4_events_calls_left_today"] == 2464)
    }

    @Test func aFailedRunCarriesTheLastSuccessOverAndOmitsAnUnknownBudget() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kb4-metrics-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/kb4_events.prom"
        try RunMetrics(summary: summary(), exitCode: 0, finishedAt: 1000, lastSuccess: 1000, callsLeftToday: nil)
            .write(to: path)
        let previous = RunMetrics.previousLastSuccess(at: path)
        #expect(previous == 1000)
        try RunMetrics(summary: .empty, exitCode: 75, finishedAt: 2000, lastSuccess: previous, callsLeftToday: nil)
            .write(to: path)
        let samples = try parse(try String(contentsOfFile: path, encoding: .utf8))
        #expect(samples["kb4_events_last_success_timestamp_seconds"] == 1000)
        #expect(samples["kb4_events_last_run_timestamp_seconds"] == 2000)
        #expect(samples["kb4_events_run_exit_code"] == 75)
        #expect(samples["kb4_events_calls_left_today"] == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["kb4_events.prom"], "no temp file left")
    }

    @Test func noPreviousFileMeansNoLastSuccess() throws {
        #expect(RunMetrics.previousLastSuccess(at: "/nonexistent/kb4.prom") == nil)
        let text = RunMetrics(summary: .empty, exitCode: 69, finishedAt: 5, lastSuccess: nil, callsLeftToday: 0).text
        let samples = try parse(text)
        #expect(samples["kb4_events_last_success_timestamp_seconds"] == nil)
        #expect(samples["kb4_events_calls_left_today"] == 0)
    }
}
