import ArgumentParser
import Foundation
import KB4EventsPipeline
import Synchronization

/// `--metrics-file`: sync and backfill only.
struct MetricsOptions: ParsableArguments {
    @Option(
        name: .customLong("metrics-file"),
        help:
            "Write Prometheus text-format metrics of the run to this file (atomically; for node_exporter's textfile collector)."
    )
    var metricsFile: String?
}

/// What an export run leaves for operators after it ends, success or failure: `_state/last_run.json` in the
/// lake and, with `--metrics-file`, the Prometheus metrics. Failing to write either is a warning, never the
/// run's outcome.
struct RunReport {
    let command: String
    let runID: String
    let startedAt: Double
    let metricsFile: String?

    func record(
        exitCode: Int32, summary: RunSummary?, error: (any Error)?, lake: LakeLayout?, budget: CallBudget?
    ) {
        let now = Date().timeIntervalSince1970
        var summary = summary ?? .empty
        if summary.durationSeconds == 0 { summary.durationSeconds = now - startedAt }
        // A run turned away by the lock did nothing to the lake; the run holding the lock records its own.
        // A lake from a newer kb4-events is left as it is, its state files included.
        let leaveLake = ["locked", "newer_version"].contains((error as? PipelineError)?.code ?? "")
        if let lake, !leaveLake, FileManager.default.fileExists(atPath: lake.root) {
            let record = RunRecord(
                command: command, runID: runID, startedAt: iso(startedAt), finishedAt: iso(now),
                exitCode: Int(exitCode),
                error: error.map { "\($0)" }, summary: summary)
            do { try record.save(to: lake, tempTag: runID) } catch {
                warn("cannot record the last run in \(lake.state): \(error)")
            }
        }
        if let metricsFile {
            let metrics = RunMetrics(
                summary: summary, exitCode: Int(exitCode), finishedAt: now,
                lastSuccess: exitCode == 0 ? now : RunMetrics.previousLastSuccess(at: metricsFile),
                callsLeftToday: budget?.remaining)
            do { try metrics.write(to: metricsFile, tempTag: runID) } catch {
                warn("cannot write the metrics file \(metricsFile): \(error)")
            }
        }
    }

    private func warn(_ text: String) {
        FileHandle.standardError.write(Data("kb4-events: warning: \(text)\n".utf8))
    }

    private func iso(_ t: Double) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date(timeIntervalSince1970: t))
    }
}

/// A single progress line on stderr, redrawn in place (`\r`, clear to end of line), for runs at a terminal.
/// Under cron (stderr not a terminal), with `--quiet` or JSON logs, there is none.
final class ProgressLine: Sendable {
    /// Whether a progress line is on screen; the log handler clears it before writing a log line.
    static let onScreen = Atomic<Bool>(false)

    private struct State {
        var lastDraw = 0.0
        var lastDaysDone = -1
    }

    private let started: Double
    private let state = Mutex(State())

    /// A progress line when stderr is a terminal and the options allow one; nil otherwise.
    static func make(_ log: LogOptions) -> ProgressLine? {
        guard isatty(STDERR_FILENO) != 0, !log.quiet, log.logFormat == .text else { return nil }
        return ProgressLine()
    }

    private init() { started = Date().timeIntervalSince1970 }

    /// Redraws the line (at most five times a second, and whenever a day finishes).
    func update(_ progress: RunProgress) {
        let now = Date().timeIntervalSince1970
        let draw = state.withLock { s -> Bool in
            guard now - s.lastDraw >= 0.2 || progress.daysDone != s.lastDaysDone else { return false }
            s.lastDraw = now
            s.lastDaysDone = progress.daysDone
            return true
        }
        guard draw else { return }
        let text = progress.line(elapsedSeconds: now - started)
        FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
        Self.onScreen.store(true, ordering: .relaxed)
    }

    /// Removes the line (before the summary line is printed).
    func finish() {
        Self.clear()
    }

    /// Clears the progress line if one is on screen.
    static func clear() {
        if onScreen.exchange(false, ordering: .relaxed) {
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        }
    }
}
