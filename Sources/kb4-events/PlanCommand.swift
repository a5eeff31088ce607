import ArgumentParser
import Foundation
import KB4EventsAPI
import KB4EventsPipeline
import KB4EventsCore

/// `kb4-events plan`: what `sync` (or, with `--from/--to`, `backfill`) would fetch and what it would cost.
/// Makes no API call, takes no lock and writes nothing.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract:
            "Dry run: the windows sync (or backfill with --from/--to) would fetch, estimated calls vs the daily budget.",
        discussion: """
            Estimates come from the manifest's api_calls of a day when known, else 1 + ceil(events-per-day / per_page). \
            No API call, no lock, no write. A table on a terminal, JSON otherwise (--output json|table).
            """)

    @OptionGroup var lake: LakeDaysOptions
    @OptionGroup var window: DayRangeOptions

    @OptionGroup var pipelineFile: PipelineOption
    var pipeline: String? { pipelineFile.pipeline }

    @Option(name: .long, help: "Format of the data files (a plan with another format than the lake's needs --force).")
    var format: OutputFormat?

    /// A backfill plan's days: both or neither (a sync plan).
    @OptionGroup var span: DaySpanOptions

    @Flag(name: .long, help: "Plan as with --force (re-export complete days).")
    var force = false

    @Option(
        name: .customLong("day-filter-offset"),
        help: "The clock of the API's day filter, as for sync: an offset such as -05:00 adds an API day to each run of days.")
    var dayFilter: DayFilterSetting?

    @Option(name: .customLong("events-per-day"), help: "Events per day guessed for days with no history.")
    var eventsPerDay = 100

    @Flag(name: .long, help: .hidden)
    var json = false

    @OptionGroup var output: TableOutputOptions

    func validate() throws {
        if (span.from == nil) != (span.to == nil) {
            throw ValidationError("give both --from and --to, or neither (a sync plan)")
        }
        if eventsPerDay < 0 { throw ValidationError("--events-per-day must be 0 or more") }
    }

    func run() async throws {
        let request: RunRequest =
            if let from = span.from, let to = span.to { .backfill(from: from, to: to, force: force) } else { .sync(force: force) }
        var overrides = window.overrides(lake.overrides())
        overrides.format = format
        overrides.dayFilter = dayFilter
        try await Self.plan(
            pipeline: pipeline, overrides: overrides, today: lake.today, request: request, eventsPerDay: eventsPerDay,
            json: json || output.json(whenPiped: true))
    }

    /// Prints the plan of `request` (also `sync --dry-run`).
    static func plan(
        pipeline: String?, overrides: Overrides, today: Day?, request: RunRequest, eventsPerDay: Int, json: Bool
    ) async throws {
        do {
            let today = today ?? .utcToday
            let resolved = try PipelineFile.resolve(pipeline: pipeline, overrides: overrides)
            var settings = resolved.exportSettings(today: today)
            let manifest = try await Manifest.load(from: settings.lake.store)?.manifest
            settings = settings.adopting(lakeFormat: manifest?.format)
            _ = try settings.formatSwitch(for: manifest, force: request.force)
            let plan = ExportPlan.make(
                request: request, settings: settings, manifest: manifest, today: today,
                budget: try await PipelineFile.budget(resolved, today: today), eventsPerDay: eventsPerDay)
            writeOut(json ? plan.json.prettyText : plan.table)
        } catch {
            throw ExitStatus.report(error)
        }
    }
}
