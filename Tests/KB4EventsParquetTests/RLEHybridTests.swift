@testable import KB4EventsSimulator
import Testing

@testable import KB4EventsParquet

/// A reader of the hybrid, written from Encodings.md for these tests only.
func decodeRLEHybrid(_ bytes: [UInt8], bitWidth: Int, count: Int) throws -> [UInt64] {
    var values: [UInt64] = []
    var p = 0
    func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try #require(p < bytes.count ? bytes[p] : nil)
            p += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }
    while values.count < count {
        let header = try varint()
        if header & 1 == 0 {
            var value: UInt64 = 0
            for k in 0..<((bitWidth + 7) / 8) {
                value |= UInt64(bytes[p]) << UInt64(8 * k)
                p += 1
            }
            values += Array(repeating: value, count: Int(header >> 1))
        } else {
            let n = Int(header >> 1) * 8
            var bit = 0
            for _ in 0..<n {
                var value: UInt64 = 0
                for b in 0..<bitWidth where bytes[p + (bit + b) / 8] & (1 << UInt8((bit + b) % 8)) != 0 {
                    value |= 1 << UInt64(b)
                }
                bit += bitWidth
                values.append(value)
            }
            p += n * bitWidth / 8
        }
    }
    #expect(p == bytes.count, "no bytes after the runs")
    return Array(values.prefix(count))
}

@Suite struct RLEHybridTests {
    func encoded(_ values: [UInt32], bitWidth: Int) -> [UInt8] {
        var out: [UInt8] = []
        RLEHybrid.encode(values, bitWidth: bitWidth, into: &out)
        return out
    }

    @Test func aLongRunIsOneRLERun() {
        #expect(encoded(Array(repeating: 1, count: 8), bitWidth: 1) == [0x10, 0x01])
        #expect(encoded(Array(repeating: 300, count: 200), bitWidth: 9) == [0x90, 0x03, 0x2C, 0x01])
    }

    @Test func shortRunsAreBitPackedAndPadded() {
        #expect(encoded([1, 0, 1], bitWidth: 1) == [0x03, 0x05])
        // Encodings.md's example: 0…7 at bit width 3.
        #expect(encoded([0, 1, 2, 3, 4, 5, 6, 7], bitWidth: 3) == [0x03, 0x88, 0xC6, 0xFA])
    }

    @Test func aBitPackedRunBorrowsFromTheNextRunToFillItsGroup() {
        // 0, 1, 2 then twenty 5s: the group takes five 5s, fifteen remain as an RLE run.
        let out = encoded([0, 1, 2] + Array(repeating: 5, count: 20), bitWidth: 3)
        #expect(out == [0x03, 0x88, 0xDA, 0xB6, 0x1E, 0x05])
        // With only ten 5s, too few remain for a run: all thirteen values are packed, two groups.
        #expect(encoded([0, 1, 2] + Array(repeating: 5, count: 10), bitWidth: 3).first == 0x05)
    }

    @Test func emptyInputIsNoBytes() {
        #expect(encoded([], bitWidth: 3) == [])
    }

    @Test(arguments: [1, 2, 5, 8, 13, 20, 32])
    func randomRoundTrip(bitWidth: Int) throws {
        var rng = SeededGenerator(seed: UInt64(bitWidth))
        for _ in 0..<50 {
            let count = Int(rng.next() % 300)
            let maximum = bitWidth == 32 ? UInt64(UInt32.max) : (UInt64(1) << UInt64(bitWidth)) - 1
            var values: [UInt32] = []
            while values.count < count {
                let value = UInt32(rng.next() % (maximum + 1))
                values += Array(repeating: value, count: Int(rng.next() % 3 == 0 ? rng.next() % 20 : 1))
            }
            let out = encoded(values, bitWidth: bitWidth)
            #expect(try decodeRLEHybrid(out, bitWidth: bitWidth, count: values.count) == values.map(UInt64.init))
        }
    }
}

/// The simulator's SplitMix64: a fixed seed gives the same sequence on every platform and run.
typealias SeededGenerator = SplitMix64
