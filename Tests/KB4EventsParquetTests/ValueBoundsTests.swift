import Testing

@testable import KB4EventsParquet

/// Min and max in each type's defined order.
@Suite struct ValueBoundsTests {
    @Test func doubleBoundsLeaveNaNOutAndSignTheirZeros() {
        var bounds = ValueBounds()
        for value in [Double.nan, 0.0, 3.5, -0.0, .nan] { bounds.observe(value) }
        let stats = bounds.statistics(nullCount: 1, type: .double, truncateLength: 64)
        #expect(stats.minValue == ByteOrder.littleEndian(Double(-0.0).bitPattern))
        #expect(stats.maxValue == ByteOrder.littleEndian(Double(3.5).bitPattern))
        var zeros = ValueBounds()
        zeros.observe(-0.0)
        let zeroStats = zeros.statistics(nullCount: 0, type: .double, truncateLength: 64)
        #expect(zeroStats.maxValue == ByteOrder.littleEndian(Double(0.0).bitPattern), "max zero is +0.0")
        var onlyNaN = ValueBounds()
        onlyNaN.observe(Double.nan)
        #expect(onlyNaN.statistics(nullCount: 2, type: .double, truncateLength: 64) == Statistics(nullCount: 2))
    }

    @Test func byteArrayBoundsAreUnsignedBytewise() {
        var bounds = ValueBounds()
        for value in ["b", "\u{e9}", "a", "ab", ""] {
            Array(value.utf8).withUnsafeBytes { bounds.observe($0) }
        }
        let stats = bounds.statistics(nullCount: 0, type: .byteArray, truncateLength: 64)
        #expect(stats.minValue == [])
        #expect(stats.maxValue == Array("\u{e9}".utf8), "0xC3 sorts after ASCII")
    }
}
