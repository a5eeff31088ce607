/// The parts of `parquet.thrift` this writer emits, with the field ids of the specification, and their compact
/// protocol encodings. Optional fields this writer never sets are left out of the types.

/// `PageEncodingStats`: how many pages of a kind used an encoding.
struct PageEncodingCount: Equatable {
    var pageType: PageType
    var encoding: Encoding
    var count: Int32
}

/// `ColumnChunk` with its `ColumnMetaData`, the chunk's pages being in this file.
struct ColumnChunkMetadata {
    var type: PhysicalType
    var encodings: [Encoding]
    var path: String
    var codec: ParquetCompressionCodec
    var numValues: Int64
    var totalUncompressedSize: Int64
    var totalCompressedSize: Int64
    var dataPageOffset: Int64
    var dictionaryPageOffset: Int64?
    var statistics: Statistics?
    var encodingStats: [PageEncodingCount]

    /// Where the chunk's first page starts.
    var fileOffset: Int64 { dictionaryPageOffset ?? dataPageOffset }

    func encode(into e: inout CompactEncoder) {
        e.field(2, i64: fileOffset)
        e.field(3) { e in
            e.field(1, i32: type.rawValue)
            e.field(2, i32List: encodings.map(\.rawValue))
            e.field(3, stringList: [path])
            e.field(4, i32: codec.rawValue)
            e.field(5, i64: numValues)
            e.field(6, i64: totalUncompressedSize)
            e.field(7, i64: totalCompressedSize)
            e.field(9, i64: dataPageOffset)
            if let dictionaryPageOffset { e.field(11, i64: dictionaryPageOffset) }
            if let statistics { e.field(12) { statistics.encode(into: &$0) } }
            e.field(13, structList: encodingStats) { e, stat in
                e.field(1, i32: stat.pageType.rawValue)
                e.field(2, i32: stat.encoding.rawValue)
                e.field(3, i32: stat.count)
            }
        }
    }
}

/// `RowGroup`.
struct RowGroupMetadata {
    var columns: [ColumnChunkMetadata]
    var totalByteSize: Int64
    var numRows: Int64
    var ordinal: Int16

    func encode(into e: inout CompactEncoder) {
        e.field(1, structList: columns) { e, column in column.encode(into: &e) }
        e.field(2, i64: totalByteSize)
        e.field(3, i64: numRows)
        if let first = columns.first { e.field(5, i64: first.fileOffset) }
        e.field(6, i64: columns.reduce(0) { $0 + $1.totalCompressedSize })
        e.field(7, i32: Int32(ordinal))  // i16 on the wire: same zigzag varint
    }
}

/// `FileMetaData`: the footer.
struct FileMetadata {
    var schema: ParquetSchema
    var numRows: Int64
    var rowGroups: [RowGroupMetadata]
    var keyValueMetadata: [(key: String, value: String)]
    var createdBy: String

    func encode() -> [UInt8] {
        var e = CompactEncoder()
        e.writeStruct { e in
            e.field(1, i32: 2)  // version
            e.fieldHeader(2, .list)
            e.listHeader(.struct, count: schema.columns.count + 1)
            e.writeStruct { e in  // the root: a group of the leaves
                e.field(4, string: "schema")
                e.field(5, i32: Int32(schema.columns.count))
            }
            for column in schema.columns {
                e.writeStruct { column.encodeSchemaElement(into: &$0) }
            }
            e.field(3, i64: numRows)
            e.field(4, structList: rowGroups) { e, group in group.encode(into: &e) }
            if !keyValueMetadata.isEmpty {
                e.field(5, structList: keyValueMetadata) { e, pair in
                    e.field(1, string: pair.key)
                    e.field(2, string: pair.value)
                }
            }
            e.field(6, string: createdBy)
            // ColumnOrder is a union whose TYPE_ORDER member (1) is the empty TypeDefinedOrder struct: it tells
            // readers min_value and max_value follow each type's defined order, so they may trust them.
            e.field(7, structList: schema.columns) { e, _ in e.field(1) { _ in } }
        }
        return e.bytes
    }
}

/// A leaf `SchemaElement`: physical type, OPTIONAL, name, the legacy converted type and the logical type.
extension ParquetColumn {
    func encodeSchemaElement(into e: inout CompactEncoder) {
        e.field(1, i32: kind.physicalType.rawValue)
        e.field(3, i32: 1)  // OPTIONAL
        e.field(4, string: name)
        if let converted = kind.convertedType { e.field(6, i32: converted.rawValue) }
        switch kind {
        case .string: e.field(10) { e in e.field(1) { _ in } }  // LogicalType.STRING
        case .json: e.field(10) { e in e.field(12) { _ in } }  // LogicalType.JSON
        case .date: e.field(10) { e in e.field(6) { _ in } }  // LogicalType.DATE
        case .timestampMillis:
            e.field(10) { e in
                e.field(8) { e in  // LogicalType.TIMESTAMP
                    e.field(1, bool: true)  // isAdjustedToUTC
                    e.field(2) { e in e.field(1) { _ in } }  // unit: TimeUnit.MILLIS
                }
            }
        case .int64, .int32, .double, .boolean: break
        }
    }
}
