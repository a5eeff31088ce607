import Foundation
import KB4EventsTestSupport

extension Process {
    /// Waits for the exit without holding one of the test process's few concurrency threads (polls every 20 ms;
    /// `waitUntilExit` would block the thread for the whole run).
    func exited() async {
        while isRunning {
            do { try await Task.sleep(for: .milliseconds(20)) } catch {
                stop()  // the test was cancelled: end the child rather than spin
                return
            }
        }
        waitUntilExit()  // returns at once: the process is gone
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace` seconds, so a test never waits forever.
    func stop(grace: Double = 10) {
        guard isRunning else { return }
        terminate()
        let deadline = Date().addingTimeInterval(grace)
        while isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if isRunning { kill(processIdentifier, SIGKILL) }
        waitUntilExit()
    }

    /// Starts the built `kb4-events simulate --port 0 …` with `key` in its environment and returns it with the
    /// base URL from its listening line ("" if it exited first). Stop it with `stop()`.
    static func simulator(_ args: [String], key: String) throws -> (process: Process, url: String) {
        let sim = Process()
        sim.executableURL = URL(fileURLWithPath: CommandTests.binary)
        sim.arguments = ["simulate", "--port", "0"] + args
        sim.environment = ["KB4_EVENTS_API_KEY": key]
        let out = Pipe()
        sim.standardOutput = out
        sim.standardError = FileHandle.nullDevice
        try sim.run()
        var seen = ""
        while !seen.contains("\n") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        let url = seen.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        return (sim, url)
    }
}
