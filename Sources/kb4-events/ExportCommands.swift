import ArgumentParser
import KB4EventsPipeline

/// `kb4-events sync`: every incomplete day up to yesterday, then the lookback days.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Export every incomplete day up to yesterday, then re-check the last lookback days.")

    @OptionGroup var options: ExportOptions
    @OptionGroup var metrics: MetricsOptions

    @Flag(name: .long, help: "Re-export every day from the start date (e.g. to switch the lake's format).")
    var force = false

    func run() async throws {
        try await ExportInvocation(options: options, metricsFile: metrics.metricsFile).run(.sync(force: force))
    }
}

/// `kb4-events backfill`: every incomplete day of a range.
struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Export every incomplete day from --from to --to (clamped to yesterday).")

    @OptionGroup var options: ExportOptions
    @OptionGroup var metrics: MetricsOptions

    @Option(name: .long, help: "First day (YYYY-MM-DD).")
    var from: Day

    @Option(name: .long, help: "Last day (YYYY-MM-DD); days after yesterday are clamped with a warning.")
    var to: Day

    @Flag(name: .long, help: "Re-export days that are already complete.")
    var force = false

    func validate() throws {
        guard from <= to else { throw ValidationError("--from \(from) is after --to \(to)") }
    }

    func run() async throws {
        try await ExportInvocation(options: options, metricsFile: metrics.metricsFile).run(.backfill(from: from, to: to, force: force))
    }
}
