import ArgumentParser
import Foundation
import KB4EventsAPI
import KB4EventsPipeline
import Logging

/// Builds one export run from the flags and the pipeline file, runs it, prints the summary line and maps
/// failures to the contract's exit codes.
struct ExportInvocation {
    let options: ExportOptions
    /// `--metrics-file`, when given.
    var metricsFile: String? = nil

    func run(_ request: RunRequest) async throws {
        let logger = LogSetup.bootstrap(options.log)
        var session: SourceSession?
        let runID = RunID.make()
        let report = RunReport(
            command: request.commandName, runID: runID, startedAt: Date().timeIntervalSince1970,
            metricsFile: metricsFile)
        let progress = ProgressLine.make(options.log)
        var lake: LakeLayout?
        do {
            let today = options.today ?? .utcToday
            let opened = try await SourceSession.open(
                source: options.source, overrides: options.overrides, today: today, requireOutput: true,
                logger: logger)
            session = opened
            let settings = opened.resolved.exportSettings(today: today)
            lake = settings.lake
            let runner = ExportRunner(
                settings: settings, client: opened.client, logger: Logger(label: "kb4.export"),
                clock: RunClock(today: today, now: { Date().timeIntervalSince1970 }), runID: runID)
            if let progress { runner.onProgress = { progress.update($0) } }
            let summary = try await runner.run(request)
            progress?.finish()
            await opened.close()
            report.record(exitCode: 0, summary: summary, error: nil, lake: lake, budget: opened.budget)
            print(summary.line)
            if opened.simulator != nil {
                let root = runner.settings.lake.root
                print("lake: \(root)")
                print(
                    "query: python3 -c \"import duckdb; print(duckdb.sql(\\\"SELECT dt, count(*) FROM \(runner.settings.format == .csv ? "read_csv" : "read_json_auto")('\(root)/events/*/*.\(runner.settings.format.rawValue).gz', hive_partitioning=true) GROUP BY dt ORDER BY dt\\\"))\""
                )
            }
        } catch {
            progress?.finish()
            await session?.close()
            let exit = ExitStatus.report(error)
            let failure = error as? RunFailure
            report.record(
                exitCode: exit.rawValue, summary: failure?.summary, error: failure?.error ?? error, lake: lake,
                budget: session?.budget)
            throw exit
        }
    }
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
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "\(f.string(from: Date()))-\(ProcessInfo.processInfo.processIdentifier)-\(random)"
    }
}
