/// The running min and max of a page or a column chunk, in the column's type-defined order: signed for the
/// integers, IEEE order without NaN for DOUBLE, false < true for BOOLEAN, unsigned bytewise for BYTE_ARRAY.
struct ValueBounds {
    var hasValue = false
    var minInt: Int64 = .max
    var maxInt: Int64 = .min
    var minDouble: Double = .infinity
    var maxDouble: Double = -.infinity
    var sawFalse = false
    var sawTrue = false
    var minBytes: [UInt8] = []
    var maxBytes: [UInt8] = []

    @inline(__always)
    mutating func observe(_ value: Int64) {
        hasValue = true
        if value < minInt { minInt = value }
        if value > maxInt { maxInt = value }
    }

    /// NaN takes no part in min and max (parquet.thrift's ColumnOrder rules).
    @inline(__always)
    mutating func observe(_ value: Double) {
        if value.isNaN { return }
        hasValue = true
        if value < minDouble { minDouble = value }
        if value > maxDouble { maxDouble = value }
    }

    @inline(__always)
    mutating func observe(_ value: Bool) {
        hasValue = true
        if value { sawTrue = true } else { sawFalse = true }
    }

    mutating func observe(_ value: UnsafeRawBufferPointer) {
        if !hasValue {
            hasValue = true
            minBytes.append(contentsOf: value)
            maxBytes.append(contentsOf: value)
            return
        }
        if minBytes.withUnsafeBytes({ ByteOrder.compare(value, $0) }) < 0 {
            minBytes.removeAll(keepingCapacity: true)
            minBytes.append(contentsOf: value)
        } else if maxBytes.withUnsafeBytes({ ByteOrder.compare(value, $0) }) > 0 {
            maxBytes.removeAll(keepingCapacity: true)
            maxBytes.append(contentsOf: value)
        }
    }

    mutating func merge(_ other: ValueBounds, _ type: PhysicalType) {
        guard other.hasValue else { return }
        switch type {
        case .int32, .int64:
            observe(other.minInt)
            observe(other.maxInt)
        case .double:
            observe(other.minDouble)
            observe(other.maxDouble)
        case .boolean:
            hasValue = true
            sawFalse = sawFalse || other.sawFalse
            sawTrue = sawTrue || other.sawTrue
        case .byteArray:
            other.minBytes.withUnsafeBytes { observe($0) }
            other.maxBytes.withUnsafeBytes { observe($0) }
        }
    }

    mutating func reset() {
        hasValue = false
        minInt = .max
        maxInt = .min
        minDouble = .infinity
        maxDouble = -.infinity
        sawFalse = false
        sawTrue = false
        minBytes.removeAll(keepingCapacity: true)
        maxBytes.removeAll(keepingCapacity: true)
    }

    /// The thrift `Statistics`: PLAIN bounds (none when every value was null or NaN) and the null count.
    func statistics(nullCount: Int, type: PhysicalType, truncateLength: Int) -> Statistics {
        var result = Statistics(nullCount: Int64(nullCount))
        guard hasValue else { return result }
        switch type {
        case .int64:
            result.minValue = ByteOrder.littleEndian(minInt)
            result.maxValue = ByteOrder.littleEndian(maxInt)
        case .int32:
            result.minValue = ByteOrder.littleEndian(Int32(truncatingIfNeeded: minInt))
            result.maxValue = ByteOrder.littleEndian(Int32(truncatingIfNeeded: maxInt))
        case .double:
            // A zero bound is written as -0.0 when it is the min and +0.0 when it is the max, so a reader that
            // compares against either zero never skips a page holding the other.
            let low = minDouble == 0 ? -0.0 : minDouble
            let high = maxDouble == 0 ? 0.0 : maxDouble
            result.minValue = ByteOrder.littleEndian(low.bitPattern)
            result.maxValue = ByteOrder.littleEndian(high.bitPattern)
        case .boolean:
            result.minValue = [sawFalse ? 0 : 1]
            result.maxValue = [sawTrue ? 1 : 0]
        case .byteArray:
            let (low, lowExact) = BoundTruncation.lower(minBytes, limit: truncateLength)
            result.minValue = low
            result.isMinExact = lowExact
            if let (high, highExact) = BoundTruncation.upper(maxBytes, limit: truncateLength) {
                result.maxValue = high
                result.isMaxExact = highExact
            }
        }
        return result
    }
}

/// Shortens long byte-array bounds so footers stay small, cutting only at UTF-8 character boundaries (STRING and
/// JSON bounds stay valid text).
enum BoundTruncation {
    /// A prefix is never greater than the value, so it is a valid lower bound.
    static func lower(_ value: [UInt8], limit: Int) -> ([UInt8], exact: Bool) {
        guard value.count > limit else { return (value, true) }
        return (Array(value[0..<boundary(value, atMost: limit)]), false)
    }

    /// The prefix with its last character incremented is greater than every value sharing the prefix; a character
    /// whose successor needs more bytes (or has none) is dropped and the one before it incremented. Nil when no
    /// character can be incremented: the max is then left out.
    static func upper(_ value: [UInt8], limit: Int) -> ([UInt8], exact: Bool)? {
        guard value.count > limit else { return (value, true) }
        var prefix = Array(value[0..<boundary(value, atMost: limit)])
        while !prefix.isEmpty {
            var start = prefix.count - 1
            while start > 0 && prefix[start] & 0xC0 == 0x80 { start -= 1 }
            let length = prefix.count - start
            if let scalar = decode(prefix[start...]) {
                var next = scalar + 1
                if (0xD800...0xDFFF).contains(next) { next = 0xE000 }
                if next <= 0x10FFFF, let encoded = Unicode.Scalar(next).map({ Array(String($0).utf8) }),
                    encoded.count == length
                {
                    prefix.replaceSubrange(start..., with: encoded)
                    return (prefix, false)
                }
            } else {
                // Not UTF-8 (raw bytes): increment the last byte, or drop it when it is 0xFF.
                if prefix[prefix.count - 1] < 0xFF {
                    prefix[prefix.count - 1] += 1
                    return (prefix, false)
                }
                prefix.removeLast()
                continue
            }
            prefix.removeSubrange(start...)
        }
        return nil
    }

    /// The largest cut ≤ `limit` that does not split a UTF-8 sequence.
    private static func boundary(_ value: [UInt8], atMost limit: Int) -> Int {
        var end = limit
        while end > 0 && value[end] & 0xC0 == 0x80 { end -= 1 }
        return end
    }

    private static func decode(_ bytes: ArraySlice<UInt8>) -> UInt32? {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        guard case .scalarValue(let scalar) = decoder.decode(&iterator), iterator.next() == nil else { return nil }
        return scalar.value
    }
}
