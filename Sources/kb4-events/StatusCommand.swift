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
        discussion: """
            Exit 66 when there is no lake at the place given (no _manifest.json and no run recorded).
            With --fleet PREFIX: one row per lake one level under PREFIX (a directory or s3://bucket/prefix; a lake is a
            folder with _manifest.json or _state/last_run.json): account, last run, days behind yesterday, gaps, calls
            used today. Exit 79 when any lake needs attention (last run failed, stale, gaps, or unreadable), 66 when
            PREFIX holds no lake.
            """)

    @OptionGroup var fleet: FleetOptions

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

    func validate() throws {
        if fleet.fleet != nil, lake.out != nil || pipeline != nil {
            throw ValidationError("--fleet: not with --out or --pipeline (the lakes are the folders under the prefix)")
        }
    }

    func run() async throws {
        if let prefix = fleet.fleet {
            try await runFleet(prefix)
            return
        }
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

extension StatusCommand {
    /// `status --fleet PREFIX`: the fleet view, exit 79 when a lake needs attention.
    func runFleet(_ prefix: String) async throws {
        let status: FleetStatus
        do {
            status = try await FleetStatus.load(
                prefix, today: lake.today ?? .utcToday, now: Date().timeIntervalSince1970,
                thresholds: fleet.thresholds, maxInFlight: fleet.maxInFlight)
        } catch {
            throw ExitStatus.report(error)
        }
        writeOut(json || output.json(whenPiped: false) ? status.json.prettyText : status.text)
        if status.needsAttention { throw ExitCode(ExitStatus.attention) }
    }
}

/// `status --fleet PREFIX` and when a lake of the fleet needs attention.
struct FleetOptions: ParsableArguments {
    @Option(name: .long, help: "A directory or s3://bucket/prefix holding several lakes: one row per lake.")
    var fleet: String?

    @Option(name: .customLong("max-in-flight"), help: "With --fleet: lakes read at once (requests in flight).")
    var maxInFlight = 16

    @Option(name: .customLong("stale-hours"), help: "With --fleet: a last run older than this is stale.")
    var staleHours: Double = 36

    @Option(name: .customLong("max-days-behind"), help: "With --fleet: more days behind yesterday than this is stale.")
    var maxDaysBehind = 1

    @Option(name: .customLong("max-gap-days"), help: "With --fleet: more missing days than this (before the last complete day) are gaps.")
    var maxGapDays = 0

    func validate() throws {
        guard (1...1024).contains(maxInFlight) else { throw ValidationError("--max-in-flight must be 1…1024") }
        guard staleHours > 0, staleHours.isFinite else { throw ValidationError("--stale-hours must be above 0") }
        guard maxDaysBehind >= 0 else { throw ValidationError("--max-days-behind must be 0 or more") }
        guard maxGapDays >= 0 else { throw ValidationError("--max-gap-days must be 0 or more") }
    }

    var thresholds: FleetStatus.Thresholds {
        var t = FleetStatus.Thresholds()
        t.staleHours = staleHours
        t.maxDaysBehind = maxDaysBehind
        t.maxGapDays = maxGapDays
        return t
    }
}
