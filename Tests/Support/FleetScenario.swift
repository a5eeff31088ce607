package import Foundation

/// A fleet of lakes made by real exports of the built binary against a simulator of four accounts
/// (`simulate --accounts 4`: keys `sim-key-0` … `sim-key-3`), and what `status --fleet` must say about them. Used with
/// the lakes in a directory and in S3, so both are told apart by the same rules.
package enum FleetScenario {
    /// Today for every command (the simulator's too); yesterday is 2026-11-19.
    package static let today = "2026-11-20"
    /// Accounts the simulator serves.
    package static let accounts = 4
    /// Simulator flags for `simulate` (or the same values in-process): 20 days of data ending `today`.
    package static let seed: UInt64 = 3
    package static let events = 400
    package static let days = 20

    /// The exports, in order: lake name, API key, arguments, the exit status expected.
    ///   acme: a sync of 2026-11-10 … 11-19 (healthy);
    ///   globex: the same sync five days earlier (`--today 2026-11-15`): 5 days behind yesterday (stale);
    ///   initech: backfills of 11-10 … 11-13 and 11-16 … 11-19, leaving 11-14 … 11-15 out (gaps);
    ///   umbrella: a sync, then a sync with a wrong key, recorded as exit 77 (failed).
    package static func runs(fleet: String, baseURL: String) -> [(lake: String, key: String, args: [String], status: Int32)] {
        let source = ["--base-url", baseURL, "--requests-per-second", "50", "--quiet"]
        func sync(_ lake: String, today: String = today) -> [String] {
            ["sync", "--out", fleet + "/" + lake, "--start-date", "2026-11-10", "--today", today] + source
        }
        func backfill(_ lake: String, _ from: String, _ to: String) -> [String] {
            ["backfill", "--out", fleet + "/" + lake, "--from", from, "--to", to, "--today", today] + source
        }
        return [
            ("acme", "sim-key-0", sync("acme"), 0),
            ("globex", "sim-key-1", sync("globex", today: "2026-11-15"), 0),
            ("initech", "sim-key-2", backfill("initech", "2026-11-10", "2026-11-13"), 0),
            ("initech", "sim-key-2", backfill("initech", "2026-11-16", "2026-11-19"), 0),
            ("umbrella", "sim-key-3", sync("umbrella"), 0),
            ("umbrella", "not-a-key", sync("umbrella"), 77),
        ]
    }

    /// Runs `runs` with the built binary, `environment` plus the run's key; returns what each run gave, in order.
    package static func build(fleet: String, baseURL: String, environment: [String: String]) async throws
        -> [(expected: Int32, result: CommandResult)]
    {
        var results: [(expected: Int32, result: CommandResult)] = []
        for run in runs(fleet: fleet, baseURL: baseURL) {
            var env = environment
            env["KB4_EVENTS_API_KEY"] = run.key
            results.append((run.status, try await BuiltBinary.run(run.args, environment: env)))
        }
        return results
    }

    /// What the fleet view said about one lake.
    package struct Seen: Sendable, Equatable, CustomStringConvertible {
        package var attention: [String]
        package var daysBehind: Int?
        package var gapDays: Int?
        package var exitCode: Int?

        package init(attention: [String], daysBehind: Int?, gapDays: Int?, exitCode: Int?) {
            self.attention = attention
            self.daysBehind = daysBehind
            self.gapDays = gapDays
            self.exitCode = exitCode
        }

        package var description: String {
            "attention \(attention), behind \(daysBehind.map(String.init) ?? "nil"), gaps \(gapDays.map(String.init) ?? "nil"), exit \(exitCode.map(String.init) ?? "nil")"
        }
    }

    /// The four exported lakes, plus `broken` (a folder whose `_manifest.json` is not JSON), with the default
    /// thresholds.
    package static let expected: [String: Seen] = [
        "acme": Seen(attention: [], daysBehind: 0, gapDays: 0, exitCode: 0),
        "globex": Seen(attention: ["stale"], daysBehind: 5, gapDays: 0, exitCode: 0),
        "initech": Seen(attention: ["gaps"], daysBehind: 0, gapDays: 2, exitCode: 0),
        "umbrella": Seen(attention: ["failed"], daysBehind: 0, gapDays: 0, exitCode: 77),
        "broken": Seen(attention: ["unreadable"], daysBehind: nil, gapDays: nil, exitCode: nil),
    ]

    /// The bytes of `broken/_manifest.json`.
    package static let brokenManifest = Array("{\"version\": 1, \"windows\": ".utf8)

    /// Each row of `status --fleet --output json`, by lake name.
    package static func seen(json: [String: Any]) -> [String: Seen] {
        var rows: [String: Seen] = [:]
        for row in json["rows"] as? [[String: Any]] ?? [] {
            guard let name = row["name"] as? String else { continue }
            rows[name] = Seen(
                attention: row["attention"] as? [String] ?? ["?"], daysBehind: row["days_behind"] as? Int,
                gapDays: row["gap_days"] as? Int, exitCode: (row["last_run"] as? [String: Any])?["exit_code"] as? Int)
        }
        return rows
    }

    /// The table of `status --fleet` (text): the cells of each row (separated by two spaces or more), by lake name.
    package static func cells(text: String) -> [String: [String]] {
        var rows: [String: [String]] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst() {
            if line.isEmpty { break }
            let cells = line.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
            if let name = cells.first { rows[name] = cells }
        }
        return rows
    }

    /// The ATTENTION cell `expected` gives a lake in the table.
    package static func attentionCell(_ seen: Seen) -> String {
        seen.attention.isEmpty ? "-" : seen.attention.joined(separator: ", ")
    }
}
