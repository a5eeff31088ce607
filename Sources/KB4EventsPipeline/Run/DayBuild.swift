import KB4EventsAPI
import KB4EventsS3
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
            let scratch = settings.lake.spill(day, tag: tag)
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

/// Turns store failures into pipeline errors that name the day: a configuration that cannot work (S3
/// `AccessDenied`, a missing bucket, a wrong region or secret: exit 78), another writer first (exit 75), anything
/// else an output error (exit 73).
func withStoreErrors<T>(_ day: Day?, stage: PipelineError.Stage = .load, _ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch {
        throw PipelineError.store(error, day: day, stage: stage)
    }
}

extension PipelineError {
    /// Whether `error` is a failure of a lake's store (its file system or bucket), which `store(_:)` classifies.
    public static func isStoreFailure(_ error: any Error) -> Bool {
        error is S3Error || error is ObjectStoreError || error is FileError || error is GzipError
    }

    /// A store's failure as a pipeline error (a `PipelineError` stays what it is).
    public static func store(_ error: any Error, day: Day? = nil, stage: Stage = .load) -> PipelineError {
        switch error {
        case let error as PipelineError: return error
        case let error as GzipError:
            return PipelineError(stage: stage, category: .output, code: "gzip", message: "\(error)", day: day)
        case let error as ObjectStoreError:
            if case .preconditionFailed = error {
                return PipelineError(stage: stage, category: .temporary, code: "conflict", message: "\(error)", day: day)
            }
            return PipelineError(stage: stage, category: .output, code: "write", message: "\(error)", day: day)
        case let error as S3Error where error.isConfiguration:
            return PipelineError(stage: stage, category: .configuration, code: "store", message: "\(error)", day: day)
        default:
            return PipelineError(stage: stage, category: .output, code: "write", message: "\(error)", day: day)
        }
    }
}

/// Commits a built day into the lake and the manifest: an unchanged file is discarded (only `checked_at`
/// moves); a new or changed one is put under its key with `_SUCCESS`, then recorded (revision + 1 when changed)
/// in a manifest replaced by compare-and-swap.
struct DayCommitter {
    let settings: ExportSettings
    let runID: String
    let now: String
    /// The run's lock on the lake: checked before every manifest swap (a run whose lease was taken over records
    /// nothing more).
    let lock: RunLock?

    /// What happened to the day.
    enum Outcome { case written, revised, unchanged }

    /// `etag`: the version of the manifest this run read (nil: none yet); moved to the version it writes.
    /// `beforeRecording` runs after the day's objects are in the lake and before the manifest records it (the export
    /// puts the day's raw pages there, so a recorded day always has them).
    func commit(
        day: Day, result: DayTransformer.Summary, staged: StagedPartition, apiCalls: Int?, manifest: inout Manifest,
        etag: inout String?, logger: Logger, beforeRecording: (Outcome) async throws -> Void = { _ in }
    ) async throws -> Outcome {
        let lake = settings.lake
        let store = lake.store
        let previous = manifest.windows[day]
        // "Unchanged" is decided from the manifest and a `head`, not by reading every re-checked object back (on S3
        // that would download each one): the recorded file is the only one, the object is there with the recorded
        // size and version tag (ETag), `_SUCCESS` is there, and the new bytes have the recorded sha256. A missing,
        // resized or rewritten object (another ETag: the local store's tag changes with the inode and mtime) is read
        // back and kept only when it still has its recorded sha256; a manifest from before ETags were recorded is
        // checked that way once. Other bytes with the same row count (another compression_level) are compared by
        // their decompressed content: the same rows are no new revision, and the object is left as it is.
        var intact = false
        var seen: String? = nil
        if let p = previous, p.files.count == 1, p.files[0].path == staged.relativePath {
            let recorded = p.files[0]
            let object = try await withStoreErrors(day) { try await store.head(recorded.path) }
            let marker = try await withStoreErrors(day) { try await store.head(lake.successKey(day)) }
            if let object, object.size == recorded.bytes, marker != nil {
                seen = object.etag
                if object.etag == recorded.etag && recorded.sha256 == staged.sha256 {
                    intact = true
                } else {
                    intact = try await withStoreErrors(day) {
                        // Read back into the work directory beside the staged file (streamed, memory stays flat).
                        let old = staged.tempPath + ".lake-copy"
                        defer { FileSystem.remove(old) }
                        guard try await store.download(recorded.path, to: old) != nil,
                            try sha256Hex(ofFile: old) == recorded.sha256
                        else { return false }
                        if recorded.sha256 == staged.sha256 { return true }
                        guard recorded.rows == staged.rows else { return false }
                        return (try? contentSHA256Hex(ofGzipFile: old)) == (try? contentSHA256Hex(ofGzipFile: staged.tempPath))
                    }
                }
            }
        }
        let unchanged = intact
        let outcome: Outcome
        if unchanged, var window = previous {
            staged.discard()
            window.files[0].etag = seen
            window.checkedAt = now
            window.runID = runID
            manifest.windows[day] = window
            outcome = .unchanged
            logger.info("unchanged", metadata: ["events": "\(result.events)"])
        } else {
            let object = try await withStoreErrors(day) { try await staged.commit(layout: lake) }
            let revision = (previous?.revision ?? 0) + 1
            manifest.windows[day] = Manifest.Window(
                events: result.events, revision: revision,
                files: [
                    .init(
                        path: staged.relativePath, bytes: staged.bytes, sha256: staged.sha256, rows: staged.rows,
                        etag: object.etag)
                ],
                apiCalls: apiCalls ?? previous?.apiCalls ?? 0, duplicatesDropped: result.duplicatesDropped,
                firstOccurred: result.firstOccurred, lastOccurred: result.lastOccurred, completedAt: now,
                checkedAt: now, runID: runID, toolVersion: settings.toolVersion)
            if let previous, previous.files.count == 1, previous.files[0].sha256 == staged.sha256 {
                // The same content as recorded: the lake's file was missing or damaged, not the day's events.
                outcome = .revised
                logger.notice(
                    "repaired: the lake's file did not match the manifest; rewritten with the recorded content",
                    metadata: ["revision": "\(revision)", "events": "\(result.events)"])
            } else if let previous {
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
        try await beforeRecording(outcome)
        try await lock?.ensureHeld()
        etag = try await manifest.save(to: store, replacing: etag)
        return outcome
    }
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
