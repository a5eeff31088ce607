import CZstd
import KB4EventsParquet
import Testing

@testable import KB4EventsPipeline

/// The one-shot zstd frame behind Parquet's ZSTD pages (the lake's default codec), and the codec choice.
@Suite struct ParquetZstdCompressorTests {
    /// What libzstd's own decoder makes of a frame (the frame header carries the content size).
    static func decompress(_ frame: [UInt8]) throws -> [UInt8] {
        let size = frame.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
        try #require(size != ZSTD_CONTENTSIZE_UNKNOWN && size != ZSTD_CONTENTSIZE_ERROR, "the frame names its size")
        return try [UInt8](unsafeUninitializedCapacity: Int(size)) { out, count in
            let n = frame.withUnsafeBytes { ZSTD_decompress(out.baseAddress, Int(size), $0.baseAddress, $0.count) }
            try #require(ZSTD_isError(n) == 0, "\(String(cString: ZSTD_getErrorName(n)))")
            count = n
        }
    }

    @Test(arguments: [0, 1, 1_000, 300_000])
    func aFrameRoundTripsAndIsTheSameBytesEveryTime(size: Int) throws {
        let input = pageLikeBytes(size)
        let compressor = ParquetZstdCompressor(level: 1)
        let frame = try input.withUnsafeBytes { try compressor.compress($0) }
        #expect(Array(frame.prefix(4)) == [0x28, 0xB5, 0x2F, 0xFD], "a zstd frame")
        #expect(try Self.decompress(frame) == input)
        #expect(frame == (try input.withUnsafeBytes { try compressor.compress($0) }), "deterministic")
    }

    @Test func pagesOverAllCoresAreTheBytesOfOneByOne() throws {
        let pages = (0..<40).map { pageLikeBytes(1_000 + $0 * 997) }
        let compressor = ParquetZstdCompressor(level: 3)
        let batched = try compressor.compress(pages: pages)
        let single = try pages.map { page in try page.withUnsafeBytes { try compressor.compress($0) } }
        #expect(batched == single)
    }

    @Test func theLevelReachesLibzstd() throws {
        let input = Array(String(repeating: "parquet page 0123456789 ", count: 4_000).utf8) + pageLikeBytes(50_000)
        let fast = try input.withUnsafeBytes { try ParquetZstdCompressor(level: 1).compress($0) }
        let best = try input.withUnsafeBytes { try ParquetZstdCompressor(level: 19).compress($0) }
        #expect(fast != best)
        #expect(try Self.decompress(best) == input)
    }

    @Test func theCodecChoiceNamesItsCompressorAndDefaultLevel() {
        #expect(ParquetCodec.zstd.defaultLevel == 1 && ParquetCodec.gzip.defaultLevel == 6)
        let zstd = ParquetCodec.zstd.compressor(level: nil), gzip = ParquetCodec.gzip.compressor(level: 9)
        #expect(zstd.codec == .zstd && (zstd as? ParquetZstdCompressor)?.level == 1)
        #expect(gzip.codec == .gzip && (gzip as? ParquetGzipCompressor)?.level == 9)
        #expect(ExportSettings(lake: LakeLayout(root: "/tmp/x"), format: .parquet, baseURL: "b", toolVersion: "v")
            .parquetCodec == .zstd, "ZSTD unless the pipeline file says otherwise")
    }
}
