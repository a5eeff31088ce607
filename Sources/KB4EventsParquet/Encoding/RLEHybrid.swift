/// The RLE / bit-packed hybrid of Encodings.md, used for definition levels (bit width 1) and dictionary indices.
///
/// A run of eight or more equal values becomes an RLE run (`varint(count << 1)`, then the value in
/// `ceil(bitWidth / 8)` little-endian bytes); everything else is bit-packed in groups of eight
/// (`varint(groups << 1 | 1)`, then `groups * bitWidth` bytes, values packed from the least significant bit). A
/// bit-packed run before an RLE run must hold a multiple of eight values, so it borrows the run's first values to
/// fill its last group; the final group of the stream is padded with zeros (the page's value count says where the
/// values end).
enum RLEHybrid {
    static func encode<Value: FixedWidthInteger & UnsignedInteger>(
        _ values: UnsafeBufferPointer<Value>, bitWidth: Int, into out: inout [UInt8]
    ) {
        precondition((0...32).contains(bitWidth))
        let n = values.count
        var literalStart = 0
        var i = 0
        while i < n {
            let value = values[i]
            var j = i + 1
            while j < n && values[j] == value { j += 1 }
            let run = j - i
            if run >= 8 {
                let pending = i - literalStart
                let borrow = (8 - pending % 8) % 8
                if run - borrow >= 8 {
                    if pending + borrow > 0 {
                        bitPack(values, from: literalStart, to: i + borrow, bitWidth: bitWidth, into: &out)
                    }
                    writeRun(UInt64(value), count: run - borrow, bitWidth: bitWidth, into: &out)
                    literalStart = j
                }
            }
            i = j
        }
        if literalStart < n { bitPack(values, from: literalStart, to: n, bitWidth: bitWidth, into: &out) }
    }

    static func encode<Value: FixedWidthInteger & UnsignedInteger>(
        _ values: [Value], bitWidth: Int, into out: inout [UInt8]
    ) {
        values.withUnsafeBufferPointer { encode($0, bitWidth: bitWidth, into: &out) }
    }

    /// An RLE run of `count` copies of `value`.
    static func writeRun(_ value: UInt64, count: Int, bitWidth: Int, into out: inout [UInt8]) {
        writeVarint(UInt64(count) << 1, into: &out)
        var value = value
        for _ in 0..<((bitWidth + 7) / 8) {
            out.append(UInt8(truncatingIfNeeded: value))
            value >>= 8
        }
    }

    private static func bitPack<Value: FixedWidthInteger & UnsignedInteger>(
        _ values: UnsafeBufferPointer<Value>, from start: Int, to end: Int, bitWidth: Int, into out: inout [UInt8]
    ) {
        let groups = (end - start + 7) / 8
        writeVarint(UInt64(groups) << 1 | 1, into: &out)
        var buffer: UInt64 = 0
        var bits = 0
        for k in start..<(start + groups * 8) {
            let value: UInt64 = k < end ? UInt64(values[k]) : 0
            buffer |= value << UInt64(bits)
            bits += bitWidth
            while bits >= 8 {
                out.append(UInt8(truncatingIfNeeded: buffer))
                buffer >>= 8
                bits -= 8
            }
        }
    }

    static func writeVarint(_ value: UInt64, into out: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
    }

    /// Bits needed for values up to `maximum` (0 needs 0).
    static func bitWidth(forMaximum maximum: UInt64) -> Int { 64 - maximum.leadingZeroBitCount }
}
