import ArgumentParser
import Foundation
import KB4EventsAPI
import KB4EventsPipeline

/// `kb4-events plan`: what `sync` (or, with `--from/--to`, `backfill`) would fetch and what it would cost.
/// Makes no API call, takes no lock and writes nothing.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract:
            "Dry run: the windows sync (or backfill with --from/--to) would fetch, estimated calls vs the daily budget.",
        discussion: """
            Estimates come from the manifest's api_calls of a day when known, else 1 + ceil(events-per-day / per_page).
            No API call, no lock, no write. A table on a terminal, JSON otherwise (or with --json).
            """)

    @OptionGroup var options: ExportOptions

    @Option(name: .long, help: "First day of a backfill plan (YYYY-MM-DD); with --to.")
    var from: Day?

    @Option(name: .long, help: "Last day of a backfill plan (YYYY-MM-DD); with --from.")
    var to: Day?

    @Flag(name: .long, help: "Plan as with --force (re-export complete days).")
    var force = false

    @Option(name: .customLong("events-per-day"), help: "Events per day guessed for days with no history (default 100).")
    var eventsPerDay = 100

    @Flag(name: .long, help: "JSON even on a terminal.")
    var json = false

    func validate() throws {
        if (from == nil) != (to == nil) { throw ValidationError("give both --from and --to, or neither (a sync plan)") }
        if let from, let to, from > to { throw ValidationError("--from \(from) is after --to \(to)") }
        if eventsPerDay < 0 { throw ValidationError("--events-per-day must be 0 or more") }
    }

    func run() async throws {
        do {
            let today = options.today ?? .utcToday
            let resolved = try PipelineFile.resolve(pipeline: options.source.pipeline, overrides: options.overrides)
            var settings = resolved.exportSettings(today: today)
            let manifest = try Manifest.load(from: settings.lake.manifest)
            settings = settings.adopting(lakeFormat: manifest?.format)
            let request: RunRequest =
                if let from, let to { .backfill(from: from, to: to, force: force) } else { .sync(force: force) }
            _ = try settings.formatSwitch(for: manifest, force: force)
            let plan = ExportPlan.make(
                request: request, settings: settings, manifest: manifest, today: today,
                budget: try PipelineFile.budget(resolved, today: today), eventsPerDay: eventsPerDay)
            if json || isatty(STDOUT_FILENO) == 0 {
                writeOut(plan.json.prettyText)
            } else {
                writeOut(plan.table)
            }
        } catch {
            throw ExitStatus.report(error)
        }
    }
}
