import Crypto
import KB4EventsAPI
import KB4EventsCore
import KB4EventsParquet

/// Writes a day's events as one Parquet file in the run's local work directory (not the lake): the events go, a
/// batch at a time, to a second thread (``BackgroundStage``), which maps each to its ``EventRow`` and appends it to a
/// ``ParquetFileWriter`` over a ``StagedFileSink`` (which writes and hashes the bytes), so a day uses both cores
/// while the caller's thread reads and parses the pages, as the gzip formats do. Pages are compressed with the lake's
/// ``ParquetCodec`` (ZSTD by default) at its level; row groups
/// close at the writer's limits, so memory stays flat on any day. Same contract as the gzip ``PartitionWriter``:
/// staged path, bytes, sha256, rows.
final class ParquetPartitionWriter: PartitionWriting {
    private let day: Day
    private let relativePath: String
    private let tempPath: String
    private let writer: ParquetFileWriter<StagedFileSink>
    private let stage: BackgroundStage<[JSONObject]>
    private let content = PageContentDigest()
    private var batch: [JSONObject] = []
    /// Events handed to the writer's thread at a time (with the stage's depth of 2, at most 768 wait).
    static let batchRows = 256

    /// The writer's properties for a lake: its `compressor`, `created_by` naming the tool and version, the schema
    /// version in the key-value metadata, and memory kept small beside an export's own: 256 KiB data pages (18 open
    /// at once), 2 MiB of pages compressed at a time, row groups of at most 64 Ki rows (a few MB compressed).
    /// (The writer's defaults, 1 MiB pages, 8 MiB batches and 256 Ki-row groups, took a 1M-event export to 83 MB.)
    static func properties(compressor: any ParquetCompressor, toolVersion: String) -> ParquetWriterProperties {
        var properties = ParquetWriterProperties(
            compressor: compressor, createdBy: "kb4-events version \(toolVersion)",
            keyValueMetadata: [("kb4_events.schema_version", EventRow.schemaVersion)],
            dataPageSize: 256 << 10, rowGroupRowLimit: 64 * 1024, rowGroupByteLimit: 24 << 20)
        properties.compressionBatchSize = 2 << 20
        return properties
    }

    init(layout: LakeLayout, day: Day, compressor: any ParquetCompressor, toolVersion: String, tempTag: String) throws {
        self.day = day
        relativePath = layout.dataFileRelative(day, format: .parquet)
        tempPath = layout.stagedDataFile(day, format: .parquet, tag: tempTag)
        try FileSystem.makeDirectories(FileSystem.split(tempPath).0)
        let sink = StagedFileSink(file: try OutputFile(path: tempPath))
        var properties = Self.properties(compressor: compressor, toolVersion: toolVersion)
        properties.pageObserver = { [content] in content.update($0) }
        let writer = try ParquetFileWriter(schema: EventRow.schema, properties: properties, sink: sink)
        self.writer = writer
        stage = BackgroundStage(depth: 2) { events in
            for event in events { try Self.append(EventRow(event: event), to: writer) }
        }
        batch.reserveCapacity(Self.batchRows)
    }

    func write(_ event: JSONObject) throws {
        batch.append(event)
        if batch.count >= Self.batchRows { try submit() }
    }

    private func submit() throws {
        guard !batch.isEmpty else { return }
        try stage.submit(batch)
        batch = []
        batch.reserveCapacity(Self.batchRows)
    }

    /// Appends one row, column by column in schema order.
    static func append<S: ParquetSink>(_ row: EventRow, to writer: ParquetFileWriter<S>) throws {
        try writer.append(0, string: row.id)
        try writer.append(1, int64: row.accountID)
        try writer.append(2, int64: row.occurredMillis)
        try writer.append(3, int64: row.eventTypeID)
        try writer.append(4, string: row.eventTypeName)
        try writer.append(5, string: row.eventTypeDescription)
        try writer.append(6, int64: row.userID)
        try writer.append(7, string: row.userEmail)
        try writer.append(8, boolean: row.userArchived)
        try writer.append(9, string: row.externalID)
        try writer.append(10, string: row.source)
        try writer.append(11, string: row.description)
        try writer.append(12, int32: row.riskLevel)
        try writer.append(13, double: row.riskFactor)
        try writer.append(14, int32: row.riskDecayMode)
        try writer.append(15, int32: row.riskExpireDays)
        try writer.append(16, string: row.metadata)
        try writer.append(17, string: row.extra)
        try writer.endRow()
    }

    /// Writes the footer and fsyncs the temporary file.
    func finish() throws -> StagedPartition {
        try submit()
        var closed: ParquetFileSummary?
        try stage.finish { closed = try writer.close() }
        guard let summary = closed else { preconditionFailure("the stage reported no failure and closed nothing") }
        var sink = writer.sink
        try sink.file.syncAndClose()
        return StagedPartition(
            day: day, tempPath: tempPath, relativePath: relativePath, bytes: sink.bytes, sha256: sink.finalize(),
            rows: summary.rows, contentSHA256: content.finalize())
    }

    /// Drops the temporary file.
    func abandon() {
        stage.drain()
        writer.sink.file.abandon()
        FileSystem.remove(tempPath)
        FileSystem.removeIfEmpty(FileSystem.split(tempPath).0)
    }
}

/// The sha256 of a Parquet file's pages as they are before compression (the writer's `pageObserver`): the same
/// for the same rows whatever the codec, its level or the version of its library, so a re-checked day whose bytes
/// differ only by those is not a new revision. Fed on the writer's thread only; read after `finish` joined it.
final class PageContentDigest: @unchecked Sendable {
    private var hasher = SHA256()

    func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }

    func finalize() -> String { hex(hasher.finalize()) }
}

/// The Parquet writer's sink for a staged data file: writes the bytes to the file and hashes them as they go.
struct StagedFileSink: ParquetSink {
    let file: OutputFile
    private var hasher = SHA256()
    private(set) var bytes = 0

    init(file: OutputFile) { self.file = file }

    mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        try file.write(bytes)
        hasher.update(bufferPointer: bytes)
        self.bytes += bytes.count
    }

    /// The lower-case hex sha256 of everything written.
    mutating func finalize() -> String { hex(hasher.finalize()) }
}
