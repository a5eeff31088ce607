/// The parts of `parquet.thrift` this writer emits, with the field ids of the specification, and their compact
/// protocol encodings. Optional fields this writer never sets are left out of the types.

/// `CompressionCodec` in parquet.thrift.
package enum ParquetCompressionCodec: Int32, Sendable {
    case uncompressed = 0
    case snappy = 1
    case gzip = 2
    case lzo = 3
    case brotli = 4
    case lz4 = 5
    case zstd = 6
    case lz4Raw = 7
}

/// `Type`: the physical types this writer uses.
enum PhysicalType: Int32 {
    case boolean = 0
    case int32 = 1
    case int64 = 2
    case double = 5
    case byteArray = 6
}

/// `ConvertedType`: the legacy annotations, still read by older readers.
enum ConvertedType: Int32 {
    case utf8 = 0
    case date = 6
    case timestampMillis = 9
    case json = 19
}

/// `Encoding`.
enum Encoding: Int32, Comparable {
    case plain = 0
    case rle = 3
    case rleDictionary = 8

    static func < (a: Encoding, b: Encoding) -> Bool { a.rawValue < b.rawValue }
}

/// `PageType`.
enum PageType: Int32 {
    case dataPage = 0
    case dictionaryPage = 2
}

/// `Statistics`: PLAIN-encoded bounds (no length prefix for byte arrays) in the column's type-defined order.
struct Statistics: Equatable {
    var nullCount: Int64
    var minValue: [UInt8]?
    var maxValue: [UInt8]?
    var isMinExact = true
    var isMaxExact = true

    func encode(into e: inout CompactEncoder) {
        e.field(3, i64: nullCount)
        if let maxValue { e.field(5, binary: maxValue) }
        if let minValue { e.field(6, binary: minValue) }
        if maxValue != nil { e.field(7, bool: isMaxExact) }
        if minValue != nil { e.field(8, bool: isMinExact) }
    }
}

/// `PageHeader` of a v1 data page (field 5) or a dictionary page (field 7).
struct PageHeader {
    enum Kind {
        /// `DataPageHeader`: values (nulls included), the values' encoding, levels in RLE.
        case data(numValues: Int32, encoding: Encoding, statistics: Statistics?)
        /// `DictionaryPageHeader`: entries, PLAIN.
        case dictionary(numValues: Int32)
    }

    var kind: Kind
    var uncompressedSize: Int32
    var compressedSize: Int32

    func encode() -> [UInt8] {
        var e = CompactEncoder()
        e.writeStruct { e in
            switch kind {
            case .data: e.field(1, i32: PageType.dataPage.rawValue)
            case .dictionary: e.field(1, i32: PageType.dictionaryPage.rawValue)
            }
            e.field(2, i32: uncompressedSize)
            e.field(3, i32: compressedSize)
            switch kind {
            case .data(let numValues, let encoding, let statistics):
                e.field(5) { e in
                    e.field(1, i32: numValues)
                    e.field(2, i32: encoding.rawValue)
                    e.field(3, i32: Encoding.rle.rawValue)  // definition levels
                    e.field(4, i32: Encoding.rle.rawValue)  // repetition levels (none: max level 0)
                    if let statistics { e.field(5) { statistics.encode(into: &$0) } }
                }
            case .dictionary(let numValues):
                e.field(7) { e in
                    e.field(1, i32: numValues)
                    e.field(2, i32: Encoding.plain.rawValue)
                }
            }
        }
        return e.bytes
    }
}

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
