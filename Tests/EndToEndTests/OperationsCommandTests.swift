import Foundation
import KB4EventsTestSupport
import Testing

/// `plan`, `status`, `verify`, `ddl` and `--metrics-file` through the built binary, on the demo pipeline's lake.
@Suite(.serialized) struct OperationsCommandTests {
    let cli = CommandTests()
    let demo = CommandTests.root + "/pipelines/demo.yaml"
    let today = "2026-11-22"

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "JSON: \(text)")
    }

    @Test(arguments: ["ndjson", "csv"])
    func planSyncStatusVerifyAndDuckDBOnTheDemoLake(format: String) async throws {
        let dir = try cli.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let lake = dir + "/lake"
        let common = ["--pipeline", demo, "--out", lake, "--today", today, "--format", format]

        let fresh = try await cli.run(["plan"] + common + ["--seats", "5", "--events-per-day", "150"])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        let plan = try json(fresh.stdout)
        #expect((plan["windows"] as? [Any])?.count == 13)
        #expect(plan["fetch"] as? Int == 13)
        #expect(plan["estimated_calls"] as? Int == 13 * 3)
        #expect((plan["budget"] as? [String: Any])?["remaining_today"] as? Int == 40)
        #expect(plan["days_of_budget"] as? Int == 1)
        #expect(!FileManager.default.fileExists(atPath: lake), "plan creates nothing")

        let metrics = dir + "/kb4_events.prom"
        let sync = try await cli.run(["sync"] + common + ["--metrics-file", metrics])
        #expect(sync.status == 0, "\(sync.stderr)")
        #expect(!sync.stderr.contains("\r"), "no progress line without a terminal")
        let prom = try String(contentsOfFile: metrics, encoding: .utf8)
        // The account is the pipeline file's base name (demo.yaml has no `name`).
        #expect(prom.contains("# TYPE kb4_events_run_exit_code gauge\nkb4_events_run_exit_code{account=\"demo\"} 0\n"))
        #expect(prom.contains("kb4_events_windows_written{account=\"demo\"} 13\n"))
        #expect(!prom.contains("calls_left_today"), "no seats: unknown budget, omitted")

        let again = try json(try await cli.run(["plan"] + common).stdout)
        #expect(again["fetch"] as? Int == 0)
        let windows = try #require(again["windows"] as? [[String: Any]])
        #expect(windows.map { $0["action"] as? String } == ["recheck", "recheck", "recheck"])
        #expect(windows.allSatisfy { $0["basis"] as? String == "history" })

        let statusRun = try await cli.run(["status", "--json"] + common)
        #expect(statusRun.status == 0, "\(statusRun.stderr)")
        let status = try json(statusRun.stdout)
        #expect(status["format"] as? String == format)
        #expect(status["complete"] as? Int == 13)
        #expect(status["lookback"] as? Int == 3)
        #expect(status["missing"] as? Int == 0)
        #expect((status["gaps"] as? [Any])?.isEmpty == true)
        let lastRun = try #require(status["last_run"] as? [String: Any])
        #expect(lastRun["outcome"] as? String == "success")
        #expect(lastRun["exit_code"] as? Int == 0)
        #expect(lastRun["command"] as? String == "sync")
        #expect((status["calls"] as? [String: Any])?["used_today"] as? Int == lastRun["api_calls"] as? Int)

        let verify = try await cli.run(["verify", "--out", lake])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout == "verified 13 files, 0 problems\n")

        try await checkDuckDBView(lake: lake, dir: dir)

        // A damaged file: exit 65 and the path is named.
        let victim = "events/dt=2026-11-10/part-00000.\(format).gz"
        let url = URL(fileURLWithPath: lake + "/" + victim)
        var bytes = Array(try Data(contentsOf: url))
        bytes[bytes.count - 3] ^= 0xFF
        try Data(bytes).write(to: url)
        let damaged = try await cli.run(["verify", "--out", lake])
        #expect(damaged.status == 65)
        #expect(damaged.stdout.contains(victim + ": checksum_mismatch"))
        #expect(damaged.stdout.hasSuffix("problems\n") && damaged.stdout.contains("verified 13 files, "))
    }

    /// Runs the statements of `ddl --engine duckdb` in DuckDB and compares per-day counts with the manifest.
    func checkDuckDBView(lake: String, dir: String) async throws {
        let ddl = try await cli.run(["ddl", "--engine", "duckdb", "--out", lake])
        #expect(ddl.status == 0, "\(ddl.stderr)")
        let sql = dir + "/view.sql"
        try ddl.stdout.write(toFile: sql, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [
            "python3", "-c",
            """
            import json, sys
            try:
                import duckdb
            except ImportError:
                print("NO-DUCKDB"); sys.exit(0)
            con = duckdb.connect()
            con.execute(open(sys.argv[1]).read())
            rows = con.sql("SELECT CAST(dt AS VARCHAR), count(*), count(DISTINCT id) FROM kb4_events GROUP BY 1 ORDER BY 1").fetchall()
            types = dict((r[0], r[1]) for r in con.sql("DESCRIBE kb4_events").fetchall())
            print(json.dumps({"counts": {d: n for d, n, _ in rows}, "distinct": {d: k for d, _, k in rows}, "types": types}))
            """,
            sql,
        ]
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        await p.exited()
        #expect(p.terminationStatus == 0, "\(errText)")
        if text.hasPrefix("NO-DUCKDB") {
            #expect(ProcessInfo.processInfo.environment["CI"] == nil, "DuckDB is required in CI: pip install duckdb")
            print("note: python3 duckdb not installed; skipping the DuckDB view check")
            return
        }
        let result = try json(text)
        let counts = try #require(result["counts"] as? [String: Int])
        let manifest = try json(try String(contentsOfFile: lake + "/_manifest.json", encoding: .utf8))
        let windows = try #require(manifest["windows"] as? [String: [String: Any]])
        var expected: [String: Int] = [:]
        for (day, w) in windows where (w["events"] as? Int ?? 0) > 0 { expected[day] = w["events"] as? Int }
        #expect(!expected.isEmpty)
        #expect(counts == expected, "per-day counts through the ddl view equal the manifest")
        #expect(result["distinct"] as? [String: Int] == expected, "ids are unique per day")
        let types = try #require(result["types"] as? [String: String])
        #expect(types["dt"] == "DATE")
        #expect(types["occurred_date"] == "TIMESTAMP WITH TIME ZONE")
    }

    @Test func aFailedRunIsRecordedAndKeepsTheLastSuccessInTheMetrics() async throws {
        let dir = try cli.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let lake = dir + "/lake"
        let metrics = dir + "/kb4_events.prom"
        let common = ["--pipeline", demo, "--out", lake, "--today", today, "--metrics-file", metrics]
        let ok = try await cli.run(["backfill", "--from", "2026-11-20", "--to", "2026-11-21"] + common)
        #expect(ok.status == 0, "\(ok.stderr)")
        let success = try #require(
            try String(contentsOfFile: metrics, encoding: .utf8).split(separator: "\n")
                .first { $0.hasPrefix("kb4_events_last_success_timestamp_seconds{account=\"demo\"} ") })

        let refused = try await cli.run(["sync", "--format", "csv"] + common)
        #expect(refused.status == 78, "another format on the lake is refused: \(refused.stderr)")
        let prom = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(prom.contains("kb4_events_run_exit_code{account=\"demo\"} 78\n"))
        #expect(prom.contains(success + "\n"), "the last success is carried over")
        let status = try json(try await cli.run(["status", "--json", "--out", lake, "--today", today]).stdout)
        let lastRun = try #require(status["last_run"] as? [String: Any])
        #expect(lastRun["outcome"] as? String == "failure")
        #expect(lastRun["account"] as? String == "demo")
        #expect(lastRun["exit_code"] as? Int == 78)
        #expect((lastRun["error"] as? String)?.contains("refusing to mix") == true)
        #expect(status["complete"] as? Int == 2)
    }

    @Test func noLakeIsExit66ForStatusVerifyAndDDL() async throws {
        let dir = try cli.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for args in [["status"], ["verify"], ["ddl", "--engine", "duckdb"]] {
            let r = try await cli.run(args + ["--out", dir + "/nothing"])
            #expect(r.status == 66, "\(args): \(r.stderr)")
            #expect(r.stderr.contains("no kb4-events lake at \(dir)/nothing"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/nothing"))
        let athena = try await cli.run(["ddl", "--engine", "athena", "--out", dir])
        #expect(athena.status == 64, "athena needs --location")
    }
}
