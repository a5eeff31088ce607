import KB4EventsAPI
import Logging

/// Builds one UTC day's data file from pages: a streaming transform into a staged gzip file, and, when the
/// pages turn out to be out of order, a bounded-memory sort replayed from the pages staged on disk.
///
/// The pages come from one or more sources (`RawPages`): the API day itself, or, with a day-filter offset, the
/// two API days that overlap the UTC day, earliest first (events of the other UTC day are skipped). Shared by the
/// export (pages from the API, staged raw as they arrive) and by `rebuild` (pages from `_raw/`).
final class DayBuild {
    let day: Day
    private let settings: ExportSettings
    private let tag: String
    private let logger: Logger
    private let skipsOtherDays: Bool
    private var writer: PartitionWriter
    private var transformer: DayTransformer
    private var sources: [RawPages] = []
    private(set) var ordered = true

    /// `inOrder` false: the pages come in another order than time (paged by id), so the day is only staged as
    /// it arrives and sorted from its raw pages at the end. `skipsOtherDays`: see `DayTransformer`.
    init(
        day: Day, settings: ExportSettings, tag: String, inOrder: Bool = true, skipsOtherDays: Bool = false,
        logger: Logger
    ) throws {
        self.day = day
        self.settings = settings
        self.tag = tag
        self.logger = logger
        self.ordered = inOrder
        self.skipsOtherDays = skipsOtherDays
        let writer = try withLoadErrors(day) {
            try PartitionWriter(
                layout: settings.lake, day: day, format: settings.format, level: settings.compressionLevel, tempTag: tag)
        }
        self.writer = writer
        transformer = DayTransformer(day: day, mode: .streaming, skipsOtherDays: skipsOtherDays) { [writer] in
            try writer.write($0)
        }
    }

    /// Feeds one page of `source` in arrival order (ignored once the day is known to be out of order: it is
    /// replayed from the sources at the end).
    func add(_ page: EventsPage, from source: RawPages) throws {
        if !sources.contains(where: { $0.directory == source.directory }) { sources.append(source) }
        guard ordered else { return }
        do {
            for event in page.events { try transformer.add(event, page: page.page) }
        } catch is DayTransformer.OrderViolation {
            ordered = false
            logger.warning("the API broke ascending occurred_date order; sorting the day from its raw pages")
        }
    }

    /// Feeds every page staged in `source`, in page order.
    func replay(_ source: RawPages) throws {
        for number in source.pages {
            try add(try source.read(page: number, describe: "day \(day) raw page \(number)"), from: source)
        }
    }

    /// Forgets what came from `source` (its pages did not add up and it is fetched again): the day is then
    /// sorted from the remaining and the new sources at the end.
    func forget(_ source: RawPages) {
        sources.removeAll { $0.directory == source.directory }
        ordered = false
    }

    /// Finishes the file (replaying the sources sorted when needed) and returns what the day held.
    func finish() throws -> (DayTransformer.Summary, StagedPartition) {
        if !ordered {
            writer.abandon()
            let writer = try withLoadErrors(day) {
                try PartitionWriter(
                    layout: settings.lake, day: day, format: settings.format, level: settings.compressionLevel,
                    tempTag: tag)
            }
            self.writer = writer
            let scratch = settings.lake.raw + "/.spill-\(tag)-\(day)"
            transformer = DayTransformer(
                day: day, mode: .sorting(spillDirectory: scratch), skipsOtherDays: skipsOtherDays
            ) { [writer] in try writer.write($0) }
            for source in sources {
                for number in source.pages {
                    let page = try source.read(page: number, describe: "day \(day) page \(number)")
                    for event in page.events { try transformer.add(event, page: number) }
                }
            }
        }
        let summary = try transformer.finish()
        let staged = try withLoadErrors(day) { try writer.finish() }
        return (summary, staged)
    }

    /// Drops the staged file.
    func abandon() {
        writer.abandon()
    }
}

