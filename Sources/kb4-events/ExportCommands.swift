import ArgumentParser
import Foundation
import KB4EventsPipeline
import KB4EventsCore

/// `kb4-events sync`: every incomplete day up to yesterday, then the lookback days.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Export every incomplete day up to yesterday, then re-check the last lookback days.")

    @Flag(name: .long, help: "Re-export every day from the start date (e.g. to switch the lake's format).")
    var force = false

    @Flag(name: .customLong("dry-run"), help: "Print what sync would do and cost, as `kb4-events plan` does; no call, no write.")
    var dryRun = false

    @OptionGroup var window: DayRangeOptions
    @OptionGroup var runOptions: RunOptions
    @OptionGroup var options: ExportOptions

    func run() async throws {
        if dryRun {
            try await PlanCommand.plan(
                pipeline: options.source.pipeline, overrides: options.overrides(window: window), today: options.today,
                request: .sync(force: force), eventsPerDay: 100,
                json: OutputForm.chosen(runOptions.output, human: .text, jsonWhenPiped: true) == .json)
            return
        }
        try await ExportInvocation(options: options, runOptions: runOptions, window: window).run(.sync(force: force))
    }
}

/// `kb4-events backfill`: every incomplete day of a range.
struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Export every incomplete day from --from to --to (clamped to yesterday).")

    @Option(name: .long, help: "First day (YYYY-MM-DD).")
    var from: Day

    @Option(name: .long, help: "Last day (YYYY-MM-DD); days after yesterday are clamped with a warning.")
    var to: Day

    @Flag(name: .long, help: "Re-export days that are already complete.")
    var force = false

    @OptionGroup var runOptions: RunOptions
    @OptionGroup var options: ExportOptions

    func validate() throws {
        try DaySpanOptions.checkOrder(from, to)
    }

    func run() async throws {
        try await ExportInvocation(options: options, runOptions: runOptions).run(.backfill(from: from, to: to, force: force))
    }
}
