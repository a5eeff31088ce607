import CZstd
package import KB4EventsParquet

/// Why libzstd refused: its error name.
struct ZstdError: Error, Sendable, CustomStringConvertible {
    let detail: String
    var description: String { "zstd compression failed: \(detail)" }
}

/// Parquet's ZSTD codec over the system libzstd: each page becomes one zstd frame (content size in the header, no
/// checksum, no dictionary), the same bytes for the same page and level. Pages go over all cores in batches.
package struct ParquetZstdCompressor: ParquetCompressor {
    /// zstd's level, 1…19.
    package let level: Int

    package init(level: Int) {
        precondition((1...19).contains(level), "zstd level must be 1…19")
        self.level = level
    }

    package var codec: ParquetCompressionCodec { .zstd }

    package func compress(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8] {
        let bound = ZSTD_compressBound(bytes.count)
        var failure: String?
        let output = [UInt8](unsafeUninitializedCapacity: bound) { output, count in
            let written = ZSTD_compress(output.baseAddress, bound, bytes.baseAddress, bytes.count, Int32(level))
            if ZSTD_isError(written) != 0 {
                failure = String(cString: ZSTD_getErrorName(written))
                count = 0
            } else {
                count = written
            }
        }
        if let failure { throw ZstdError(detail: failure) }
        return output
    }

    package func compress(pages: [[UInt8]]) throws -> [[UInt8]] {
        try compressConcurrently(pages)
    }
}
