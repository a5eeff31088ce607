import Foundation
import KB4EventsTestSupport
import Testing

/// `status --fleet DIR` through the built binary over lakes exported by the built binary from `simulate --accounts 4`:
/// a healthy, a stale, a gapped, a failed and an unreadable lake told apart in the table, the JSON and the exit code.
@Suite(.serialized) struct FleetStatusCommandTests {
    let cli = CommandTests()

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "JSON: \(text)")
    }

    @Test func aFleetInADirectoryIsToldApartInTableJSONAndExitCode() async throws {
        let dir = try cli.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (simulator, url) = try Process.simulator(
            [
                "--accounts", String(FleetScenario.accounts), "--seed", String(FleetScenario.seed), "--events",
                String(FleetScenario.events), "--days", String(FleetScenario.days), "--today", FleetScenario.today,
                "--rps", "0",
            ], key: "")
        defer { simulator.stop() }
        try #require(url.hasPrefix("http://127.0.0.1:"), "the simulator started")

        let fleet = dir + "/lakes"
        let env = ProcessInfo.processInfo.environment.filter { $0.key != "KB4_EVENTS_API_KEY" }
        for (expected, result) in try await FleetScenario.build(fleet: fleet, baseURL: url, environment: env) {
            #expect(result.status == expected, "\(result.stderr)")
        }
        // Part A's run record names the account; a record that has the field is shown by it.
        let record = fleet + "/acme/_state/last_run.json"
        var object = try json(String(contentsOfFile: record, encoding: .utf8))
        object["account"] = "Acme Corp"
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: record))
        try FileManager.default.createDirectory(atPath: fleet + "/broken", withIntermediateDirectories: true)
        try Data(FleetScenario.brokenManifest).write(to: URL(fileURLWithPath: fleet + "/broken/_manifest.json"))
        try FileManager.default.createDirectory(atPath: fleet + "/notes", withIntermediateDirectories: true)
        try Data("not a lake".utf8).write(to: URL(fileURLWithPath: fleet + "/notes/README"))

        let common = ["status", "--fleet", fleet, "--today", FleetScenario.today]
        let jsonRun = try await cli.run(common + ["--output", "json"])
        #expect(jsonRun.status == 79, "a lake needs attention: \(jsonRun.stderr)")
        let view = try json(jsonRun.stdout)
        #expect(FleetScenario.seen(json: view) == FleetScenario.expected)
        #expect(view["lakes"] as? Int == 5)
        #expect(view["needs_attention"] as? Int == 4)
        #expect(view["not_lakes"] as? [String] == ["notes"])
        #expect(view["store_requests"] is NSNull, "a directory sends no request")
        let rows = try #require(view["rows"] as? [[String: Any]])
        #expect(rows.map { $0["name"] as? String } == ["acme", "broken", "globex", "initech", "umbrella"])
        let byName = Dictionary(uniqueKeysWithValues: rows.map { ($0["name"] as! String, $0) })
        #expect(byName["acme"]?["account"] as? String == "Acme Corp")
        #expect(byName["globex"]?["account"] as? String == "globex", "no account in the record: the folder's name")
        let acmeRun = try #require(byName["acme"]?["last_run"] as? [String: Any])
        #expect(byName["acme"]?["calls_today"] as? Int == acmeRun["api_calls"] as? Int)
        #expect((acmeRun["api_calls"] as? Int ?? 0) > 0)
        #expect(byName["globex"]?["calls_today"] as? Int == 0, "its calls were made on 2026-11-15")
        #expect(
            (byName["initech"]?["gaps"] as? [[String: Any]])?.map { [$0["from"] as? String, $0["to"] as? String] }
                == [["2026-11-14", "2026-11-15"]])
        #expect(byName["globex"]?["last_complete_day"] as? String == "2026-11-14")
        #expect(((byName["umbrella"]?["last_run"] as? [String: Any])?["outcome"]) as? String == "failure")
        #expect((byName["broken"]?["error"] as? String)?.contains("broken/_manifest.json") == true)

        let table = try await cli.run(common)
        #expect(table.status == 79)
        let cells = FleetScenario.cells(text: table.stdout)
        #expect(Set(cells.keys) == Set(FleetScenario.expected.keys), "\(table.stdout)")
        for (name, seen) in FleetScenario.expected {
            #expect(cells[name]?.last == FleetScenario.attentionCell(seen), "\(name): \(table.stdout)")
        }
        #expect(cells["acme"]?[1] == "Acme Corp")
        #expect(cells["umbrella"]?[2] == "failure (exit 77)")
        #expect(cells["globex"]?[4] == "5")
        #expect(cells["initech"]?[5] == "2 days in 1 range")
        #expect(
            table.stdout.contains(
                "5 lakes under \(fleet) (today 2026-11-20): 4 need attention (failed 1, stale 1, gaps 1, unreadable 1)\n"))
        #expect(table.stdout.contains("umbrella: last run failed: "))
        #expect(table.stdout.contains("folders without a lake (skipped): notes\n"))
        #expect(!table.stdout.contains("not-a-key") && !table.stderr.contains("not-a-key"), "no key in the output")

        // Thresholds: five days behind and two missing days may be allowed; a failed and an unreadable lake may not.
        let relaxed = try json(
            try await cli.run(common + ["--output", "json", "--max-days-behind", "5", "--max-gap-days", "2"]).stdout)
        #expect(FleetScenario.seen(json: relaxed)["globex"]?.attention == [])
        #expect(FleetScenario.seen(json: relaxed)["initech"]?.attention == [])
        #expect(relaxed["needs_attention"] as? Int == 2)
        // A last run older than --stale-hours is stale whatever the days say (0.0003 h is about a second).
        try await Task.sleep(for: .milliseconds(1200))
        let hurried = try json(try await cli.run(common + ["--output", "json", "--stale-hours", "0.0003"]).stdout)
        #expect(FleetScenario.seen(json: hurried)["acme"]?.attention == ["stale"])

        // Only healthy lakes: exit 0. A folder with no lake: exit 66, naming it.
        let healthy = dir + "/healthy"
        try FileManager.default.createDirectory(atPath: healthy, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fleet + "/acme", toPath: healthy + "/acme")
        let fine = try await cli.run(["status", "--fleet", healthy, "--today", FleetScenario.today])
        #expect(fine.status == 0, "\(fine.stdout)\(fine.stderr)")
        #expect(fine.stdout.contains("1 lake under \(healthy) (today 2026-11-20): none needs attention"))
        let oneLake = try await cli.run(["status", "--fleet", fleet + "/acme", "--today", FleetScenario.today])
        #expect(oneLake.status == 66)
        #expect(oneLake.stderr.contains("it looks like one lake itself: use `kb4-events status --out \(fleet)/acme`"))
        let nowhere = try await cli.run(["status", "--fleet", dir + "/nowhere"])
        #expect(nowhere.status == 66)
        #expect(nowhere.stderr.contains("\(dir)/nowhere"))
        let both = try await cli.run(["status", "--fleet", fleet, "--out", fleet + "/acme"])
        #expect(both.status == 64)
    }

    @Test func manyAccountsSimulatorServesEachKeyItsOwnDataThroughTheBinary() async throws {
        let (simulator, url) = try Process.simulator(["--accounts", "3", "--events", "200", "--days", "5", "--rps", "0"], key: "")
        defer { simulator.stop() }
        try #require(url.hasPrefix("http://127.0.0.1:"))
        var accountIDs: [Int] = []
        for index in 0..<3 {
            let run = try await cli.run(
                ["api", "list-events", "--base-url", url, "--per-page", "3", "--output", "json"],
                env: ["KB4_EVENTS_API_KEY": "sim-key-\(index)"])
            #expect(run.status == 0, "\(run.stderr)")
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
            accountIDs += Set(rows.compactMap { $0["account_id"] as? Int })
        }
        #expect(accountIDs == [1_000_000, 1_000_001, 1_000_002])
        let refused = try await cli.run(["api", "list-events", "--base-url", url], env: ["KB4_EVENTS_API_KEY": "sim-key-3"])
        #expect(refused.status == 77)
    }
}
