import Dispatch
package import KB4EventsParquet
import Synchronization

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

extension ParquetGzipCompressor {
    /// Compresses the pages on all cores: each page is its own gzip member, so the bytes are the same as one by one.
    package func compress(pages: [[UInt8]]) throws -> [[UInt8]] {
        let results = Mutex<[Result<[UInt8], any Error>?]>(Array(repeating: nil, count: pages.count))
        let level = level
        DispatchQueue.concurrentPerform(iterations: pages.count) { index in
            let result = Result { try pages[index].withUnsafeBytes { try GzipWriter.gzipMember(of: $0, level: level) } }
            results.withLock { $0[index] = result }
        }
        return try results.withLock { try $0.map { try $0!.get() } }
    }
}
