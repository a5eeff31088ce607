import ArgumentParser
import Foundation
import KB4EventsAPI
import KB4EventsPipeline
import KB4EventsCore

/// `--pipeline FILE`: declared once, for every command that reads a pipeline file.
struct PipelineOption: ParsableArguments {
    @Option(name: .long, help: "Pipeline file (YAML, version 1); flags override it.")
    var pipeline: String?
}

/// Where the API is and how to reach it: shared by every command that calls the API.
struct SourceOptions: ParsableArguments {
    @OptionGroup var pipelineFile: PipelineOption
    var pipeline: String? { pipelineFile.pipeline }

    @Option(name: .long, help: "API region (the console's region).")
    var region: Region?

    @Option(name: .customLong("base-url"), help: "API base URL (https, or http for a loopback host).")
    var baseURL: String?

    @Option(name: .customLong("api-key-file"), help: "Read the API key from this file instead of the environment.")
    var apiKeyFile: String?

    @Option(name: .customLong("requests-per-second"), help: "Client pacing; default: source.requests_per_second, else 4.")
    var requestsPerSecond: Double?

    @Option(
        name: .customLong("retry-budget"),
        help:
            "Seconds one call may keep retrying transient failures before exit 69; default: 60 for api, source.retry_budget_secs (5400) for sync and backfill."
    )
    var retryBudget: Double?

    func validate() throws {
        if let r = requestsPerSecond, r <= 0 { throw ValidationError("--requests-per-second must be positive") }
        if let r = retryBudget, !(0...86_400).contains(r) { throw ValidationError("--retry-budget must be 0…86400 seconds") }
        if region != nil && baseURL != nil { throw ValidationError("give --region or --base-url, not both") }
        if let baseURL {
            do { _ = try BaseURL(parsing: baseURL) } catch { throw ValidationError("--base-url: \(error.reason)") }
        }
    }
}

/// Log destination and verbosity (logs always go to stderr).
struct LogOptions: ParsableArguments {
    @Option(name: .customLong("log-format"), help: "Log format on stderr.")
    var logFormat: LogFormat = .text

    @Flag(name: .long, help: "Only warnings and errors on stderr.")
    var quiet = false

    @Flag(name: .long, help: "Debug logging on stderr.")
    var verbose = false

    func validate() throws {
        if quiet && verbose { throw ValidationError("give --quiet or --verbose, not both") }
    }
}

/// Which days `sync` considers (`backfill` takes --from/--to instead): also read by `status` and `plan`.
struct DayRangeOptions: ParsableArguments {
    @Option(name: .customLong("start-date"), help: "First day of the lake: sync starts there (YYYY-MM-DD).")
    var startDate: Day?

    @Option(name: .customLong("lookback-days"), help: "Complete days re-checked for backdated events.")
    var lookbackDays: Int?

    func validate() throws {
        if let lookbackDays, !(0...366).contains(lookbackDays) {
            throw ValidationError("--lookback-days must be 0…366")
        }
    }

    /// These flags over `base`.
    func overrides(_ base: Overrides) -> Overrides {
        var o = base
        o.startDate = startDate
        o.lookbackDays = lookbackDays
        return o
    }
}

/// `--from D --to D`, optional, for `plan` (a backfill plan) and `rebuild` (a range of days).
struct DaySpanOptions: ParsableArguments {
    @Option(name: .long, help: "First day (YYYY-MM-DD).")
    var from: Day?

    @Option(name: .long, help: "Last day (YYYY-MM-DD).")
    var to: Day?

    func validate() throws { if let from, let to { try Self.checkOrder(from, to) } }

    /// The one ordering rule of a range of days (backfill's too).
    static func checkOrder(_ from: Day, _ to: Day) throws {
        guard from <= to else { throw ValidationError("--from \(from) is after --to \(to)") }
    }
}

/// Where the lake is, its budget and the clock: what `sync`/`backfill` share with the read-only `status` and `plan`.
struct LakeDaysOptions: ParsableArguments {
    @Option(name: .long, help: "The lake: a directory or s3://bucket/prefix.")
    var out: String?

    @Option(name: .long, help: "Licensed seats (daily call budget = 10 × seats).")
    var seats: Int?

    @Option(name: .long, help: "Override today's UTC date (YYYY-MM-DD), for tests and replays.")
    var today: Day?

    func validate() throws {
        try LakeDaysOptions.checkDirectory(out)
        if let seats, seats < 1 { throw ValidationError("--seats must be at least 1") }
    }

    /// `--out` may be missing (created by the run) but not a file.
    static func checkDirectory(_ out: String?) throws {
        var isDirectory: ObjCBool = false
        if let out, FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw ValidationError("--out \(out) is a file; give the lake's directory")
        }
    }

    /// These flags over `base`.
    func overrides(_ base: Overrides = Overrides()) -> Overrides {
        var o = base
        o.outputDir = out
        o.seats = seats
        return o
    }
}

/// Options of the export commands; each one given here overrides the pipeline file.
struct ExportOptions: ParsableArguments {
    @OptionGroup var lake: LakeDaysOptions

    @Option(name: .long, help: "Format of the data files (default: the lake's, else ndjson).")
    var format: OutputFormat?

    @Flag(name: .customLong("keep-raw"), help: "Also keep the API's pages under _raw/.")
    var keepRaw = false

    @Option(
        name: .customLong("day-filter-offset"),
        help: "The clock of the API's day filter: +00:00 (UTC days, the default), an account's offset such as -05:00, or auto.")
    var dayFilter: DayFilterSetting?

    @OptionGroup var source: SourceOptions
    @OptionGroup var log: LogOptions

    var today: Day? { lake.today }

    /// The overrides of these flags with `sync`'s window flags.
    func overrides(window: DayRangeOptions?) -> Overrides {
        window.map { $0.overrides(overrides) } ?? overrides
    }

    var overrides: Overrides {
        var o = lake.overrides(source.overrides)
        o.format = format
        o.keepRaw = keepRaw ? true : nil
        o.dayFilter = dayFilter
        return o
    }
}

extension SourceOptions {
    /// The source-related overrides of these flags.
    var overrides: Overrides {
        var o = Overrides()
        o.region = region
        o.baseURL = baseURL
        o.requestsPerSecond = requestsPerSecond
        o.retryBudgetSecs = retryBudget
        return o
    }
}

enum LogFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

extension OutputFormat: ExpressibleByArgument {}
extension Region: ExpressibleByArgument {}
extension DayFilterSetting: ExpressibleByArgument {
    init?(argument: String) { self.init(argument) }
}
extension Day: ExpressibleByArgument {
    init?(argument: String) { self.init(argument) }
}
