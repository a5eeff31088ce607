import Dispatch
import Foundation
import KB4EventsPipeline
import Synchronization

/// SIGINT (Ctrl-C) and SIGTERM (systemd's stop) during an export: the run's task is cancelled, so it stops at
/// the next await (a page request is abandoned, a backoff sleep ends); the day in progress is discarded and
/// completed days stay recorded. A second signal ends the process at once (the next run cleans up).
final class Interruption: Sendable {
    private struct State {
        var signal: Int32?
        var task: Task<RunSummary, any Error>?
    }
    private let state = Mutex(State())
    // The dispatch sources must live as long as the run.
    private nonisolated(unsafe) var sources: [any DispatchSourceSignal] = []

    /// Starts catching SIGINT and SIGTERM (their default action, dying silently, is turned off).
    static func install() -> Interruption {
        let interruption = Interruption()
        for sig in [SIGINT, SIGTERM] {
            ignoreSignal(sig)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [interruption] in interruption.received(sig) }
            source.resume()
            interruption.sources.append(source)
        }
        return interruption
    }

    /// The signal received, if any.
    var signal: Int32? { state.withLock { $0.signal } }

    /// The exit code for the signal received: 128 + its number (130 for SIGINT, 143 for SIGTERM).
    var exitCode: Int32? { signal.map { 128 + $0 } }

    /// The name of the signal received.
    var signalName: String { signal == SIGINT ? "SIGINT" : "SIGTERM" }

    /// Runs `body` as the task a signal cancels (at once if a signal already came).
    func run(_ body: sending @escaping () async throws -> RunSummary) async throws -> RunSummary {
        let task = Task { try await body() }
        let early = state.withLock { s -> Bool in
            s.task = task
            return s.signal != nil
        }
        if early { task.cancel() }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    private func received(_ sig: Int32) {
        let (first, task) = state.withLock { s -> (Bool, Task<RunSummary, any Error>?) in
            defer { if s.signal == nil { s.signal = sig } }
            return (s.signal == nil, s.task)
        }
        guard first else {
            FileHandle.standardError.write(Data("\nkb4-events: second signal: stopping now\n".utf8))
            _exit(128 + sig)
        }
        ProgressLine.clear()
        FileHandle.standardError.write(
            Data(
                "kb4-events: \(sig == SIGINT ? "SIGINT" : "SIGTERM") received: stopping at a safe point (again to stop at once)\n"
                    .utf8))
        task?.cancel()
    }
}

/// Turns off a signal's default action (the dispatch source then sees it); outside the class, whose `signal`
/// property would hide the C function.
private func ignoreSignal(_ sig: Int32) {
    _ = signal(sig, SIG_IGN)
}
