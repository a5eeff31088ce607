import ArgumentParser
import Foundation
import KB4EventsPipeline
import Logging
import KB4EventsCore

/// `kb4-events rebuild`: regenerate partitions from kept raw pages, no API calls.
struct RebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Regenerate partitions and the manifest from the raw pages kept with --keep-raw (no API calls).",
        discussion: "Switches the lake's format (every day must have raw pages) or repairs damaged partitions.")

    @OptionGroup var pipelineFile: PipelineOption
    var pipeline: String? { pipelineFile.pipeline }

    @Option(name: .long, help: "The lake: a directory or s3://bucket/prefix.")
    var out: String?

    @Option(name: .long, help: "Format to write: ndjson, csv or parquet (default: the lake's).")
    var format: OutputFormat?

    @OptionGroup var span: DaySpanOptions

    @OptionGroup var log: LogOptions

    func run() async throws {
        _ = LogSetup.bootstrap(log)
        do {
            var flags = Overrides()
            flags.outputDir = out
            flags.format = format
            var resolved = try PipelineFile.resolve(pipeline: pipeline, overrides: flags)
            // --format, or the lake's own (the pipeline file's output.format does not switch a lake's format here).
            resolved.export.formatIsExplicit = format != nil
            let rebuilder = Rebuilder(
                settings: resolved.export, logger: Logger(label: "kb4.rebuild"),
                clock: RunClock(today: .utcToday, now: { Date().timeIntervalSince1970 }), runID: RunID.make())
            let summary = try await rebuilder.run(from: span.from, to: span.to)
            print(summary.line)
        } catch {
            throw ExitStatus.report(error)
        }
    }
}
