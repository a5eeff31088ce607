import ArgumentParser
import Foundation
import KB4EventsAPI
import KB4EventsPipeline
import Logging
import Synchronization
import KB4EventsCore

/// Builds one export run from the flags and the pipeline file, runs it, prints the summary line and maps
/// failures to the contract's exit codes.
struct ExportInvocation {
    let options: ExportOptions
    /// `--metrics-file`, `--source-changed`, `--output`.
    let runOptions: RunOptions
    /// `sync`'s `--start-date` and `--lookback-days` (nil for `backfill`).
    var window: DayRangeOptions? = nil

    func run(_ request: RunRequest) async throws {
        let logger = LogSetup.bootstrap(options.log)
        var session: SourceSession?
        let runID = RunID.make()
        var report = RunReport(
            command: request.commandName, runID: runID, startedAt: Date().timeIntervalSince1970,
            metricsFile: runOptions.metricsFile,
            account: ResolvedPipeline.fallbackAccount(
                flag: runOptions.account, pipeline: options.source.pipeline, out: options.lake.out))
        let progress = ProgressLine.make(options.log)
        let interruption = Interruption.install()
        var lake: LakeLayout?
        let recordVersion = RecordVersion()
        do {
            let today = options.today ?? .utcToday
            var overrides = options.overrides(window: window)
            overrides.sourceChanged = runOptions.sourceChanged
            overrides.account = runOptions.account
            let resolved = try SourceSession.resolve(source: options.source, overrides: overrides, requireOutput: true)
            report.account = resolved.account
            let resolvedReport = report
            let opened = try await SourceSession.open(
                source: options.source, resolved: resolved, today: today, requireOutput: true, logger: logger)
            session = opened
            let settings = opened.resolved.exportSettings(today: today)
            lake = settings.lake
            let runner = ExportRunner(
                settings: settings, client: opened.client, logger: Logger(label: "kb4.export"),
                clock: RunClock(today: today, now: { Date().timeIntervalSince1970 }), runID: runID)
            if let progress { runner.onProgress = { progress.update($0) } }
            runner.onLocked = { recordVersion.value = $0 }
            // The run is recorded while it still holds the lake's lock (its calls first), and not at all by a run
            // whose lease another run took over: that run records itself.
            let budget = opened.budget
            runner.beforeRelease = { result, stillHeld in
                recordVersion.recorded = true
                try? await budget?.ledger.flush()
                guard stillHeld else {
                    ExitStatus.printWarning(
                        "this run's lease on \(settings.lake.root) was taken over by another run while it stalled; that run records itself, this one does not")
                    return
                }
                let (code, summary, error) = Self.outcome(result, interruption: interruption)
                await resolvedReport.record(
                    exitCode: code, summary: summary, error: error, lake: settings.lake,
                    recordVersion: recordVersion.value, budget: budget)
            }
            let summary = try await interruption.run { try await runner.run(request) }
            // A signal that arrived while the last day was being committed: the run finished its work, but it was
            // asked to stop, and a stop is reported as one (130/143), with nothing left to do for the next run.
            if interruption.exitCode != nil { throw RunFailure(error: CancellationError(), summary: summary) }
            progress?.finish()
            await opened.close()
            if !recordVersion.recorded {
                await report.record(
                    exitCode: 0, summary: summary, error: nil, lake: lake, recordVersion: recordVersion.value,
                    budget: opened.budget)
            }
            runOptions.printSummary(summary, outcome: "success", exitCode: 0, error: nil)
            if opened.simulator != nil {
                // The demo's hints go to stderr: stdout holds the one summary line (or the JSON summary).
                let root = settings.lake.root
                // The format the run wrote: the lake's own when none was asked for.
                let format = ((try? await Manifest.load(from: settings.lake.store)) ?? nil)?.manifest.format ?? settings.format
                logger.info("lake: \(root)")
                if !settings.lake.location.isLocal {
                    logger.info("query: kb4-events ddl --engine duckdb --out \(root)  (a DuckDB view; reading s3:// needs httpfs and a secret)")
                } else {
                    logger.info(
                    "query: python3 -c \"import duckdb; print(duckdb.sql(\\\"SELECT dt, count(*) FROM \(reader(format))('\(root)/events/*/*.\(format.fileSuffix)', hive_partitioning=true) GROUP BY dt ORDER BY dt\\\"))\""
                    )
                }
            }
        } catch {
            progress?.finish()
            await session?.close()
            let failure = error as? RunFailure
            // Stopped by a signal: whatever the await threw, the run was interrupted.
            let (code, _, recorded) = Self.outcome(.failure(error), interruption: interruption)
            let exit = ExitCode(code)
            if interruption.exitCode != nil {
                ExitStatus.printError(
                    "interrupted by \(interruption.signalName): the days completed so far are recorded; run the same command again to continue")
            } else {
                ExitStatus.printError(failure?.error ?? error)
            }
            if !recordVersion.recorded {
                await report.record(
                    exitCode: exit.rawValue, summary: failure?.summary, error: recorded, lake: lake,
                    recordVersion: recordVersion.value, budget: session?.budget)
            }
            if failure != nil || runOptions.summaryForm == .json {
                runOptions.printSummary(
                    failure?.summary ?? .empty, outcome: RunRecord.outcome(exitCode: Int(exit.rawValue)), exitCode: exit.rawValue,
                    error: recorded)
            }
            throw exit
        }
    }
}

