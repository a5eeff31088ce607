import KB4EventsAPI
package import Logging
package import KB4EventsCore

/// Regenerates partitions and manifest entries from the raw pages kept under `_raw/` (`--keep-raw`), with no
/// API call: to switch the lake's format or to recover a damaged partition. The same pages give the same
/// bytes as the export that fetched them.
package final class Rebuilder {
    /// The settings; the format is the lake's unless one was asked for explicitly (`formatIsExplicit`).
    private var settings: ExportSettings
    private let logger: Logger
    private let clock: RunClock
    /// Identifies this run in the manifest and in temporary file names.
    package let runID: String

    /// Creates a rebuilder; `settings.format` is the format to write when `settings.formatIsExplicit`, else the
    /// lake's.
    package init(settings: ExportSettings, logger: Logger, clock: RunClock, runID: String) {
        self.settings = settings
        self.logger = logger
        self.clock = clock
        self.runID = runID
    }

    /// Days that have kept raw pages, and their page objects.
    static func rawPages(in lake: LakeLayout) async throws -> [Day: [ObjectMeta]] {
        var days: [Day: [ObjectMeta]] = [:]
        for object in try await lake.store.list(prefix: "_raw/dt=") {
            let parts = object.key.split(separator: "/")
            guard parts.count == 3, let day = Day(String(parts[1].dropFirst(3))), parts[2].hasPrefix("page-") else {
                continue
            }
            days[day, default: []].append(object)
        }
        return days
    }

    /// Rebuilds every day with raw pages in `from…to` (all when nil).
    package func run(from: Day?, to: Day?) async throws -> RunSummary {
        let lake = settings.lake
        guard lake.store.exists else {
            throw PipelineError(
                stage: .config, category: .missingInput, code: "no_lake", message: "no lake at \(lake.root)")
        }
        let lock = try await RunLock.acquire(lake, runID: runID, now: clock.now, logger: logger)
        do {
            let summary = try await runLocked(from: from, to: to, lock: lock)
            await lock.release()
            return summary
        } catch {
            await lock.release()
            throw error
        }
    }

    /// `run` with the lake's lock held.
    private func runLocked(from: Day?, to: Day?, lock: RunLock) async throws -> RunSummary {
        let started = clock.now()
        let lake = settings.lake
        FileSystem.removeTree(lake.work(tag: runID))
        defer {
            FileSystem.removeTree(lake.work(tag: runID))
            FileSystem.removeIfEmpty(lake.workRoot)
        }
        let existing = try await Manifest.load(from: lake.store)
        var etag = existing?.etag
        settings = settings.adopting(lakeFormat: existing?.manifest.format)
        var manifest = existing?.manifest ?? Manifest(format: settings.format, baseURL: settings.baseURL)
        let rawObjects = try await withStoreErrors(nil) { try await Self.rawPages(in: lake) }
        let available = rawObjects.keys.sorted()
        var days = available.filter { (from == nil || $0 >= from!) && (to == nil || $0 <= to!) }
        // rebuild is a forced switch by nature; it must rewrite every recorded day, so every one needs its pages.
        if try settings.formatSwitch(for: manifest, force: true) && !manifest.days.isEmpty {
            if from != nil || to != nil {
                throw PipelineError(
                    stage: .config, category: .configuration, code: "partial_format_switch",
                    message:
                        "switching \(lake.root) from \(manifest.format.rawValue) to \(settings.format.rawValue) rewrites every day; drop --from/--to"
                )
            }
            let missing = manifest.days.keys.sorted().filter { !available.contains($0) }
            if !missing.isEmpty {
                throw PipelineError(
                    stage: .config, category: .configuration, code: "raw_missing",
                    message:
                        "cannot switch the format: \(missing.count) recorded day(s) have no raw pages (first \(missing[0])); export them again with --keep-raw --force, or keep \(manifest.format.rawValue)"
                )
            }
            days = available
            manifest.format = settings.format
        }
        if days.isEmpty {
            // Nothing asked for can be done: a failure, not a quiet success.
            let range = from == nil && to == nil ? "" : " for \(from.map { "\($0)" } ?? "…")…\(to.map { "\($0)" } ?? "…")"
            throw PipelineError(
                stage: .config, category: .missingInput, code: "raw_missing",
                message:
                    "no raw pages\(range) under \(lake.root)/_raw: rebuild needs the pages kept by an export with --keep-raw; repair a day without them with `kb4-events backfill --from D --to D --force`"
            )
        }
        var summary = RunSummary()
        let committer = DayCommitter(settings: settings, runID: runID, now: isoSeconds(clock.now()), lock: lock)
        for day in days {
            var log = logger
            log[metadataKey: "day"] = "\(day)"
            let raw = try await withStoreErrors(day) {
                try await RawPages.fetching(rawObjects[day] ?? [], from: lake, day: day, tag: runID)
            }
            let build = try DayBuild(day: day, settings: settings, tag: runID, logger: log)
            let result: DayTransformer.Summary
            let staged: StagedPartition
            do {
                let pages = raw.pages
                guard pages.first == 1, pages.last == pages.count else {
                    throw PipelineError(
                        stage: .extract, category: .data, code: "raw_incomplete",
                        message: "\(raw.directory) does not hold pages 1…N (found \(pages.count))", day: day)
                }
                try build.replay(raw)
                (result, staged) = try build.finish()
            } catch {
                build.abandon()
                summary.durationSeconds = clock.now() - started
                throw RunFailure(error: error, summary: summary)
            }
            let outcome = try await committer.commit(
                day: day, result: result, staged: staged, apiCalls: nil, manifest: &manifest, etag: &etag, logger: log)
            if raw.isScratch { raw.remove() }
            summary.add(outcome, day: day, result: result)
        }
        summary.daysSkipped = available.count - days.count
        summary.durationSeconds = clock.now() - started
        return summary
    }
}
