package import KB4EventsParquet

/// How a lake's Parquet pages are compressed (`output.parquet_compression`): the codec, its default level when
/// `output.compression_level` is not set, and its compressor. Written once here; the text formats are always gzip,
/// at `compression_level` or ``GzipWriter/defaultLevel``.
///
/// ZSTD is the default because of the numbers (docs/BENCHMARKS.md, "Parquet codecs"): on a 1M-event day's pages it
/// gives files 4–5 % smaller than GZIP 6 for about a thirteenth of the compression CPU, and every engine the lake
/// feeds reads it (pyarrow, DuckDB, Spark, Athena/Trino, BigQuery, Snowflake).
package enum ParquetCodec: String, Sendable, CaseIterable {
    case zstd
    case gzip

    /// The codec when `output.parquet_compression` is not set.
    package static let `default` = ParquetCodec.zstd

    /// The level when none is configured: zstd's 1 (level 3 and 6 were no smaller on these pages), zlib's 6.
    package var defaultLevel: Int {
        switch self {
        case .zstd: 1
        case .gzip: GzipWriter.defaultLevel
        }
    }

    /// The compressor at `level` (nil: ``defaultLevel``).
    package func compressor(level: Int?) -> any ParquetCompressor {
        switch self {
        case .zstd: ParquetZstdCompressor(level: level ?? defaultLevel)
        case .gzip: ParquetGzipCompressor(level: level ?? defaultLevel)
        }
    }
}
