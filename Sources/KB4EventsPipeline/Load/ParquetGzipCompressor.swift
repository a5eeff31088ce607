import Dispatch
package import KB4EventsParquet
import Synchronization

/// Parquet's GZIP codec over the project's zlib: each page becomes one gzip member.
package struct ParquetGzipCompressor: ParquetCompressor {
    /// zlib's level, 0…9.
    package let level: Int

    package init(level: Int) {
        precondition((0...9).contains(level), "gzip level must be 0…9")
        self.level = level
    }

    package var codec: ParquetCompressionCodec { .gzip }

    package func compress(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8] {
        try GzipWriter.gzipMember(of: bytes, level: level)
    }

    package func compress(pages: [[UInt8]]) throws -> [[UInt8]] {
        try compressConcurrently(pages)
    }
}

extension ParquetCompressor {
    /// Compresses the pages on all cores. Each page is compressed on its own, so the bytes are the same as one by
    /// one; the first failure (in page order) is thrown.
    func compressConcurrently(_ pages: [[UInt8]]) throws -> [[UInt8]] {
        let results = Mutex<[Result<[UInt8], any Error>?]>(Array(repeating: nil, count: pages.count))
        DispatchQueue.concurrentPerform(iterations: pages.count) { index in
            let result = Result { try pages[index].withUnsafeBytes { try compress($0) } }
            results.withLock { $0[index] = result }
        }
        return try results.withLock { try $0.map { try $0!.get() } }
    }
}
