/// Where the file's bytes go, in order. The Pipeline implements it over a file; `ParquetMemorySink` keeps them.
package protocol ParquetSink {
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws
}

/// Keeps the file in memory (tests, small files).
package struct ParquetMemorySink: ParquetSink {
    package private(set) var bytes: [UInt8] = []
    package init() {}
    package mutating func write(_ bytes: UnsafeRawBufferPointer) throws { self.bytes.append(contentsOf: bytes) }
}
