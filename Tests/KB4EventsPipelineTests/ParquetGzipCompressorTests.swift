import KB4EventsParquet
import Testing

@testable import KB4EventsPipeline

/// The one-shot gzip member behind Parquet's GZIP pages.
@Suite struct ParquetGzipCompressorTests {
    @Test(arguments: [0, 1, 1_000, 300_000])
    func aMemberRoundTripsThroughTheStreamingReader(size: Int) throws {
        let input = pageLikeBytes(size)
        let compressed = try input.withUnsafeBytes { try GzipWriter.gzipMember(of: $0, level: 6) }
        #expect(Array(compressed.prefix(8)) == [0x1F, 0x8B, 8, 0, 0, 0, 0, 0], "gzip, no flags, mtime 0")
        #expect(try GzipReader.decompress(compressed) == input)
        #expect(compressed == (try GzipWriter.compress(input, level: 6)), "the same bytes as the streaming writer")
    }

    @Test func theCompressorIsGzipAtItsLevel() throws {
        let input = Array(String(repeating: "parquet page ", count: 1_000).utf8)
        let fast = ParquetGzipCompressor(level: 1), best = ParquetGzipCompressor(level: 9)
        #expect(fast.codec == .gzip)
        let a = try input.withUnsafeBytes { try fast.compress($0) }
        let b = try input.withUnsafeBytes { try best.compress($0) }
        #expect(try GzipReader.decompress(a) == input)
        #expect(try GzipReader.decompress(b) == input)
        #expect(a != b, "the level reaches zlib")
    }
}

/// `size` bytes that compress like a page: a repeating pattern with a pseudo-random byte every third (seeded, so the
/// same every run). Shared by the codecs' tests.
func pageLikeBytes(_ size: Int) -> [UInt8] {
    var state: UInt64 = 42
    return (0..<size).map { i in
        state = state &* 6_364_136_223_846_793_005 &+ 1
        return i % 3 == 0 ? UInt8(truncatingIfNeeded: state >> 59) : UInt8(i % 7)
    }
}
