import Crypto
import KB4EventsAPI
package import KB4EventsCore

/// A day's data file written to a hidden temporary name, ready to be committed or discarded.
struct StagedPartition: Sendable {
    package let day: Day
    /// Where the finished file waits, in the run's local work directory.
    let tempPath: String
    /// Where it goes on commit, relative to the lake root.
    let relativePath: String
    package let bytes: Int
    package let sha256: String
    package let rows: Int
    /// Parquet: the sha256 of its pages before compression (``PageContentDigest``); nil for the gzip text formats,
    /// whose content is their decompressed bytes.
    var contentSHA256: String? = nil
}

/// Writes one day's events, in order, into a staged data file (gzip text or Parquet).
protocol PartitionWriting: AnyObject {
    func write(_ event: JSONObject) throws
    /// Completes and fsyncs the staged file.
    func finish() throws -> StagedPartition
    /// Drops the staged file.
    func abandon()
}

/// The writer for `settings.format`: ``PartitionWriter`` for the gzip text formats, ``ParquetPartitionWriter``
/// for Parquet.
func makePartitionWriter(settings: ExportSettings, day: Day, tempTag: String) throws -> any PartitionWriting {
    switch settings.format {
    case .ndjson, .csv:
        try PartitionWriter(
            layout: settings.lake, day: day, format: settings.format,
            level: settings.compressionLevel ?? GzipWriter.defaultLevel, tempTag: tempTag)
    case .parquet:
        try ParquetPartitionWriter(
            layout: settings.lake, day: day,
            compressor: settings.parquetCodec.compressor(level: settings.compressionLevel),
            toolVersion: settings.toolVersion, tempTag: tempTag)
    }
}

/// Streams formatted events through gzip into a file in the run's local work directory (not the lake),
/// hashing the compressed bytes as they are written. Formatting runs on the caller's thread; deflate, the
/// write and the hash run on a second one (``BackgroundStage``), so a day uses both cores.
final class PartitionWriter: PartitionWriting {
    private let layout: LakeLayout
    private let day: Day
    private let formatter: any EventFormatter
    private let relativePath: String
    private let tempPath: String
    private let file: OutputFile
    private var gzip: GzipWriter!
    private var compressor: BackgroundStage<[UInt8]>!
    private var buffer: [UInt8] = []
    private var hasher = SHA256()
    private var compressedBytes = 0
    private var rows = 0

    init(layout: LakeLayout, day: Day, format: OutputFormat, level: Int, tempTag: String) throws {
        self.layout = layout
        self.day = day
        self.formatter = format.formatter
        relativePath = layout.dataFileRelative(day, format: format)
        tempPath = layout.stagedDataFile(day, format: format, tag: tempTag)
        try FileSystem.makeDirectories(FileSystem.split(tempPath).0)
        file = try OutputFile(path: tempPath)
        buffer.reserveCapacity(1 << 17)
        let gzip = try GzipWriter(level: level) { [unowned self] chunk in
            try self.file.write(chunk)
            self.hasher.update(bufferPointer: chunk)
            self.compressedBytes += chunk.count
        }
        self.gzip = gzip
        compressor = BackgroundStage { try gzip.write($0) }
        formatter.writeHeader(into: &buffer)
    }

    func write(_ event: JSONObject) throws {
        formatter.write(event: event, into: &buffer)
        rows += 1
        if buffer.count >= Self.chunk { try submit() }
    }

    /// Formatted bytes handed to the compressor at a time.
    static let chunk = 1 << 18

    private func submit() throws {
        try compressor.submit(buffer)
        buffer = []
        buffer.reserveCapacity(Self.chunk + (1 << 14))
    }

    /// Finishes the gzip stream and fsyncs the temporary file.
    func finish() throws -> StagedPartition {
        try submit()
        try compressor.finish { try gzip.finish() }
        try file.syncAndClose()
        return StagedPartition(
            day: day, tempPath: tempPath, relativePath: relativePath, bytes: compressedBytes,
            sha256: hex(hasher.finalize()), rows: rows)
    }

    /// Drops the temporary file.
    func abandon() {
        compressor.drain()
        file.abandon()
        FileSystem.remove(tempPath)
        FileSystem.removeIfEmpty(FileSystem.split(tempPath).0)
    }
}

extension StagedPartition {
    /// Puts the file under its final key (a rename on a local lake, an upload otherwise), removes other data objects
    /// of the partition (another format from a forced rewrite, so one format stays per lake), then puts `_SUCCESS`.
    @discardableResult
    func commit(layout: LakeLayout) async throws -> ObjectMeta {
        let store = layout.store
        let object = try await store.publish(tempPath, key: relativePath)
        // One listing of the partition finds both the other format's objects and the marker.
        let marker = layout.successKey(day)
        var hasMarker = false
        for object in try await store.list(prefix: layout.partitionKey(day)) {
            let name = FileSystem.split(object.key).1
            if object.key == marker { hasMarker = true }
            if object.key != relativePath && !name.hasPrefix(".") && !name.hasPrefix("_")
                && (name.hasSuffix(".gz") || name.hasSuffix(".parquet"))
            {
                try await store.delete(object.key)
            }
        }
        if !hasMarker { try await store.put([], key: marker, mode: .overwrite) }
        return object
    }

    /// Deletes the staged file (the content did not change).
    func discard() {
        FileSystem.remove(tempPath)
        FileSystem.removeIfEmpty(FileSystem.split(tempPath).0)
    }
}

/// SHA-256 of a file's bytes, streamed.
func sha256Hex(ofFile path: String) throws -> String {
    var hasher = SHA256()
    try FileSystem.forEachChunk(path, size: 1 << 20) { hasher.update(bufferPointer: $0) }
    return hex(hasher.finalize())
}

/// Lower-case hex sha256 of a gzip file's decompressed content: two files compressed at different levels (or
/// by different zlib builds) from the same rows give the same value.
func contentSHA256Hex(ofGzipFile path: String) throws -> String {
    var hasher = SHA256()
    let reader = try GzipReader { hasher.update(bufferPointer: $0) }
    try FileSystem.forEachChunk(path, size: 1 << 20) { try reader.write($0) }
    try reader.finish()
    return hex(hasher.finalize())
}
