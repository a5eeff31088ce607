import Testing

@testable import KB4EventsParquet

/// The Thrift compact protocol against vectors worked out by hand from the protocol's specification.
@Suite struct CompactEncoderTests {
    static let varints: [(UInt64, [UInt8])] = [
        (0, [0]), (1, [1]), (127, [0x7F]), (128, [0x80, 0x01]), (300, [0xAC, 0x02]),
        (16_384, [0x80, 0x80, 0x01]), (UInt64.max, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
    ]

    @Test(arguments: varints)
    func varint(value: UInt64, expected: [UInt8]) {
        var e = CompactEncoder()
        e.writeVarint(value)
        #expect(e.bytes == expected)
    }

    static let zigzags: [(Int64, UInt64)] = [
        (0, 0), (-1, 1), (1, 2), (-2, 3), (2, 4), (63, 126), (-64, 127),
        (Int64.max, UInt64.max - 1), (Int64.min, UInt64.max),
    ]

    @Test(arguments: zigzags)
    func zigzag(value: Int64, expected: UInt64) {
        #expect(Zigzag.encode(value) == expected)
        #expect(Zigzag.decode(expected) == value)
    }

    @Test func shortFieldHeadersCarryTheDelta() {
        var e = CompactEncoder()
        e.field(1, i32: 2)  // delta 1, type i32 (5); zigzag(2) = 4
        e.field(3, i64: -1)  // delta 2, type i64 (6); zigzag(-1) = 1
        e.field(4, binary: Array("ab".utf8))  // delta 1, binary (8), length 2
        e.field(5, bool: true)  // the value is the type: 1
        e.field(6, bool: false)  // 2
        #expect(e.bytes == [0x15, 0x04, 0x26, 0x01, 0x18, 0x02, 0x61, 0x62, 0x11, 0x12])
    }

    @Test func longFieldHeaderCarriesTheIDAsZigzag() {
        var e = CompactEncoder()
        e.field(1, i32: 0)
        e.field(20, i32: 1)  // delta 19 > 15: type byte, then zigzag(20) = 40
        e.field(18, i32: 1)  // going back: long form too, zigzag(18) = 36
        #expect(e.bytes == [0x15, 0x00, 0x05, 0x28, 0x02, 0x05, 0x24, 0x02])
    }

    @Test func listsShortAndLong() {
        var e = CompactEncoder()
        e.field(2, i32List: [1, 2, 3])  // field 2 list (9): 0x29; size 3 of i32: 0x35
        #expect(e.bytes == [0x29, 0x35, 0x02, 0x04, 0x06])
        var long = CompactEncoder()
        long.field(1, i32List: Array(repeating: 0, count: 15))  // 15 or more: 0xF5, then varint 15
        #expect(long.bytes == [0x19, 0xF5, 0x0F] + Array(repeating: 0, count: 15))
        var strings = CompactEncoder()
        strings.field(3, stringList: ["x"])
        #expect(strings.bytes == [0x39, 0x18, 0x01, 0x78])
    }

    @Test func nestedStructsHaveTheirOwnFieldIDs() {
        var e = CompactEncoder()
        e.writeStruct { e in
            e.field(3) { e in e.field(1, i32: 5) }  // outer delta 3 struct (12), inner field 1 from 0
            e.field(4, i32: 1)  // delta from 3, not from the inner 1
            e.field(5, structList: [7, 8]) { e, v in e.field(2, i32: v) }  // list of 2 structs: 0x2C
        }
        #expect(
            e.bytes == [
                0x3C, 0x15, 0x0A, 0x00, 0x15, 0x02, 0x19, 0x2C, 0x25, 0x0E, 0x00, 0x25, 0x10, 0x00, 0x00,
            ])
    }

    @Test func dataPageHeader() {
        let header = PageHeader(
            kind: .data(numValues: 3, encoding: .plain, statistics: nil), uncompressedSize: 10, compressedSize: 10
        ).encode()
        #expect(
            header == [
                0x15, 0x00,  // 1: type DATA_PAGE
                0x15, 0x14, 0x15, 0x14,  // 2, 3: sizes 10
                0x2C,  // 5: DataPageHeader
                0x15, 0x06, 0x15, 0x00, 0x15, 0x06, 0x15, 0x06,  // 3 values, PLAIN, RLE, RLE
                0x00,  // end DataPageHeader
                0x00,  // end PageHeader
            ])
    }

    @Test func statisticsFields() {
        var e = CompactEncoder()
        e.writeStruct {
            Statistics(nullCount: 2, minValue: [1], maxValue: [9], isMinExact: true, isMaxExact: false)
                .encode(into: &$0)
        }
        // 3: null_count i64 4, 5: max binary, 6: min binary, 7: is_max_value_exact false, 8: is_min_value_exact true
        #expect(e.bytes == [0x36, 0x04, 0x28, 0x01, 0x09, 0x18, 0x01, 0x01, 0x12, 0x11, 0x00])
    }
}
