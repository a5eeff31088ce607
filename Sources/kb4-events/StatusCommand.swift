import ArgumentParser
import Foundation
import KB4EventsAPI
import KB4EventsPipeline

/// `kb4-events status`: the manifest and run records as an operator sees them. Reads only.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Per-day state (complete, missing, in lookback), gaps, revisions, last run and calls used today.",
        discussion: "Exit 66 when there is no lake at the place given (no _manifest.json and no run recorded).")

    @OptionGroup var options: ExportOptions

    @Flag(name: .long, help: "One JSON object instead of text.")
    var json = false

    func run() async throws {
        do {
            let today = options.today ?? .utcToday
            let resolved = try PipelineFile.resolve(pipeline: options.source.pipeline, overrides: options.overrides)
            let settings = resolved.exportSettings(today: today)
            let lake = settings.lake
            let manifest = try Manifest.load(from: lake.manifest)
            let lastRun = RunRecord.load(from: lake)
            if manifest == nil && lastRun == nil { throw NoLake(root: lake.root).exit() }
            let status = LakeStatus.make(
                root: lake.root, manifest: manifest, start: settings.startDate, lookbackDays: settings.lookbackDays,
                today: today, lastRun: lastRun, budget: try PipelineFile.budget(resolved, today: today))
            writeOut(json ? status.json.prettyText : status.text)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw ExitStatus.report(error)
        }
    }
}
