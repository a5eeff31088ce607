import Foundation
import KB4EventsTestSupport
import Testing

extension CommandTests {
    /// The demo as an unprivileged user (as in the container and the systemd unit): the embedded simulator set
    /// TCP_NODELAY at the socket level once, which is SO_DEBUG there, and refused every connection but root's.
    /// Needs root to switch users (setpriv), so it runs where the suite runs as root (CI).
    @Test(.enabled(if: geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
    func demoRunsAsAnUnprivilegedUser() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: dir)
        // The demo with a short retry budget: refused connections end the run in seconds, not 90 minutes.
        let demo = try String(contentsOfFile: Self.root + "/pipelines/demo.yaml", encoding: .utf8)
        let pipeline = demo.replacingOccurrences(
            of: "\n  requests_per_second: 4", with: "\n  retry_budget_secs: 20\n  requests_per_second: 4")
        #expect(pipeline != demo)
        try Data(pipeline.utf8).write(to: URL(fileURLWithPath: dir + "/demo.yaml"))
        let r = try await run([
            "--reuid=65534", "--regid=65534", "--clear-groups", Self.binary, "sync", "--pipeline", dir + "/demo.yaml",
            "--out", dir + "/lake", "--today", "2026-11-22", "--quiet",
        ], executable: "/usr/bin/setpriv")
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("days written 13, unchanged 0"), "\(r.stdout)")
    }
}
