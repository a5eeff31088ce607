import ArgumentParser
import Foundation
import KB4EventsAPI
import KB4EventsPipeline
import Dispatch
import Synchronization
import KB4EventsCore

/// The options only `sync` and `backfill` have: metrics, a moved lake, and the summary's form.
struct RunOptions: ParsableArguments {
    @Option(
        name: .customLong("metrics-file"),
        help:
            "Write Prometheus text-format metrics of the run to this file (atomically; for node_exporter's textfile collector)."
    )
    var metricsFile: String?

    @Flag(
        name: .customLong("source-changed"),
        help: "The lake moved to another region or base URL: accept it and record the new one (else exit 78).")
    var sourceChanged = false

    @Option(name: .long, help: "Summary on stdout: text (one line) or json (one object).")
    var output: OutputForm?

    @Option(
        name: .long,
        help:
            "The account's name: the account label of every metric and account in _state/last_run.json (default: the pipeline file's name, else its base name, else the lake's)."
    )
    var account: String?

    func validate() throws {
        try OutputForm.check(output, offered: [.text, .json])
        if let account, let problem = AccountName.problem(account) { throw ValidationError("--account: \(problem)") }
    }

    /// The summary's form: text unless JSON is asked for.
    var summaryForm: OutputForm { OutputForm.chosen(output, human: .text, jsonWhenPiped: false) }

    /// Prints the run's summary on stdout: one line, or one JSON object for schedulers.
    func printSummary(_ summary: RunSummary, outcome: String, exitCode: Int32, error: (any Error)?) {
        switch summaryForm {
        case .text, .table:
            let suffix = outcome == "success" ? "" : outcome == "interrupted" ? " (interrupted)" : " (stopped early)"
            print(summary.line + suffix)
        case .json, .ndjson:
            var o = JSONObject()
            o.append("outcome", .string(outcome))
            o.append("exit_code", .number(String(exitCode)))
            o.append("error", error.map { .string("\($0)") } ?? .null)
            for (key, value) in summary.jsonFields { o.append(key, value) }
            print(JSONValue.object(o).compactString)
        }
    }
}


/// What an export run leaves for operators after it ends (`RunReport` in the library writes it); this prints its
/// warnings.
extension RunReport {
    func record(
        exitCode: Int32, summary: RunSummary?, error: (any Error)?, lake: LakeLayout?, recordVersion: RunRecord.Version,
        budget: CallBudget?
    ) async {
        let warnings = await write(
            exitCode: Int(exitCode), summary: summary, error: error, lake: lake, recordVersion: recordVersion,
            budget: budget, now: Date().timeIntervalSince1970)
        for warning in warnings { ExitStatus.printWarning(warning) }
    }
}

/// A single progress line on stderr, redrawn in place (`\r`, clear to end of line), for runs at a terminal.
/// Under cron (stderr not a terminal), with `--quiet` or JSON logs, there is none.
///
/// The line never wraps: it is fitted to the terminal's width (read with `TIOCGWINSZ`, again on `SIGWINCH`),
/// dropping its last parts first (ETA, events/s). Every write to stderr while it is shown goes through `screen`:
/// a log line clears it, is written whole, and the progress line is drawn again below it.
final class ProgressLine: Sendable {
    private struct Screen {
        /// The text on screen (already fitted), nil when no line is shown.
        var shown: String?
        /// The last full text, refitted when the terminal is resized.
        var text = ""
        var width = 80
    }
    private static let screen = Mutex(Screen())
    private struct State {
        var lastDraw = 0.0
        var lastDaysDone = -1
    }

    private let started: Double
    private let state = Mutex(State())
    private nonisolated(unsafe) var resize: (any DispatchSourceSignal)?

    /// A progress line when stderr is a terminal and the options allow one; nil otherwise.
    static func make(_ log: LogOptions) -> ProgressLine? {
        guard isatty(STDERR_FILENO) != 0, !log.quiet, log.logFormat == .text else { return nil }
        return ProgressLine()
    }

    private init() {
        started = Date().timeIntervalSince1970
        Self.screen.withLock { $0.width = Self.terminalWidth() }
        signal(SIGWINCH, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGWINCH, queue: .global())
        source.setEventHandler {
            Self.screen.withLock { s in
                s.width = Self.terminalWidth()
                guard let shown = s.shown else { return }
                // A narrower terminal reflows the old line over several rows: go up to its first row, clear
                // from there down, then draw the line fitted to the new width.
                let rows = max(1, (shown.count + s.width - 1) / s.width)
                let fitted = Self.fit(s.text, width: s.width)
                Self.write("\r" + (rows > 1 ? "\u{1B}[\(rows - 1)A" : "") + "\u{1B}[J\(fitted)")
                s.shown = fitted
            }
        }
        source.resume()
        resize = source
    }

    deinit { resize?.cancel() }

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
        Self.screen.withLock { s in
            s.text = text
            let fitted = Self.fit(text, width: s.width)
            Self.write("\r\u{1B}[K\(fitted)")
            s.shown = fitted
        }
    }

    /// Removes the line (before the summary line is printed).
    func finish() {
        resize?.cancel()
        Self.clear()
    }

    /// Clears the progress line if one is on screen.
    static func clear() {
        screen.withLock { s in
            if s.shown != nil { write("\r\u{1B}[K") }
            s.shown = nil
        }
    }

    /// Writes a log line to stderr without tearing the progress line: clear it, write, draw it again.
    static func writeLog(_ line: [UInt8]) {
        screen.withLock { s in
            guard let shown = s.shown else {
                FileHandle.standardError.write(Data(line))
                return
            }
            var bytes = Array("\r\u{1B}[K".utf8)
            bytes += line
            bytes += Array(shown.utf8)
            FileHandle.standardError.write(Data(bytes))
        }
    }

    /// `text` cut to fit in `width` columns (one left free so the cursor never wraps): whole ` · ` parts are
    /// dropped from the end first, then characters.
    static func fit(_ text: String, width: Int) -> String {
        let room = max(1, width - 1)
        var parts = text.components(separatedBy: " · ")
        var line = text
        while line.count > room && parts.count > 1 {
            parts.removeLast()
            line = parts.joined(separator: " · ")
        }
        return line.count > room ? String(line.prefix(room)) : line
    }

    /// Columns of the terminal on stderr (80 when it cannot tell).
    static func terminalWidth() -> Int {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
