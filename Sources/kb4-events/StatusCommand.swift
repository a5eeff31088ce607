import ArgumentParser
import Foundation
import KB4EventsAPI
import KB4EventsPipeline
import KB4EventsCore

/// `kb4-events status`: the manifest and run records as an operator sees them. Reads only.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Per-day state (complete, missing, in lookback), gaps, revisions, last run and calls used today.",
        discussion: "Exit 66 when there is no lake at the place given (no _manifest.json and no run recorded).")

    @OptionGroup var lake: LakeDaysOptions
    @OptionGroup var window: DayRangeOptions

    @OptionGroup var pipelineFile: PipelineOption
    var pipeline: String? { pipelineFile.pipeline }

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
            let manifest = try await Manifest.load(from: lake.store)?.manifest
            let lastRun = await RunRecord.load(from: lake)
            let holder = await RunLock.holder(lake, now: Date().timeIntervalSince1970)
            if manifest == nil && lastRun == nil && holder == nil { throw NoLake(root: lake.root) }
            let status = LakeStatus.make(
                root: lake.root, manifest: manifest, start: settings.startDate, lookbackDays: settings.lookbackDays,
                today: today, lastRun: lastRun, budget: try await PipelineFile.budget(resolved, today: today))
            if json || output.json(whenPiped: false) {
                var o = status.json
                if case .object(var object) = o {
                    object.append(
                        "running",
                        holder.map { h in
                            .object(
                                JSONObject([
                                    ("pid", h.pid.map { .number(String($0)) } ?? .null),
                                    ("host", h.host.map { .string($0) } ?? .null),
                                    ("since", h.since.map { .string(isoSeconds($0)) } ?? .null),
                                    ("lease_until", h.until.map { .string(isoSeconds($0)) } ?? .null),
                                ]))
                        } ?? .null)
                    o = .object(object)
                }
                writeOut(o.prettyText)
            } else {
                var text = status.text
                if let holder {
                    text = "run in progress: \(holder.text)\n" + text
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
