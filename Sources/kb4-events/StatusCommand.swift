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

    @OptionGroup var lake: LakeDaysOptions
    @OptionGroup var window: SyncWindowOptions

    @Option(name: .long, help: "Pipeline file (YAML, version 1): its output, window and seats; flags override it.")
    var pipeline: String?

    @Flag(name: .long, help: .hidden)
    var json = false

    /// Accepted and unused, so one set of flags serves plan, sync and status in scripts.
    @Option(name: .long, help: .hidden)
    var format: OutputFormat?

    @OptionGroup var output: TableOutputOptions

    func run() async throws {
        do {
            let today = self.lake.today ?? .utcToday
            let resolved = try PipelineFile.resolve(pipeline: pipeline, overrides: window.overrides(self.lake.overrides()))
            let settings = resolved.exportSettings(today: today)
            let lake = settings.lake
            let manifest = try Manifest.load(from: lake.manifest)
            let lastRun = RunRecord.load(from: lake)
            let holder = LakeLock.holder(layout: lake)
            if manifest == nil && lastRun == nil && holder == nil { throw NoLake(root: lake.root) }
            let status = LakeStatus.make(
                root: lake.root, manifest: manifest, start: settings.startDate, lookbackDays: settings.lookbackDays,
                today: today, lastRun: lastRun, budget: try PipelineFile.budget(resolved, today: today))
            let since = holder.map { isoSeconds($0.since) }
            if json || output.output == .json {
                var o = status.json
                if case .object(var object) = o {
                    object.append(
                        "running",
                        holder.map { .object(JSONObject([("pid", Int($0.pid).map { .number(String($0)) } ?? .null), ("since", .string(since!))])) } ?? .null)
                    o = .object(object)
                }
                writeOut(o.prettyText)
            } else {
                var text = status.text
                if let holder {
                    text = "run in progress: pid \(holder.pid) holds the lock since \(since!)\n" + text
                }
                writeOut(text)
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw ExitStatus.report(error)
        }
    }
}
