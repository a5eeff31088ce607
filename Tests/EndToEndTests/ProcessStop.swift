import Foundation

extension Process {
    /// SIGTERM, then SIGKILL if it has not exited within `grace` seconds, so a test never waits forever.
    func stop(grace: Double = 10) {
        guard isRunning else { return }
        terminate()
        let deadline = Date().addingTimeInterval(grace)
        while isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if isRunning { kill(processIdentifier, SIGKILL) }
        waitUntilExit()
    }
}
