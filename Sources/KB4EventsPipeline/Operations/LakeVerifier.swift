import Crypto
import KB4EventsAPI
import KB4EventsCore

/// Re-reads every data file of a lake and checks it against the manifest: the gzip stream is whole (trailer
/// and length checked, truncation caught), or the Parquet file is (magic at both ends, footer readable, every column
/// chunk inside the file, row groups summing to the footer's rows); the row count, byte size and sha256 match, the partition has its
/// `_SUCCESS`, and no data file is missing from or extra to the manifest.
package struct LakeVerifier: Sendable {
    /// One thing wrong, with the path it concerns (relative to the lake root).
    package struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// What kind of problem it is.
        package enum Kind: String, Sendable {
            case missingFile = "missing_file"
            case extraFile = "extra_file"
            case unreadable
            case corruptGzip = "corrupt_gzip"
            case corruptParquet = "corrupt_parquet"
            case sizeMismatch = "size_mismatch"
            case checksumMismatch = "checksum_mismatch"
            case rowCountMismatch = "row_count_mismatch"
            case missingSuccess = "missing_success"
            case eventCountMismatch = "event_count_mismatch"
        }

        package var path: String
        package var kind: Kind
        package var detail: String

        package var description: String { "\(path): \(kind.rawValue): \(detail)" }
    }

    /// The outcome of a verification.
    package struct Report: Sendable, Equatable {
        /// Data files read.
        package var filesChecked = 0
        /// Rows counted across them.
        package var rows = 0
        package var problems: [Problem] = []

        /// `verified N files, M problems`.
        package var line: String {
            "verified \(filesChecked) file\(filesChecked == 1 ? "" : "s"), \(problems.count) problem\(problems.count == 1 ? "" : "s")"
        }
    }

    package let layout: LakeLayout

    /// Creates a verifier for the lake at `layout`.
    package init(layout: LakeLayout) { self.layout = layout }

    /// Checks every file of `manifest`, then looks for data files it does not list. Reads through the lake's store:
    /// one listing of `events/`, then each data object (streamed from disk on a local lake).
    package func verify(_ manifest: Manifest) async throws -> Report {
        var report = Report()
        var listed = Set<String>()
        var present: [String: ObjectMeta] = [:]
        for object in try await layout.store.list(prefix: "events/") { present[object.key] = object }
        for day in manifest.days.keys.sorted() {
            let window = manifest.days[day]!
            var rows = 0
            for file in window.files {
                listed.insert(file.path)
                guard present[file.path] != nil else {
                    report.problems.append(
                        Problem(
                            path: file.path, kind: .missingFile,
                            detail: "listed in the manifest, not \(layout.store.placeName)"))
                    continue
                }
                report.filesChecked += 1
                let found = try await check(file, format: manifest.format, into: &report.problems)
                rows += found ?? file.rows
                report.rows += found ?? 0
            }
            if window.status == "complete" && present[layout.successKey(day)] == nil {
                report.problems.append(
                    Problem(
                        path: "events/dt=\(day)/_SUCCESS", kind: .missingSuccess,
                        detail: "the day is recorded complete but has no _SUCCESS marker"))
            }
            if rows != window.events {
                report.problems.append(
                    Problem(
                        path: "events/dt=\(day)", kind: .eventCountMismatch,
                        detail: "the manifest records \(window.events) events, its files hold \(rows) rows"))
            }
        }
        for path in present.keys.sorted() where isData(path) && !listed.contains(path) {
            report.problems.append(
                Problem(path: path, kind: .extraFile, detail: "a data file the manifest does not list"))
            report.filesChecked += 1
        }
        return report
    }

    /// Whether a reader would take `key` as data: any object under `events/dt=…/` (folders included: engines such
    /// as Athena read a partition's prefix recursively; Spark and Athena read a stray `notes.txt` too), no part of its
    /// path after `events/` starting with `_` or `.` (which readers skip).
    private func isData(_ key: String) -> Bool {
        let parts = key.split(separator: "/").dropFirst()
        guard parts.count >= 2, parts.first!.hasPrefix("dt=") else { return false }
        return parts.dropFirst().allSatisfy { !$0.hasPrefix("_") && !$0.hasPrefix(".") }
    }

    /// Streams one file: sha256 and size of the bytes on disk, gzip integrity, rows. Returns the rows counted
    /// when the file could be read to its end.
    private func check(_ file: Manifest.FileEntry, format: OutputFormat, into problems: inout [Problem]) async throws
        -> Int?
    {
        var hasher = SHA256()
        var size = 0
        var counter = RowCounter(format: format)
        var gzipFailure: String?
        // Parquet: the first bytes and the last ones (the footer is read once the whole file went by).
        var head: [UInt8] = []
        var tail: [UInt8] = []
        let tailLimit = 8 << 20
        do {
            let reader = format.isGzipText ? try GzipReader { counter.feed($0) } : nil
            func feed(_ chunk: UnsafeRawBufferPointer) {
                hasher.update(bufferPointer: chunk)
                size += chunk.count
                guard let reader else {
                    if head.count < 4 { head.append(contentsOf: chunk.prefix(4 - head.count)) }
                    tail.append(contentsOf: chunk)
                    if tail.count > 2 * tailLimit { tail.removeFirst(tail.count - tailLimit) }
                    return
                }
                guard gzipFailure == nil else { return }
                do { try reader.write(chunk) } catch { gzipFailure = "\(error)" }
            }
            // Read in place, or downloaded into the work directory first: memory stays flat either way.
            let scratch = layout.workRoot + "/verify-\(UInt32.random(in: 0...UInt32.max))"
            defer { FileSystem.removeIfEmpty(layout.workRoot) }
            guard try await layout.store.read(file.path, scratch: scratch, { feed($0) }) != nil else {
                problems.append(Problem(path: file.path, kind: .missingFile, detail: "deleted while verifying"))
                return nil
            }
            if let reader, gzipFailure == nil {
                do { try reader.finish() } catch { gzipFailure = "\(error)" }
            }
        } catch {
            problems.append(Problem(path: file.path, kind: .unreadable, detail: "\(error)"))
            return nil
        }
        let digest = hex(hasher.finalize())
        if size != file.bytes {
            problems.append(
                Problem(
                    path: file.path, kind: .sizeMismatch,
                    detail: "\(size) bytes \(layout.store.placeName), \(file.bytes) in the manifest"
                ))
        }
        if digest != file.sha256 {
            problems.append(
                Problem(
                    path: file.path, kind: .checksumMismatch,
                    detail: "sha256 \(digest), the manifest has \(file.sha256)"))
        }
        if let gzipFailure {
            problems.append(Problem(path: file.path, kind: .corruptGzip, detail: gzipFailure))
            return nil
        }
        let rows: Int
        if format.isGzipText {
            rows = counter.rows
        } else {
            do {
                rows = Int(try ParquetFooter.read(size: size, head: head, tail: tail).rows)
            } catch {
                problems.append(Problem(path: file.path, kind: .corruptParquet, detail: "\(error)"))
                return nil
            }
        }
        if rows != file.rows {
            problems.append(
                Problem(
                    path: file.path, kind: .rowCountMismatch,
                    detail: "\(rows) rows in the file, \(file.rows) in the manifest"))
        }
        return rows
    }
}

/// Counts records in a decompressed stream fed in chunks: NDJSON lines, or RFC 4180 CSV records (a quoted
/// field may hold newlines) less the header line.
struct RowCounter {
    let format: OutputFormat
    private var records = 0
    private var inQuotes = false
    private var lastByte: UInt8?

    init(format: OutputFormat) { self.format = format }

    mutating func feed(_ chunk: UnsafeRawBufferPointer) {
        let newline = UInt8(ascii: "\n")
        let quote = UInt8(ascii: "\"")
        switch format {
        case .ndjson:
            for byte in chunk where byte == newline { records += 1 }
        case .parquet:
            return  // counted from the footer, not fed here
        case .csv:
            // A doubled quote inside a quoted field toggles twice, which leaves the state as it was.
            for byte in chunk {
                if byte == quote {
                    inQuotes.toggle()
                } else if byte == newline && !inQuotes {
                    records += 1
                }
            }
        }
        if let last = chunk.last { lastByte = last }
    }

    /// Rows: records (a final line without a newline counts), less the CSV header.
    var rows: Int {
        var n = records
        if let lastByte, lastByte != UInt8(ascii: "\n") { n += 1 }
        if format == .csv { n = max(0, n - 1) }
        return n
    }
}
