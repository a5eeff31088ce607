import Foundation
import Testing

@testable import KB4EventsCore
@testable import KB4EventsPipeline

struct RunMetricsTests {
    /// A small parser of the Prometheus text format: every sample needs a HELP and a TYPE line before it, a valid
    /// metric name, an `account` label and a numeric value. Returns name → value; `accounts` collects the labels
    /// (unescaped as the format says).
    func parse(_ text: String, accounts: inout Set<String>) throws -> [String: Double] {
        var samples: [String: Double] = [:]
        var help = Set<String>()
        var type = Set<String>()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3).map(String.init)
                try #require(parts.count >= 3)
                if parts[1] == "HELP" { help.insert(parts[2]) }
                if parts[1] == "TYPE" {
                    try #require(parts.count == 4 && ["gauge", "counter"].contains(parts[3]))
                    type.insert(parts[2])
                }
                continue
            }
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            var rest = line.dropFirst(name.count)
            #expect(name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") } && name.first!.isLetter)
            #expect(help.contains(name) && type.contains(name), "HELP and TYPE precede \(name)")
            try #require(rest.hasPrefix("{account=\""), "sample line without the account label: \(line)")
            rest = rest.dropFirst("{account=\"".count)
            var value = ""
            while let c = rest.first, c != "\"" {
                rest = rest.dropFirst()
                if c == "\\" {
                    let next = try #require(rest.first, "a lone backslash in \(line)")
                    rest = rest.dropFirst()
                    try #require(["\\", "\"", "n"].contains(next), "unknown escape \\\(next) in \(line)")
                    value.append(next == "n" ? "\n" : next)
                } else {
                    value.append(c)
                }
            }
            try #require(rest.hasPrefix("\"} "), "label set not closed in \(line)")
            accounts.insert(value)
            let number = String(rest.dropFirst(3))
            guard let v = Double(number) else {
                Issue.record("value of \(name) is not a number: \(number)")
                continue
            }
            samples[name] = v
        }
        #expect(text.hasSuffix("\n"))
        return samples
    }

    /// `parse`, checking that every sample is labelled `account`.
    func parse(_ text: String, account: String = "acme") throws -> [String: Double] {
        var accounts = Set<String>()
        let samples = try parse(text, accounts: &accounts)
        #expect(accounts == [account])
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
            account: "acme", summary: summary(), exitCode: 0, finishedAt: 1_795_380_000.7, lastSuccess: 1_795_380_000.7,
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
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/kb4_events.prom"
        try RunMetrics(account: "acme", summary: summary(), exitCode: 0, finishedAt: 1000, lastSuccess: 1000, callsLeftToday: nil)
            .write(to: path)
        let previous = RunMetrics.previousLastSuccess(at: path)
        #expect(previous == 1000)
        try RunMetrics(account: "acme", summary: .empty, exitCode: 75, finishedAt: 2000, lastSuccess: previous, callsLeftToday: nil)
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
        let text = RunMetrics(account: "acme", summary: .empty, exitCode: 69, finishedAt: 5, lastSuccess: nil, callsLeftToday: 0).text
        let samples = try parse(text)
        #expect(samples["kb4_events_last_success_timestamp_seconds"] == nil)
        #expect(samples["kb4_events_calls_left_today"] == 0)
    }
}

extension RunMetricsTests {
    /// The series names of the unlabelled files before issue 21, which dashboards and alerts use.
    static let seriesNames: Set<String> = [
        "kb4_events_last_success_timestamp_seconds", "kb4_events_last_run_timestamp_seconds",
        "kb4_events_run_duration_seconds", "kb4_events_run_exit_code", "kb4_events_windows_written",
        "kb4_events_windows_unchanged", "kb4_events_events", "kb4_events_api_calls", "kb4_events_retries",
        "kb4_events_throttled_responses", "kb4_events_unused_requests", "kb4_events_peak_in_flight",
        "kb4_events_calls_left_today",
    ]

    @Test func everySeriesKeepsItsNameAndCarriesTheAccount() throws {
        let text = RunMetrics(
            account: "acme", summary: summary(), exitCode: 0, finishedAt: 10, lastSuccess: 10, callsLeftToday: 5
        ).text
        #expect(Set(try parse(text).keys) == Self.seriesNames)
        #expect(text.contains("\nkb4_events_events{account=\"acme\"} 1712\n"), "\(text)")
    }

    @Test(arguments: ["a\"b", "back\\slash", "two\nlines", "all \\\" } \n of them", "plain"])
    func labelValuesAreEscapedAndReadBack(account: String) throws {
        let text = RunMetrics(
            account: account, summary: summary(), exitCode: 0, finishedAt: 10, lastSuccess: 10, callsLeftToday: nil
        ).text
        #expect(text.split(separator: "\n").count == 3 * 12, "one line per HELP, TYPE and sample: no raw line feed")
        _ = try parse(text, account: account)
    }

    @Test(arguments: ["all \\\" } \n of them", "acme"])
    func theLastSuccessIsReadBackFromALabelledFile(account: String) throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/kb4_events.prom"
        try RunMetrics(account: account, summary: summary(), exitCode: 0, finishedAt: 1234, lastSuccess: 1234, callsLeftToday: nil)
            .write(to: path)
        #expect(RunMetrics.previousLastSuccess(at: path) == 1234)
    }

    @Test func theLastSuccessIsReadBackFromAnOlderUnlabelledFile() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/kb4_events.prom"
        // As kb4-events wrote it before issue 21.
        let old = """
            # HELP kb4_events_last_success_timestamp_seconds End of the last run that exited 0 (Unix time).
            # TYPE kb4_events_last_success_timestamp_seconds gauge
            kb4_events_last_success_timestamp_seconds 1795380000
            # HELP kb4_events_last_run_timestamp_seconds End of the last run, whatever its outcome (Unix time).
            # TYPE kb4_events_last_run_timestamp_seconds gauge
            kb4_events_last_run_timestamp_seconds 1795390000

            """
        try old.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(RunMetrics.previousLastSuccess(at: path) == 1_795_380_000)
    }

    @Test(arguments: [
        ("kb4_events_events 5", 5.0),
        ("kb4_events_events{account=\"acme\"} 6", 6),
        ("kb4_events_events{account=\"a}\\\"b\"} 7 1700000000000", 7),
        ("kb4_events_events_total 8", nil),
        ("kb4_events_events{account=\"unclosed 9", nil),
        ("kb4_events_eventsx{account=\"acme\"} 10", nil),
        ("# HELP kb4_events_events 11", nil),
    ] as [(String, Double?)])
    func aSampleIsReadByItsNameOnly(line: String, expected: Double?) {
        #expect(RunMetrics.value(of: "kb4_events_events", in: Substring(line)) == expected)
    }

    func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kb4-metrics-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
