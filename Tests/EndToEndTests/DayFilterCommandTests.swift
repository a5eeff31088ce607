import Foundation
import KB4EventsTestSupport
import Testing

/// The built binary against `kb4-events simulate --day-filter-offset`: a UTC-day export stops naming the offset
/// the answers fit; with `--day-filter-offset` (or `auto`) it exports, and the lake keeps the offset.
@Suite(.serialized) struct DayFilterCommandTests {
    let e2e = CommandTests()

    @Test func aLocalDayFilterIsNamedThenExported() async throws {
        let dir = try e2e.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (sim, url) = try Process.simulator(
            ["--seed", "6", "--events", "3000", "--days", "8", "--today", "2026-11-22", "--rps", "0",
             "--day-filter-offset=-05:00"], key: "tz-key")
        defer { sim.stop() }
        let env = ["KB4_EVENTS_API_KEY": "tz-key"]
        let base = ["backfill", "--base-url", url, "--out", dir + "/lake", "--today", "2026-11-22", "--from", "2026-11-19",
                    "--to", "2026-11-21", "--requests-per-second", "1000"]
        let refused = try await e2e.run(base, env: env)
        #expect(refused.status == 65, "\(refused.stderr)")
        #expect(refused.stderr.contains("UTC-05:00"), "\(refused.stderr)")
        #expect(refused.stderr.contains("day_filter_offset: \"-05:00\""), "\(refused.stderr)")

        let done = try await e2e.run(base + ["--day-filter-offset", "-05:00"], env: env)
        #expect(done.status == 0, "\(done.stderr)")
        #expect(done.stdout.contains("days written 3"), "\(done.stdout)")
        let manifest = try String(contentsOfFile: dir + "/lake/_manifest.json", encoding: .utf8)
        #expect(manifest.contains("\"day_filter_offset\": \"-05:00\"") || manifest.contains("\"day_filter_offset\":\"-05:00\""))

        // Another offset is refused (78); auto keeps the lake's.
        let other = try await e2e.run(["sync", "--base-url", url, "--out", dir + "/lake", "--today", "2026-11-22",
                                 "--day-filter-offset", "+00:00", "--requests-per-second", "1000"], env: env)
        #expect(other.status == 78, "\(other.stderr)")
        let auto = try await e2e.run(["sync", "--base-url", url, "--out", dir + "/lake", "--today", "2026-11-22",
                                "--day-filter-offset", "auto", "--requests-per-second", "1000"], env: env)
        #expect(auto.status == 0, "\(auto.stderr)")
        let verify = try await e2e.run(["verify", "--out", dir + "/lake"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }
}
