/// The parts of `parquet.thrift` this writer emits, with the field ids of the specification, and their compact
/// protocol encodings. Optional fields this writer never sets are left out of the types.

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
