package import KB4EventsAPI
package import KB4EventsCore

/// Settings given on the command line; each one set here wins over the pipeline file.
package struct Overrides: Sendable {
    package var outputDir: String?
    package var format: OutputFormat?
    package var region: Region?
    package var baseURL: String?
    package var startDate: Day?
    package var lookbackDays: Int?
    package var seats: Int?
    package var requestsPerSecond: Double?
    package var keepRaw: Bool?
    /// `--retry-budget`: seconds one call may keep retrying (wins over `source.retry_budget_secs`).
    package var retryBudgetSecs: Double?
    /// `--source-changed`: the lake's recorded base URL may differ from this run's (the lake moved).
    package var sourceChanged = false
    package var dayFilter: DayFilterSetting?
    /// The command can do without a lake (the `api` commands): with no `--out` and no `output.dir`, the settings
    /// name the current directory and `ResolvedPipeline.lakeIsGiven` is false.
    package var lakeOptional = false
    /// `--account`: the account's name (wins over the pipeline file's `name`).
    package var account: String?
    package init() {}
}

/// A pipeline with file, flags and defaults merged and checked, ready to build a run.
package struct ResolvedPipeline: Sendable {
    /// Where events come from.
    package enum Source: Sendable {
        case api(BaseURL)
        case simulator(PipelineConfiguration.SimulatorSource)
    }

    package var source: Source
    /// Environment variable holding the key.
    package var apiKeyEnv: String
    /// Licensed users; the daily call budget is 10 × seats.
    package var seats: Int?
    /// Client pacing.
    package var requestsPerSecond: Double
    /// Read timeout for one call.
    package var timeoutSecs: Double
    /// `source.ca_bundle`: extra CA certificates for the API (nil: the system's, or `SSL_CERT_FILE`).
    package var caBundle: String?
    /// Calls per UTC day: `daily_call_budget`, else 10 × seats, else unknown (nil).
    package var dailyCallBudget: Int?
    /// Calls of the daily budget that exports leave for the `api` commands.
    package var apiReserveCalls: Int
    /// Backoff and retry limits.
    package var retry: RetryPolicy
    package var export: ExportSettings
    /// A lake was named (`--out` or `output.dir`); false only for a command whose lake is optional.
    package var lakeIsGiven = true
    /// The account the run's metrics and record are labelled with (`AccountName.resolve`).
    package var account = AccountName.fallback

    /// Merges `file` (may be empty) with `flags`; `file` names the pipeline file in errors.
    package static func resolve(
        file: PipelineConfiguration, flags: Overrides, fileName: String?, toolVersion: String
    ) throws(ConfigurationError) -> ResolvedPipeline {
        let name = fileName ?? "command line"
        let source: Source
        if flags.region != nil || flags.baseURL != nil {
            if let text = flags.baseURL {
                do { source = .api(try BaseURL(parsing: text)) } catch {
                    throw ConfigurationError(file: "command line", keyPath: "--base-url", reason: error.reason, line: nil)
                }
            } else {
                source = .api(flags.region!.baseURL)
            }
        } else if case .simulator(let sim) = file.source {
            source = .simulator(sim)
        } else if let text = file.baseURL {
            do { source = .api(try BaseURL(parsing: text)) } catch {
                throw ConfigurationError(file: name, keyPath: "source.base_url", reason: error.reason, line: nil)
            }
        } else {
            source = .api((file.region ?? .us).baseURL)
        }
        let given = flags.outputDir ?? file.outputDir
        guard let dir = given ?? (flags.lakeOptional ? "." : nil), !dir.isEmpty else {
            throw ConfigurationError(
                file: name, keyPath: "output.dir", reason: "no output directory: give --out DIR or output.dir", line: nil,
                category: .usage)
        }
        let lake: LakeLayout
        do {
            // output.s3 describes the file's own s3:// lake; a local --out over such a file leaves it aside.
            let s3 = flags.outputDir != nil && !(flags.outputDir!.lowercased().hasPrefix("s3://")) ? nil : file.outputS3
            lake = try LakeLayout.open(dir, s3: s3)
        } catch {
            throw ConfigurationError(
                file: flags.outputDir != nil ? "command line" : name, keyPath: flags.outputDir != nil ? "--out" : "output.dir",
                reason: "\(error)", line: nil)
        }
        var start = flags.startDate ?? file.startDate
        if start == nil, case .simulator(let sim) = source, let first = sim.firstDay { start = first }
        let baseURLText: String
        switch source {
        case .api(let url): baseURLText = url.description
        case .simulator: baseURLText = "simulator"
        }
        var export = ExportSettings(
            lake: lake, format: flags.format ?? file.format ?? .ndjson,
            formatIsExplicit: (flags.format ?? file.format) != nil,
            compressionLevel: file.compressionLevel, parquetCodec: file.parquetCodec ?? .default, keepRaw: flags.keepRaw ?? file.keepRaw ?? false,
            startDate: start, lookbackDays: flags.lookbackDays ?? file.lookbackDays ?? 3, perPage: file.perPage ?? 100,
            pageOrder: file.pageOrder ?? .occurredDate,
            maxInFlight: file.maxInFlight ?? PipelineConfiguration.maxInFlightLimit, baseURL: baseURLText, toolVersion: toolVersion)
        export.sourceChanged = flags.sourceChanged
        export.dayFilter = flags.dayFilter ?? file.dayFilter
        let seats = flags.seats ?? file.seats
        var retry = RetryPolicy()
        if let v = flags.retryBudgetSecs ?? file.retryBudgetSecs { retry.budget = .milliseconds(Int64(v * 1000)) }
        if let v = file.initialBackoffSecs { retry.initialBackoff = .milliseconds(Int64(v * 1000)) }
        if let v = file.maxBackoffSecs { retry.maxBackoff = .milliseconds(Int64(v * 1000)) }
        if let v = file.throttleSpanSecs { retry.throttleSpan = .milliseconds(Int64(v * 1000)) }
        var resolved = ResolvedPipeline(
            source: source, apiKeyEnv: file.apiKeyEnv ?? "KB4_EVENTS_API_KEY", seats: seats,
            requestsPerSecond: flags.requestsPerSecond ?? file.requestsPerSecond ?? 4,
            timeoutSecs: file.timeoutSecs ?? 30, dailyCallBudget: file.dailyCallBudget ?? seats.map { $0 * 10 },
            apiReserveCalls: file.apiReserveCalls ?? 10, retry: retry, export: export)
        resolved.lakeIsGiven = given != nil
        resolved.account = AccountName.resolve(
            flag: flags.account, name: file.name, pipelineFile: fileName, lake: given != nil ? lake.location : nil)
        resolved.caBundle = file.caBundle
        return resolved
    }
}

