import KB4EventsAPI
package import KB4EventsCore

/// Everything a run needs to know about the lake and the windows, already validated.
package struct ExportSettings: Sendable {
    /// The lake root and its paths.
    package var lake: LakeLayout
    package var format: OutputFormat
    /// Whether `format` was asked for (flag or pipeline file); when not, a lake keeps the format it holds.
    package var formatIsExplicit: Bool
    /// `output.compression_level`, 1…9, for the data files' codec; nil: the codec's default (gzip 6, zstd 1).
    var compressionLevel: Int?
    /// The codec of Parquet pages (`output.parquet_compression`); the text formats are always gzip.
    var parquetCodec: ParquetCodec
    /// Keep the API's pages under `_raw/`.
    package var keepRaw: Bool
    /// First day `sync` considers; nil: the lake's earliest window, or yesterday on an empty lake.
    package var startDate: Day?
    /// Complete days re-checked each night for backdated events.
    package var lookbackDays: Int
    /// `per_page` asked of the API (the server may clamp it).
    package var perPage: Int
    /// The order days are paged in: `occurred_date` streams the day as it arrives; `id` (a unique key, so
    /// pages stay stable whatever the API does with equal timestamps) sorts each day locally.
    var pageOrder: PageOrder
    /// Requests that may wait for their answers at once (1: one page at a time; see `PageFetcher`).
    var maxInFlight: Int
    /// The clock of the API's day filter (`source.day_filter_offset`); nil when none was asked for: the lake's
    /// recorded one, or +00:00 on a new lake (as the format).
    package var dayFilter: DayFilterSetting?
    /// Recorded in the manifest (never a key).
    package var baseURL: String
    /// Recorded per window.
    package var toolVersion: String
    /// `--source-changed`: a lake whose manifest records another base URL is taken as moved, not refused.
    package var sourceChanged = false

    /// Creates settings.
    package init(
        lake: LakeLayout, format: OutputFormat, formatIsExplicit: Bool = true, compressionLevel: Int? = nil,
        parquetCodec: ParquetCodec = .default, keepRaw: Bool = false,
        startDate: Day? = nil, lookbackDays: Int = 3, perPage: Int = 100, pageOrder: PageOrder = .occurredDate,
        maxInFlight: Int = 8, baseURL: String, toolVersion: String
    ) {
        self.lake = lake
        self.format = format
        self.formatIsExplicit = formatIsExplicit
        self.compressionLevel = compressionLevel
        self.parquetCodec = parquetCodec
        self.keepRaw = keepRaw
        self.startDate = startDate
        self.lookbackDays = lookbackDays
        self.perPage = perPage
        self.pageOrder = pageOrder
        self.maxInFlight = maxInFlight
        self.baseURL = baseURL
        self.toolVersion = toolVersion
    }
}

extension ExportSettings {
    /// These settings for a lake whose manifest records `lakeFormat`: with no format asked for, the lake's own.
    package func adopting(lakeFormat: OutputFormat?) -> ExportSettings {
        var settings = self
        if !formatIsExplicit, let lakeFormat { settings.format = lakeFormat }
        return settings
    }

    /// The lake-format rule (PRODUCT.md: one lake root holds one format), written once for the export, `plan` and
    /// `rebuild`: true when writing `format` into the lake that `manifest` records switches its format (every recorded
    /// day is then rewritten); a lake with recorded days in another format is refused unless `force`.
    package func formatSwitch(for manifest: Manifest?, force: Bool) throws -> Bool {
        guard let manifest, manifest.format != format else { return false }
        if manifest.days.isEmpty || force { return true }
        throw PipelineError(
            stage: .config, category: .configuration, code: "format_mismatch",
            message:
                "the lake at \(lake.root) holds \(manifest.format.rawValue) files; refusing to mix in \(format.rawValue) (use --format \(manifest.format.rawValue), another --out, or --force to rewrite every day as \(format.rawValue))"
        )
    }
}

extension ExportSettings {
    /// Refuses a run whose base URL is not the one the lake was filled from (another region's account is
    /// another account), unless `sourceChanged`. A loopback host matches any loopback port (a simulator gets a
    /// new port at every start); a manifest with no base URL or no day recorded matches anything.
    func checkSource(against manifest: Manifest) throws {
        let recorded = manifest.baseURL
        guard !sourceChanged, !manifest.days.isEmpty, !recorded.isEmpty, recorded != baseURL else { return }
        if let a = try? BaseURL(parsing: recorded), let b = try? BaseURL(parsing: baseURL), a.isLoopback, b.isLoopback {
            return
        }
        throw PipelineError(
            stage: .config, category: .configuration, code: "source_mismatch",
            message:
                "the lake at \(lake.root) was filled from \(recorded), but this run resolves \(baseURL) (from --region, --base-url or the pipeline file; us when none is given): give the lake's region or base URL, or add --source-changed if the account really moved"
        )
    }
}

/// The `order_by` a day is paged with.
package enum PageOrder: String, Sendable, CaseIterable {
    /// Ascending time: the day streams through the transform with bounded memory. Exact when the API keeps
    /// equal timestamps in the same order from one request to the next.
    case occurredDate = "occurred_date"
    /// Ascending id: pages cannot reshuffle rows with equal timestamps; each day is sorted locally (spilling to disk).
    case id

    /// The API's order field.
    var orderBy: EventQuery.OrderBy {
        switch self {
        case .occurredDate: return .occurredDate
        case .id: return .id
        }
    }
}

/// What the run was asked to do.
package enum RunRequest: Sendable, Equatable {
    /// Every incomplete day up to yesterday, plus the lookback; `force` re-exports every day from the start.
    case sync(force: Bool)
    /// Every incomplete day in the range (clamped to yesterday); `force` re-exports complete ones too.
    case backfill(from: Day, to: Day, force: Bool)
}

/// The clock a run sees: today's UTC day (or the override) and the wall time for timestamps.
package struct RunClock: Sendable {
    /// Today (UTC). Nothing on or after it is exported.
    package var today: Day
    /// Seconds since the epoch, for `completed_at`/`checked_at`.
    package var now: @Sendable () -> Double

    /// Creates a clock.
    package init(today: Day, now: @escaping @Sendable () -> Double) {
        self.today = today
        self.now = now
    }
}

/// What a run did, for the summary line and metrics.
package struct RunSummary: Sendable, Equatable {
    package var daysWritten = 0
    package var daysUnchanged = 0
    package var daysSkipped = 0
    package var events = 0
    var duplicatesDropped = 0
    var apiCalls = 0
    package var retries = 0
    package var throttled = 0
    /// Requests made ahead whose answers were not needed (a day that ended before its `total_pages`, a stop).
    var unusedRequests = 0
    /// The most requests that waited for answers at once.
    package var peakInFlight = 0
    var durationSeconds = 0.0
    var clampedTo: Day?
    /// Days rewritten because their content changed (revision > 1).
    var revised: [Day] = []

    /// The one line printed at the end of a run.
    package var line: String {
        let d = (durationSeconds * 10).rounded() / 10
        var calls = "API calls \(apiCalls)"
        var notes: [String] = []
        if retries > 0 || throttled > 0 { notes += ["\(retries) \(retries == 1 ? "retry" : "retries")", "\(throttled) throttled"] }
        if unusedRequests > 0 { notes.append("\(unusedRequests) unused") }
        if !notes.isEmpty { calls += " (" + notes.joined(separator: ", ") + ")" }
        return
            "days written \(daysWritten), unchanged \(daysUnchanged), skipped \(daysSkipped); events \(events); \(calls); \(d) s"
    }
}
