import KB4EventsAPI
import KB4EventsCore
import KB4EventsS3
import Logging

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
    /// `keptRaw`: the day's raw pages to keep (`--keep-raw`), put into `_raw/dt=D/` after the day's objects and
    /// before the manifest records it, so a recorded day always has them. An unchanged day keeps the pages it has
    /// when they are these pages (same names and sizes: gzip of the same answers); else (missing, or left by an
    /// older version) they are replaced.
    func commit(
        day: Day, result: DayTransformer.Summary, staged: StagedPartition, apiCalls: Int?, keptRaw: RawPages? = nil,
        manifest: inout Manifest, etag: inout String?, logger: Logger
    ) async throws -> Outcome {
        let lake = settings.lake
        let store = lake.store
        let previous = manifest.days[day]
        // "Unchanged" is decided from the manifest and a `head`, not by reading every re-checked object back (on S3
        // that would download each one): the recorded file is the only one, the object is there with the recorded
        // size and version tag (ETag), `_SUCCESS` is there, and the new bytes have the recorded sha256. A missing,
        // resized or rewritten object (another ETag: the local store's tag changes with the inode and mtime) is read
        // back and kept only when it still has its recorded sha256; a manifest from before ETags were recorded is
        // checked that way once. Other bytes with the same row count (another compression_level; for Parquet also
        // another codec or libzstd version) are compared by their content: the text formats' decompressed bytes,
        // Parquet's recorded `content_sha256` (its pages before compression). The same content is no new revision,
        // and the object is left as it is.
        var intact = false
        var seen: String? = nil
        if let p = previous, p.files.count == 1, p.files[0].path == staged.relativePath {
            let recorded = p.files[0]
            // The new file is what the manifest records: the same bytes, or for Parquet the same pages before compression.
            let sameAsRecorded =
                recorded.sha256 == staged.sha256
                || (recorded.rows == staged.rows && recorded.contentSHA256 != nil
                    && recorded.contentSHA256 == staged.contentSHA256)
            let object = try await withStoreErrors(day) { try await store.head(recorded.path) }
            let marker = try await withStoreErrors(day) { try await store.head(lake.successKey(day)) }
            if let object, object.size == recorded.bytes, marker != nil {
                seen = object.etag
                if object.etag == recorded.etag && sameAsRecorded {
                    intact = true
                } else {
                    intact = try await withStoreErrors(day) {
                        // Read back into the work directory beside the staged file (streamed, memory stays flat).
                        let old = staged.tempPath + ".lake-copy"
                        defer { FileSystem.remove(old) }
                        guard try await store.download(recorded.path, to: old) != nil,
                            try sha256Hex(ofFile: old) == recorded.sha256
                        else { return false }
                        if sameAsRecorded { return true }
                        guard recorded.rows == staged.rows, settings.format.isGzipText else { return false }
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
            manifest.days[day] = window
            outcome = .unchanged
            logger.info("unchanged", metadata: ["events": "\(result.events)"])
        } else {
            let object = try await withStoreErrors(day) { try await staged.commit(layout: lake) }
            let revision = (previous?.revision ?? 0) + 1
            manifest.days[day] = Manifest.DayRecord(
                events: result.events, revision: revision,
                files: [
                    .init(
                        path: staged.relativePath, bytes: staged.bytes, sha256: staged.sha256, rows: staged.rows,
                        etag: object.etag, contentSHA256: staged.contentSHA256)
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
        if let raw = keptRaw {
            let prefix = lake.rawPartitionKey(day)
            try await withStoreErrors(day) {
                if outcome == .unchanged, try await raw.matches(store.list(prefix: prefix)) {
                    raw.remove()
                } else {
                    try await store.publishDirectory(raw.directory, prefix: prefix)
                }
            }
        }
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
