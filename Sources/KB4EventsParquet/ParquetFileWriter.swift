/// What a closed file holds.
package struct ParquetFileSummary: Sendable, Equatable {
    package var rows: Int
    package var rowGroups: Int
    /// The file's size, footer included.
    package var bytes: Int
}

/// Writes one Parquet file through a sink: "PAR1", row groups as they fill, then the footer on `close()`.
///
/// A row is one value per column through the typed `append` calls (any order; a column's kind decides which call
/// it takes, mismatches are programming errors), then `endRow()`. Row groups close at the properties' row or byte
/// limit, so memory stays bounded by one row group's encoded, compressed chunks. The same rows and properties
/// always give the same bytes.
package final class ParquetFileWriter<Sink: ParquetSink> {
    /// The sink, handed back to the caller (a memory sink's bytes, a file's handle).
    package private(set) var sink: Sink
    package let schema: ParquetSchema
    private let properties: ParquetWriterProperties
    private var columns: [ColumnWriter]
    private var rowsInGroup = 0
    private var rows = 0
    private var offset: Int64 = 0
    private var rowGroups: [RowGroupMetadata] = []
    private var open = true
    /// Byte-array bytes appended since the sizes were last summed.
    private var bytesSinceCheck = 0
    private static var checkAfterBytes: Int { 1 << 20 }
    private static var magic: [UInt8] { Array("PAR1".utf8) }

    /// Checks the schema and writes the leading magic.
    package init(schema: ParquetSchema, properties: ParquetWriterProperties, sink: Sink) throws {
        guard !schema.columns.isEmpty else { throw ParquetWriterError.invalidSchema("no columns") }
        var names = Set<String>()
        for column in schema.columns where !names.insert(column.name).inserted {
            throw ParquetWriterError.invalidSchema("two columns named \(column.name)")
        }
        self.schema = schema
        self.properties = properties
        self.sink = sink
        columns = schema.columns.map { ColumnWriter($0, properties: properties) }
        try write(Self.magic)
    }

    // MARK: Typed appends: the fast path

    /// A null in column `column`.
    package func appendNull(_ column: Int) throws { try columns[column].appendNull() }

    /// A `.string` or `.json` value; nil is null.
    package func append(_ column: Int, string: String?) throws {
        guard var string else { return try columns[column].appendNull() }
        try string.withUTF8 {
            bytesSinceCheck += $0.count
            try columns[column].append(bytes: UnsafeRawBufferPointer($0))
        }
    }

    /// A `.string` or `.json` value as UTF-8 bytes the caller already holds.
    package func append(_ column: Int, utf8: UnsafeRawBufferPointer) throws {
        bytesSinceCheck += utf8.count
        try columns[column].append(bytes: utf8)
    }

    /// An `.int64` value, or a `.timestampMillis` one in milliseconds since the epoch; nil is null.
    package func append(_ column: Int, int64: Int64?) throws { try append(column, int64) { try $0.append(int64: $1) } }

    /// An `.int32` value, or a `.date` one in days since the epoch; nil is null.
    package func append(_ column: Int, int32: Int32?) throws { try append(column, int32) { try $0.append(int32: $1) } }

    package func append(_ column: Int, double: Double?) throws { try append(column, double) { try $0.append(double: $1) } }

    package func append(_ column: Int, boolean: Bool?) throws {
        try append(column, boolean) { try $0.append(boolean: $1) }
    }

    /// `value` through `write`, or a null.
    @inline(__always)
    private func append<T>(_ column: Int, _ value: T?, _ write: (inout ColumnWriter, T) throws -> Void) throws {
        guard let value else { return try columns[column].appendNull() }
        try write(&columns[column], value)
    }

    /// One value of any kind; `.null` is null.
    package func append(_ column: Int, _ value: ParquetValue) throws {
        switch value {
        case .null: try appendNull(column)
        case .string(let value): try append(column, string: value)
        case .int64(let value): try append(column, int64: value)
        case .int32(let value): try append(column, int32: value)
        case .double(let value): try append(column, double: value)
        case .boolean(let value): try append(column, boolean: value)
        }
    }

    /// A whole row, one value per column in schema order.
    package func appendRow(_ values: [ParquetValue]) throws {
        precondition(values.count == columns.count, "a row of \(values.count) values for \(columns.count) columns")
        for (column, value) in values.enumerated() { try append(column, value) }
        try endRow()
    }

    /// Ends the row: every column must have had exactly one value. Closes the row group at its limits.
    package func endRow() throws {
        guard open else { throw ParquetWriterError.closed }
        rowsInGroup += 1
        if let column = firstColumn(withRowCountOtherThan: rowsInGroup) {
            open = false
            throw ParquetWriterError.incompleteRow(
                column: columns[column].column.name, values: columns[column].rowCount - (rowsInGroup - 1))
        }
        rows += 1
        // Sizes are summed over the columns every 256 rows, or sooner after large byte arrays, so long strings
        // cannot carry a row group far past its byte limit.
        guard
            rowsInGroup & 255 == 0 || bytesSinceCheck >= Self.checkAfterBytes
                || rowsInGroup >= properties.rowGroupRowLimit
        else { return }
        bytesSinceCheck = 0
        if rowsInGroup >= properties.rowGroupRowLimit || bufferedBytes >= properties.rowGroupByteLimit {
            try flushRowGroup()
        } else if pendingBytes >= properties.compressionBatchSize && pendingBytes > 0 {
            try compressPendingPages()
        }
    }

    /// The encoded bytes the open row group holds in memory.
    package var bufferedBytes: Int {
        columns.withUnsafeBufferPointer { columns in columns.reduce(0) { $0 + $1.bufferedBytes } }
    }

    /// The bytes of closed pages waiting for compression.
    private var pendingBytes: Int {
        columns.withUnsafeBufferPointer { columns in columns.reduce(0) { $0 + $1.pendingBytes } }
    }

    /// Compresses every column's waiting pages in one call to the compressor, and hands each back to its column.
    private func compressPendingPages() throws {
        var bodies: [[UInt8]] = []
        var owners: [(column: Int, kind: PageHeader.Kind)] = []
        for index in columns.indices {
            for page in columns[index].takePendingPages() {
                bodies.append(page.body)
                owners.append((index, page.kind))
            }
        }
        guard !bodies.isEmpty else { return }
        let compressed = try properties.compressor.compress(pages: bodies)
        precondition(
            compressed.count == bodies.count, "the compressor returned \(compressed.count) of \(bodies.count) pages")
        for (k, owner) in owners.enumerated() {
            columns[owner.column].appendCompressedPage(
                owner.kind, uncompressedSize: bodies[k].count, compressed: compressed[k])
        }
    }

    /// Through a buffer pointer: iterating the array itself would copy each column writer (and retain its arrays).
    private func firstColumn(withRowCountOtherThan count: Int) -> Int? {
        columns.withUnsafeBufferPointer { columns in
            for index in columns.indices where columns[index].rowCount != count { return index }
            return nil
        }
    }

    /// Writes the open row group now (no-op when it has no rows).
    package func flushRowGroup() throws {
        guard open else { throw ParquetWriterError.closed }
        guard rowsInGroup > 0 else { return }
        do {
            for index in columns.indices { try columns[index].flushPage() }
            try compressPendingPages()
            var chunks: [ColumnChunkMetadata] = []
            chunks.reserveCapacity(columns.count)
            for index in columns.indices {
                let chunk = try columns[index].finishChunk(at: offset) { try write($0) }
                chunks.append(chunk)
            }
            rowGroups.append(
                RowGroupMetadata(
                    columns: chunks, totalByteSize: chunks.reduce(0) { $0 + $1.totalUncompressedSize },
                    numRows: Int64(rowsInGroup), ordinal: Int16(truncatingIfNeeded: rowGroups.count)))
            rowsInGroup = 0
        } catch {
            open = false
            throw error
        }
    }

    /// Writes the last row group and the footer (FileMetaData, its length, "PAR1"). A file without rows has a
    /// footer with no row groups.
    package func close() throws -> ParquetFileSummary {
        guard open else { throw ParquetWriterError.closed }
        if rowsInGroup > 0 {
            if let column = firstColumn(withRowCountOtherThan: rowsInGroup) {
                open = false
                throw ParquetWriterError.incompleteRow(
                    column: columns[column].column.name, values: columns[column].rowCount - rowsInGroup)
            }
        }
        try flushRowGroup()
        open = false
        let footer = FileMetadata(
            schema: schema, numRows: Int64(rows), rowGroups: rowGroups,
            keyValueMetadata: properties.keyValueMetadata, createdBy: properties.createdBy
        ).encode()
        try write(footer)
        try write(ByteOrder.littleEndian(UInt32(footer.count)))
        try write(Self.magic)
        return ParquetFileSummary(rows: rows, rowGroups: rowGroups.count, bytes: Int(offset))
    }

    private func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    private func write(_ bytes: UnsafeRawBufferPointer) throws {
        try sink.write(bytes)
        offset += Int64(bytes.count)
    }
}
