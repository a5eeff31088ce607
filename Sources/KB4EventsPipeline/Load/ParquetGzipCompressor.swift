package import KB4EventsParquet

/// Parquet's GZIP codec over the project's zlib: each page becomes one gzip member.
package struct ParquetGzipCompressor: ParquetCompressor {
    /// zlib's level, 0…9.
    package let level: Int

    package init(level: Int = 6) {
        precondition((0...9).contains(level), "gzip level must be 0…9")
        self.level = level
    }

    package var codec: ParquetCompressionCodec { .gzip }

    package func compress(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8] {
        try GzipWriter.gzipMember(of: bytes, level: level)
    }
}