extension ResolvedPipeline {
    /// Reads the pipeline file at `path` (nil: none, everything from `flags` and defaults) and resolves it with
    /// `flags`: how every command turns its pipeline file and flags into settings.
    package static func load(pipeline path: String?, flags: Overrides, toolVersion: String) throws -> ResolvedPipeline {
        let file =
            try path.map { path throws(ConfigurationError) in try PipelineConfiguration.load(path: path) }
            ?? PipelineConfiguration()
        return try resolve(file: file, flags: flags, fileName: path, toolVersion: toolVersion)
    }

    /// The account of a run whose pipeline file could not be resolved: what `--account`, the file's base name or the
    /// lake `out` say (the file is not read again: it may be a pipe).
    package static func fallbackAccount(flag: String?, pipeline path: String?, out: String?) -> String {
        AccountName.resolve(flag: flag, name: nil, pipelineFile: path, lake: out.flatMap { try? LakeLocation($0) })
    }

    /// The export settings for a run on `today`: a simulator source with no start date starts at its first
    /// generated day, so the demo exports its whole range.
    package func exportSettings(today: Day) -> ExportSettings {
        var settings = export
        if settings.startDate == nil, case .simulator(let sim) = source {
            settings.startDate = sim.firstDay ?? today.adding(days: -(sim.days - 1))
        }
        return settings
    }
}
