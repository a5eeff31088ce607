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