extension ExportInvocation {
    /// The exit code, summary and error a run's record holds: a signal wins over whatever the run threw.
    static func outcome(_ result: Result<RunSummary, any Error>, interruption: Interruption)
        -> (Int32, RunSummary?, (any Error)?)
    {
        switch result {
        case .success(let summary):
            if let code = interruption.exitCode { return (code, summary, RunInterrupted(signal: interruption.signalName)) }
            return (0, summary, nil)
        case .failure(let error):
            let failure = error as? RunFailure
            if let code = interruption.exitCode {
                return (code, failure?.summary, RunInterrupted(signal: interruption.signalName))
            }
            let cause = failure?.error ?? error
            return (ExitStatus.exitCode(for: cause).rawValue, failure?.summary, cause)
        }
    }
}

/// The version of the lake's run record a run saw when it took the lock (`.unknown` until then), and whether the
/// run was recorded while holding the lock; set from the run.
final class RecordVersion: Sendable {
    private let current = Mutex((version: RunRecord.Version.unknown, recorded: false))
    var value: RunRecord.Version {
        get { current.withLock { $0.version } }
        set { current.withLock { $0.version = newValue } }
    }
    var recorded: Bool {
        get { current.withLock { $0.recorded } }
        set { current.withLock { $0.recorded = newValue } }
    }
}

/// The run record's error for a run stopped by a signal.
struct RunInterrupted: Error, CustomStringConvertible {
    let signal: String
    var description: String { "interrupted by \(signal)" }
}

extension RunRequest {
    /// `sync` or `backfill`, for the run record.
    var commandName: String {
        switch self {
        case .sync: return "sync"
        case .backfill: return "backfill"
        }
    }
}

enum RunID {
    /// `YYYYMMDDTHHMMSSZ-<pid>-<random>`: sortable, unique per run, safe in file names.
    static func make() -> String {
        let compact = isoSeconds(Date().timeIntervalSince1970).filter { $0 != "-" && $0 != ":" }
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "\(compact)-\(ProcessInfo.processInfo.processIdentifier)-\(random)"
    }
}

/// DuckDB's reader for a lake's data files (the hint printed after a run).
private func reader(_ format: OutputFormat) -> String {
    switch format {
    case .ndjson: "read_json_auto"
    case .csv: "read_csv"
    case .parquet: "read_parquet"
    }
}
