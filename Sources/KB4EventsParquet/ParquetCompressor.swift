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

/// Turns a page's bytes into the codec's bytes. Parquet compresses each page on its own; the footer names the codec.
package protocol ParquetCompressor: Sendable {
    /// The codec the output is, as the footer records it.
    var codec: ParquetCompressionCodec { get }
    /// The compressed form of `bytes` (a whole page).
    func compress(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8]
    /// The compressed form of each page, in order. The default compresses one after the other; a compressor may
    /// spread them over cores (the output must not depend on how).
    func compress(pages: [[UInt8]]) throws -> [[UInt8]]
}

extension ParquetCompressor {
    package func compress(pages: [[UInt8]]) throws -> [[UInt8]] {
        try pages.map { page in try page.withUnsafeBytes { try compress($0) } }
    }
}

/// No compression: pages are written as encoded.
package struct ParquetUncompressed: ParquetCompressor {
    package init() {}
    package var codec: ParquetCompressionCodec { .uncompressed }
    package func compress(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8] { [UInt8](bytes) }
}
