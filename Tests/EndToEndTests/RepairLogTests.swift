import Foundation
import KB4EventsTestSupport
import Testing

/// `backfill --force` over a damaged file says it repaired the file, not that the day's content changed.
@Suite struct RepairLogTests {
    let e2e = CommandTests()

    @Test func aRepairedFileIsLoggedAsARepair() async throws {
        let dir = try e2e.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (sim, url) = try Process.simulator(
            ["--seed", "8", "--events", "400", "--days", "4", "--today", "2026-11-22", "--rps", "0"], key: "fix-key")
        defer { sim.stop() }
        let env = ["KB4_EVENTS_API_KEY": "fix-key"]
        let args = ["backfill", "--base-url", url, "--out", dir + "/lake", "--today", "2026-11-22", "--from", "2026-11-21",
                    "--to", "2026-11-21", "--requests-per-second", "1000"]
        #expect(try await e2e.run(args, env: env).status == 0)
        let file = dir + "/lake/events/dt=2026-11-21/part-00000.ndjson.gz"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: file))
        let repaired = try await e2e.run(args + ["--force"], env: env)
        #expect(repaired.status == 0, "\(repaired.stderr)")
        #expect(repaired.stderr.contains("repaired"), "\(repaired.stderr)")
        #expect(!repaired.stderr.contains("content changed"), "\(repaired.stderr)")
        #expect(try await e2e.run(["verify", "--out", dir + "/lake"]).status == 0)
    }
}
