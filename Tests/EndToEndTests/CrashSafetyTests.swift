import Foundation
import KB4EventsTestSupport
import Testing

/// `kill -9` at random moments, two runs on one lake: the lake stays consistent and ends equal to an
/// uninterrupted run, byte for byte, in every format.
@Suite(.serialized) struct CrashSafetyTests {
    let e2e = CommandTests()

    func sync(_ url: String, lake: String, rps: Int, format: String = "ndjson") -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandTests.binary)
        p.arguments = [
            "backfill", "--base-url", url, "--out", lake, "--today", "2026-11-22", "--from", "2026-11-10", "--to",
            "2026-11-21", "--requests-per-second", "\(rps)", "--format", format, "--quiet",
        ]
        p.environment = ["KB4_EVENTS_API_KEY": "crash-key"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        return p
    }

    /// The data file's name in `format`.
    static func dataFile(_ format: String) -> String {
        format == "parquet" ? "part-00000.parquet" : "part-00000.\(format).gz"
    }

    /// Data files and markers by relative path, plus hidden files found under `events/`.
    func snapshot(_ lake: String, format: String = "ndjson") throws -> (files: [String: Data], hidden: [String]) {
        var files: [String: Data] = [:]
        var hidden: [String] = []
        let events = lake + "/events"
        for path in (try? FileManager.default.subpathsOfDirectory(atPath: events)) ?? [] {
            let name = path.split(separator: "/").last.map(String.init) ?? path
            var isDir: ObjCBool = false
            FileManager.default.fileExists(atPath: events + "/" + path, isDirectory: &isDir)
            if isDir.boolValue { continue }
            if name.hasPrefix(".") {
                hidden.append(path)
            } else {
                #expect(name == "_SUCCESS" || name == Self.dataFile(format), "only data files and markers: \(path)")
                files[path] = try Data(contentsOf: URL(fileURLWithPath: events + "/" + path))
            }
        }
        return (files, hidden)
    }

    @Test(arguments: ["ndjson", "parquet"]) func killedRunsResumeToTheSameBytes(format: String) async throws {
        let dir = try e2e.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (sim, url) = try Process.simulator(["--seed", "9", "--events", "2500", "--days", "14", "--today", "2026-11-22", "--rps", "0", "--per-page-max", "20",
            // Slow answers, so the runs are killed with several requests in flight.
            "--latency-ms", "60", "--latency-jitter-ms", "40"], key: "crash-key")
        defer { sim.stop() }

        let reference = dir + "/reference"
        let clean = sync(url, lake: reference, rps: 1000, format: format)
        try clean.run()
        await clean.exited()
        #expect(clean.terminationStatus == 0)
        let expected = try snapshot(reference, format: format)
        #expect(expected.files.count == 24, "12 days: data file + _SUCCESS each")

        let lake = dir + "/crashed"
        var rng = SystemRandomNumberGenerator()
        var kills = 0
        for _ in 0..<6 {
            let p = sync(url, lake: lake, rps: 40, format: format)
            try p.run()
            try await Task.sleep(for: .seconds(Double(rng.next() % 1200) / 1000 + 0.05))
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                kills += 1
            }
            await p.exited()
            // Whatever the moment of the kill, every day the manifest calls complete has its file and marker.
            let state = try snapshot(lake, format: format)
            if let data = FileManager.default.contents(atPath: lake + "/_manifest.json"),
                let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                let windows = json["windows"] as? [String: Any]
            {
                for day in windows.keys {
                    #expect(state.files["dt=\(day)/\(Self.dataFile(format))"] != nil, "recorded day \(day) has its file")
                    #expect(state.files["dt=\(day)/_SUCCESS"] != nil, "recorded day \(day) has its marker")
                }
            }
        }
        #expect(kills > 0, "at least one run was killed mid-way")
        let finish = sync(url, lake: lake, rps: 1000, format: format)
        try finish.run()
        await finish.exited()
        #expect(finish.terminationStatus == 0)
        let final = try snapshot(lake, format: format)
        #expect(final.hidden.isEmpty, "leftovers cleaned: \(final.hidden)")
        #expect(final.files == expected.files, "byte-identical to the uninterrupted run")
        let verify = try await e2e.run(["verify", "--out", lake])
        #expect(verify.status == 0 && verify.stdout == "verified 12 files, 0 problems\n", "\(verify.stdout)\(verify.stderr)")
    }

    @Test func aSecondRunOnTheSameLakeIsRefusedAndACrashedHolderFreesIt() async throws {
        let dir = try e2e.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (sim, url) = try Process.simulator(["--seed", "4", "--events", "600", "--days", "14", "--today", "2026-11-22", "--rps", "0"], key: "crash-key")
        defer { sim.stop() }
        let lake = dir + "/lake"
        let first = sync(url, lake: lake, rps: 1)  // about 13 calls: 13 s, long enough for the second run to start under load
        try first.run()
        let lockFile = lake + "/.kb4-events.lock"
        for _ in 0..<100 {
            if let text = try? String(contentsOfFile: lockFile, encoding: .utf8), text.contains("\(first.processIdentifier)") { break }
            try await Task.sleep(for: .seconds(0.05))
        }
        let second = try await e2e.run(
            ["sync", "--base-url", url, "--out", lake, "--today", "2026-11-22"], env: ["KB4_EVENTS_API_KEY": "crash-key"])
        #expect(second.status == 75, "\(second.stderr)")
        #expect(second.stderr.contains("pid \(first.processIdentifier)"), "\(second.stderr)")
        // The holder has not finished, so no run may be recorded yet: the refused one must not pose as the last run.
        #expect(!FileManager.default.fileExists(atPath: lake + "/_state/last_run.json"))
        kill(first.processIdentifier, SIGKILL)
        await first.exited()
        let third = try await e2e.run(
            ["sync", "--base-url", url, "--out", lake, "--today", "2026-11-22", "--requests-per-second", "1000"],
            env: ["KB4_EVENTS_API_KEY": "crash-key"])
        #expect(third.status == 0, "a killed holder leaves no lock behind: \(third.stderr)")
    }
}
