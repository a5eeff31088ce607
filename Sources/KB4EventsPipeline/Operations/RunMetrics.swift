/// The metrics of one export run in the Prometheus text format, for node_exporter's textfile collector:
/// written atomically (hidden temp file in the same directory, then rename), so a scrape never sees half a file.
/// Every series carries the account's label (`kb4_events_events{account="acme"} 123`), so the files of many
/// accounts can share one collector directory; the series names are those of the unlabelled files before them.
struct RunMetrics: Sendable, Equatable {
    /// The `account` label of every series.
    package var account: String
    /// What the run did (a failed run: what it did before stopping).
    package var summary: RunSummary
    /// The process exit code.
    package var exitCode: Int
    /// When the run ended (seconds since the epoch).
    var finishedAt: Double
    /// When a run last succeeded: this run's end on success, else carried over from the previous file.
    var lastSuccess: Double?
    /// Calls exports may still spend today; nil (omitted) when the budget is unknown.
    var callsLeftToday: Int?

    /// The exposition text: `# HELP`, `# TYPE` and one sample per metric.
    package var text: String {
        var out = ""
        func gauge(_ name: String, _ help: String, _ value: String?) {
            guard let value else { return }
            out += "# HELP kb4_events_\(name) \(help)\n# TYPE kb4_events_\(name) gauge\n"
            out += Self.sample("kb4_events_\(name)", labels: [("account", account)], value: value)
        }
        func int(_ v: Int) -> String { String(v) }
        gauge(
            "last_success_timestamp_seconds", "End of the last run that exited 0 (Unix time).",
            lastSuccess.map { seconds($0) })
        gauge(
            "last_run_timestamp_seconds", "End of the last run, whatever its outcome (Unix time).", seconds(finishedAt))
        gauge(
            "run_duration_seconds", "Duration of the last run.",
            String((summary.durationSeconds * 1000).rounded() / 1000))
        gauge("run_exit_code", "Exit code of the last run (0 success, 75 temporary, see the README).", int(exitCode))
        gauge("windows_written", "Days written (new or revised) by the last run.", int(summary.daysWritten))
        gauge("windows_unchanged", "Days re-checked by the last run and found unchanged.", int(summary.daysUnchanged))
        gauge("events", "Events in the days the last run wrote or re-checked.", int(summary.events))
        gauge("api_calls", "API calls spent by the last run (retries included).", int(summary.apiCalls))
        gauge("retries", "Calls the last run retried.", int(summary.retries))
        gauge("throttled_responses", "HTTP 429 responses the last run received.", int(summary.throttled))
        gauge(
            "unused_requests", "Requests the last run made ahead whose answers it did not need.",
            int(summary.unusedRequests))
        gauge("peak_in_flight", "The most requests the last run kept waiting for answers at once.", int(summary.peakInFlight))
        gauge(
            "calls_left_today", "Calls exports may still spend today under the daily budget.",
            callsLeftToday.map(int))
        return out
    }

    /// Writes the file atomically, readable by everyone whatever the umask: node_exporter runs as another user (the
    /// systemd unit's `UMask=0027` would leave it unreadable), and metrics hold nothing secret.
    package func write(to path: String) throws {
        try FileSystem.writeAtomically(Array(text.utf8), to: path, mode: 0o644)
    }

    /// The last success timestamp of an existing metrics file, labelled or not (a file an older kb4-events wrote);
    /// nil when there is none or no such sample.
    static func previousLastSuccess(at path: String) -> Double? {
        guard FileSystem.exists(path), let bytes = try? FileSystem.read(path) else { return nil }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            if let value = value(of: "kb4_events_last_success_timestamp_seconds", in: line) { return value }
        }
        return nil
    }

    /// One sample line of the text format: `name{label="value",…} value`, or `name value` with no labels.
    static func sample(_ name: String, labels: [(String, String)], value: String) -> String {
        let set = labels.map { "\($0.0)=\"\(escapedLabelValue($0.1))\"" }.joined(separator: ",")
        return labels.isEmpty ? "\(name) \(value)\n" : "\(name){\(set)} \(value)\n"
    }

    /// A label value as the text format writes it: backslash, double quote and line feed escaped.
    static func escapedLabelValue(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The value of `line` when it is a sample of `name`, with or without labels; nil for any other line.
    static func value(of name: String, in line: Substring) -> Double? {
        guard line.hasPrefix(name) else { return nil }
        var rest = line.dropFirst(name.count)
        if rest.first == "{" {
            // The label set ends at the first `}` outside a quoted value (values may hold `}` and `\"`).
            var end: Substring.Index?
            var quoted = false
            var escaped = false
            for i in rest.indices.dropFirst() {
                let c = rest[i]
                if escaped {
                    escaped = false
                } else if quoted {
                    if c == "\\" { escaped = true } else if c == "\"" { quoted = false }
                } else if c == "\"" {
                    quoted = true
                } else if c == "}" {
                    end = i
                    break
                }
            }
            guard let end else { return nil }
            rest = rest[rest.index(after: end)...]
        }
        // A space, not more name: `kb4_events_events_x` is not `kb4_events_events`.
        guard rest.first == " " else { return nil }
        return Double(rest.drop { $0 == " " }.prefix { $0 != " " })
    }

    private func seconds(_ v: Double) -> String { String(Int64(v.rounded(.down))) }
}
