import Foundation
import KB4EventsTestSupport
import Testing

extension CommandTests {
    /// A lake from a newer kb4-events (manifest version 2) is refused with exit 78 and left byte for byte as it was:
    /// no state file, no lock-free cleanup, no rewritten manifest. The metrics file still says what happened.
    @Test func aLakeFromANewerReleaseIsRefusedUntouched() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let lake = dir + "/lake"
        try FileManager.default.createDirectory(atPath: lake + "/events/dt=2026-11-20", withIntermediateDirectories: true)
        let manifest = #"{"version": 2, "format": "ndjson", "base_url": "x", "windows": {}, "future": true}"#
        try Data(manifest.utf8).write(to: URL(fileURLWithPath: lake + "/_manifest.json"))
        // A leftover temporary file of the newer release: an older binary must not clean it up either.
        let leftover = lake + "/events/dt=2026-11-20/.part-00000.ndjson.gz.tmp-x"
        try Data("partial".utf8).write(to: URL(fileURLWithPath: leftover))
        let before = try FileManager.default.subpathsOfDirectory(atPath: lake).sorted()

        let sync = try await run([
            "sync", "--pipeline", Self.root + "/pipelines/demo.yaml", "--out", lake, "--today", "2026-11-22",
            "--metrics-file", dir + "/kb4.prom",
        ])
        #expect(sync.status == 78, "stderr: \(sync.stderr)")
        #expect(sync.stderr.contains("version 2 was written by a newer kb4-events"), "\(sync.stderr)")
        #expect(sync.stderr.contains("upgrade kb4-events"))
        #expect(try String(contentsOfFile: lake + "/_manifest.json", encoding: .utf8) == manifest, "not rewritten")
        #expect(FileManager.default.fileExists(atPath: leftover), "nothing cleaned")
        let after = try FileManager.default.subpathsOfDirectory(atPath: lake).sorted()
        #expect(after.filter { $0 != ".kb4-events.lock" } == before, "no file added (the lock file aside)")
        let metrics = try String(contentsOfFile: dir + "/kb4.prom", encoding: .utf8)
        #expect(metrics.contains("kb4_events_run_exit_code{account=\"demo\"} 78"))

        for command in ["status", "verify"] {
            let r = try await run([command, "--out", lake])
            #expect(r.status == 78, "\(command): \(r.stderr)")
            #expect(r.stderr.contains("newer kb4-events"), "\(command): \(r.stderr)")
        }
    }
}
