import Foundation
import KB4EventsS3
import KB4EventsSimulator
import KB4EventsTestSupport
import Testing

/// `status --fleet s3://…` through the built binary over lakes in moto (every signature checked), exported by the
/// built binary from a simulator of four accounts: the same lakes as on disk told apart the same way, with a known
/// number of requests per lake.
@Suite(.serialized, .enabled(if: PythonTools.motoEnabled)) struct FleetStatusOnS3Tests {
    @Test func aFleetInABucketIsToldApartInTableJSONAndExitCode() async throws {
        let server = try await Moto.main.server()
        let prefix = uniquePrefix("fleet")
        let fleet = "s3://kb4-lake/\(prefix)"
        let home = NSTemporaryDirectory() + "kb4-fleet-\(prefix)"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        var env = LakeCommandsOnS3Tests.environment(server, home: home)
        env["AWS_ENDPOINT_URL_S3"] = server.endpoint
        env["AWS_REGION"] = "us-east-1"

        let configuration = SimulatorConfiguration.unpaced(
            seed: FleetScenario.seed, events: FleetScenario.events, days: FleetScenario.days,
            today: FleetScenario.today, apiKey: "unused")
        let simulator = Simulator(
            configuration: configuration,
            accounts: SimulatedAccount.numbered(
                FleetScenario.accounts, seed: FleetScenario.seed, events: FleetScenario.events, days: FleetScenario.days))
        _ = try await simulator.start()
        let built: [(expected: Int32, result: CommandResult)]
        do {
            built = try await FleetScenario.build(fleet: fleet, baseURL: simulator.baseURL, environment: env)
        } catch {
            try await simulator.stop()
            throw error
        }
        try await simulator.stop()
        for (expected, result) in built { #expect(result.status == expected, "\(result.stderr)") }
        let client = try Moto.client(server)
        _ = try await client.putObject(bucket: "kb4-lake", key: "\(prefix)/broken/_manifest.json", body: FleetScenario.brokenManifest)
        _ = try await client.putObject(bucket: "kb4-lake", key: "\(prefix)/notes/README", body: Array("not a lake".utf8))

        let common = ["status", "--fleet", fleet + "/", "--today", FleetScenario.today]
        let jsonRun = try await BuiltBinary.run(common + ["--output", "json"], environment: env)
        #expect(jsonRun.status == 79, "\(jsonRun.stderr)")
        let view = jsonRun.object
        #expect(FleetScenario.seen(json: view) == FleetScenario.expected)
        #expect(view["root"] as? String == fleet)
        #expect(view["not_lakes"] as? [String] == ["notes"])
        // One listing, three reads per lake (run record, manifest, call ledger), two for a folder that turns out not
        // to be one and for a lake whose manifest is unreadable.
        #expect(view["store_requests"] as? Int == 1 + 4 * 3 + 2 + 2)
        let rows = try #require(view["rows"] as? [[String: Any]])
        #expect(rows.map { $0["lake"] as? String } == ["acme", "broken", "globex", "initech", "umbrella"].map { "\(fleet)/\($0)" })

        let table = try await BuiltBinary.run(common, environment: env)
        #expect(table.status == 79)
        let cells = FleetScenario.cells(text: table.stdout)
        #expect(Set(cells.keys) == Set(FleetScenario.expected.keys), "\(table.stdout)")
        for (name, seen) in FleetScenario.expected {
            #expect(cells[name]?.last == FleetScenario.attentionCell(seen), "\(name): \(table.stdout)")
        }
        #expect(table.stdout.contains("(failed 1, stale 1, gaps 1, unreadable 1)"))

        // One lake at a time gives the same view with the same requests.
        let serial = try await BuiltBinary.run(common + ["--output", "json", "--max-in-flight", "1"], environment: env)
        #expect(FleetScenario.seen(json: serial.object) == FleetScenario.expected)
        #expect(serial.object["store_requests"] as? Int == 1 + 4 * 3 + 2 + 2)

        // A bucket the credentials cannot reach is an error of the whole view, named, not an empty fleet.
        var wrong = env
        wrong["AWS_SECRET_ACCESS_KEY"] = "wrong-secret"
        let refused = try await BuiltBinary.run(common, environment: wrong)
        #expect(![0, 79].contains(refused.status), "\(refused.stderr)")
        #expect(refused.stderr.contains("kb4-lake"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("wrong-secret"))
    }
}