/// Turns file-system and gzip failures into output errors that name the day.
func withLoadErrors<T>(_ day: Day?, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as FileError {
        throw PipelineError(stage: .load, category: .output, code: "write", message: "\(error)", day: day)
    } catch let error as GzipError {
        throw PipelineError(stage: .load, category: .output, code: "gzip", message: "\(error)", day: day)
    }
}

/// Commits a built day into the lake and the manifest: an unchanged file is discarded (only `checked_at`
/// moves); a new or changed one is renamed into place with `_SUCCESS`, then recorded (revision + 1 when changed).
struct DayCommitter {
    let settings: ExportSettings
    let runID: String
    let now: String

    /// What happened to the day.
    enum Outcome { case written, revised, unchanged }

    func commit(
        day: Day, result: DayTransformer.Summary, staged: StagedPartition, apiCalls: Int?, manifest: inout Manifest,
        logger: Logger
    ) throws -> Outcome {
        let lake = settings.lake
        let previous = manifest.windows[day]
        let finalPath = lake.root + "/" + staged.relativePath
        // Unchanged only when the manifest and the file on disk both hold exactly the new bytes (a damaged or
        // replaced file is rewritten even though the manifest still matches), or when the file on disk is intact
        // and holds the same rows compressed differently (another compression_level): that is no new revision,
        // and the file is left as it is.
        let intact =
            previous.map { p in
                p.files.count == 1 && p.files[0].path == staged.relativePath
                    && FileSystem.fileSize(finalPath) == p.files[0].bytes && FileSystem.exists(lake.successMarker(day))
                    && (try? sha256Hex(ofFile: finalPath)) == p.files[0].sha256
            } ?? false
        let unchanged = intact && (previous?.files[0].sha256 == staged.sha256 || sameRows(finalPath, staged.tempPath))
        let outcome: Outcome
        if unchanged, var window = previous {
            staged.discard()
            window.checkedAt = now
            window.runID = runID
            manifest.windows[day] = window
            outcome = .unchanged
            logger.info("unchanged", metadata: ["events": "\(result.events)"])
        } else {
            try withLoadErrors(day) { try staged.commit(layout: lake) }
            let revision = (previous?.revision ?? 0) + 1
            manifest.windows[day] = Manifest.Window(
                events: result.events, revision: revision,
                files: [.init(path: staged.relativePath, bytes: staged.bytes, sha256: staged.sha256, rows: staged.rows)],
                apiCalls: apiCalls ?? previous?.apiCalls ?? 0, duplicatesDropped: result.duplicatesDropped,
                firstOccurred: result.firstOccurred, lastOccurred: result.lastOccurred, completedAt: now,
                checkedAt: now, runID: runID, toolVersion: settings.toolVersion)
            if let previous {
                outcome = .revised
                logger.notice(
                    "content changed; rewritten",
                    metadata: [
                        "revision": "\(revision)", "events_before": "\(previous.events)", "events": "\(result.events)",
                    ])
            } else {
                outcome = .written
                logger.info(
                    "written",
                    metadata: ["events": "\(result.events)", "duplicates_dropped": "\(result.duplicatesDropped)"])
            }
        }
        try manifest.save(to: lake.manifest, tempTag: runID)
        return outcome
    }
}

/// Whether two gzip files decompress to the same bytes (false when either cannot be read).
private func sameRows(_ a: String, _ b: String) -> Bool {
    guard let x = try? contentSHA256Hex(ofGzipFile: a), let y = try? contentSHA256Hex(ofGzipFile: b) else { return false }
    return x == y
}

extension RunSummary {
    /// Counts one committed day.
    mutating func add(_ outcome: DayCommitter.Outcome, day: Day, result: DayTransformer.Summary) {
        switch outcome {
        case .unchanged: daysUnchanged += 1
        case .written: daysWritten += 1
        case .revised:
            daysWritten += 1
            revised.append(day)
        }
        events += result.events
        duplicatesDropped += result.duplicatesDropped
    }
}
