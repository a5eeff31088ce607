/// The writer's knobs, one value (like arrow-rs `WriterProperties`).
package struct ParquetWriterProperties: Sendable {
    /// Compresses each page; its codec goes into the footer. The level is the compressor's business.
    package var compressor: any ParquetCompressor
    /// Written into the footer's `created_by`, e.g. "kb4-events version 0.1.0 (build abc)".
    package var createdBy: String
    /// Footer key/value metadata, in this order.
    package var keyValueMetadata: [(key: String, value: String)]
    /// A data page is closed once its encoded values reach this many bytes…
    package var dataPageSize: Int
    /// …or this many rows.
    package var dataPageRowLimit: Int
    /// A dictionary-encoded column chunk falls back to PLAIN once its dictionary's PLAIN size passes this.
    package var dictionaryPageSizeLimit: Int
    /// A row group is closed once it holds this many rows…
    package var rowGroupRowLimit: Int
    /// …or its column chunks hold this many encoded, compressed bytes (what the writer buffers in memory).
    package var rowGroupByteLimit: Int
    /// Whether pages and column chunks carry min, max and null count.
    package var statistics: Bool
    /// Closed pages wait until this many uncompressed bytes are pending across all columns, then go to the
    /// compressor together (`compress(pages:)`, which may use several cores); 0 compresses each page as it closes.
    package var compressionBatchSize: Int
    /// Byte-array min and max longer than this are truncated (min as a prefix, max as an incremented prefix).
    package var statisticsTruncateLength: Int
    /// Sees every page as it would be uncompressed (its header with both sizes the body's, then the body), dictionary
    /// and data pages, in the order they are finished, on the thread that appends. A digest of what it sees is the
    /// file's content whatever the codec, its level or its library's version (the Pipeline records one).
    package var pageObserver: (@Sendable (UnsafeRawBufferPointer) -> Void)? = nil

    package init(
        compressor: any ParquetCompressor = ParquetUncompressed(),
        createdBy: String,
        keyValueMetadata: [(key: String, value: String)] = [],
        dataPageSize: Int = 1 << 20,
        dataPageRowLimit: Int = 20_000,
        dictionaryPageSizeLimit: Int = 1 << 20,
        rowGroupRowLimit: Int = 256 * 1024,
        rowGroupByteLimit: Int = 64 << 20,
        statistics: Bool = true,
        statisticsTruncateLength: Int = 64,
        compressionBatchSize: Int = 8 << 20
    ) {
        precondition(dataPageSize > 0 && dataPageRowLimit > 0 && rowGroupRowLimit > 0 && rowGroupByteLimit > 0)
        precondition(statisticsTruncateLength >= 4, "a truncated bound needs room for one UTF-8 character")
        self.compressor = compressor
        self.createdBy = createdBy
        self.keyValueMetadata = keyValueMetadata
        self.dataPageSize = dataPageSize
        self.dataPageRowLimit = dataPageRowLimit
        self.dictionaryPageSizeLimit = dictionaryPageSizeLimit
        self.rowGroupRowLimit = rowGroupRowLimit
        self.rowGroupByteLimit = rowGroupByteLimit
        self.statistics = statistics
        self.statisticsTruncateLength = statisticsTruncateLength
        self.compressionBatchSize = compressionBatchSize
    }
}
