import CZlib

/// Why zlib refused: the operation and zlib's return code.
struct GzipError: Error, Sendable, CustomStringConvertible {
    /// What was being done ("deflate", "inflate", …).
    let operation: String
    /// zlib's return code.
    package let code: Int32
    /// zlib's message, when it gave one.
    package let detail: String

    package var description: String {
        "gzip \(operation) failed: \(detail.isEmpty ? "zlib code \(code)" : detail)"
    }
}

/// A `z_stream` in allocated memory (it must never move once initialised), set up by `initialize`; nothing is left
/// allocated when zlib refuses. Set up first in an initialiser, so that a refusal never reaches `deinit`.
private func zStream(
    _ operation: String, _ initialize: (UnsafeMutablePointer<z_stream>) -> Int32
) throws -> UnsafeMutablePointer<z_stream> {
    let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    stream.initialize(to: z_stream())
    let rc = initialize(stream)
    guard rc == Z_OK else {
        stream.deinitialize(count: 1)
        stream.deallocate()
        throw GzipError(operation: operation, code: rc, detail: "")
    }
    return stream
}

/// Ends a stream made by `zStream` (`deflateEnd` or `inflateEnd`) and frees it.
private func freeZStream(_ stream: UnsafeMutablePointer<z_stream>, end: (UnsafeMutablePointer<z_stream>) -> Int32) {
    _ = end(stream)
    stream.deinitialize(count: 1)
    stream.deallocate()
}

/// Streams bytes through zlib deflate with gzip framing (header mtime 0, no file name) into a sink.
///
/// The same input and level always give the same bytes. The `z_stream` lives in allocated memory
/// so it never moves after initialisation.
final class GzipWriter {
    private let stream: UnsafeMutablePointer<z_stream>
    private var output: [UInt8]
    private let sink: (UnsafeRawBufferPointer) throws -> Void
    private var finished = false

    /// Uncompressed bytes accepted so far.
    private(set) var bytesIn: Int = 0

    /// The level when `output.compression_level` is not set: zlib's own default.
    static let defaultLevel = 6

    /// Creates a writer; `sink` receives compressed chunks of at most `chunkSize` bytes.
    package init(
        level: Int = GzipWriter.defaultLevel, chunkSize: Int = 64 * 1024,
        sink: @escaping (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        precondition((0...9).contains(level), "gzip level must be 0…9")
        stream = try zStream("deflateInit") { kb4_deflate_init_gzip($0, Int32(level)) }
        output = [UInt8](repeating: 0, count: chunkSize)
        self.sink = sink
    }

    deinit { freeZStream(stream, end: deflateEnd) }

    /// Compresses `bytes`, passing full output chunks to the sink.
    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(!finished, "write after finish")
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        bytesIn += bytes.count
        stream.pointee.next_in = UnsafeMutablePointer(
            mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(bytes.count)
        try pump(flush: Z_NO_FLUSH)
    }

    /// Compresses `bytes`.
    package func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Ends the gzip member (trailer with CRC-32 and size) and hands the last bytes to the sink.
    package func finish() throws {
        guard !finished else { return }
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        try pump(flush: Z_FINISH)
        finished = true
    }

    private func pump(flush: Int32) throws {
        let capacity = output.count
        try output.withUnsafeMutableBufferPointer { out in
            while true {
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = uInt(capacity)
                let rc = deflate(stream, flush)
                guard rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR else {
                    throw GzipError(operation: "deflate", code: rc, detail: message())
                }
                let produced = capacity - Int(stream.pointee.avail_out)
                if produced > 0 {
                    try sink(UnsafeRawBufferPointer(start: out.baseAddress, count: produced))
                }
                if flush == Z_FINISH {
                    if rc == Z_STREAM_END { return }
                } else if stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 {
                    return
                }
            }
        }
    }

    private func message() -> String {
        stream.pointee.msg.map { String(cString: $0) } ?? ""
    }
}

/// Streams gzip-framed bytes back out through zlib inflate.
///
/// Feed compressed chunks with `write`; decompressed chunks go to the sink. `finish` fails when
/// the stream ended early (a truncated file) or carried bytes after its end.
final class GzipReader {
    private let stream: UnsafeMutablePointer<z_stream>
    private var output: [UInt8]
    private let sink: (UnsafeRawBufferPointer) throws -> Void
    private var ended = false

    /// Creates a reader handing decompressed chunks to `sink`.
    package init(chunkSize: Int = 64 * 1024, sink: @escaping (UnsafeRawBufferPointer) throws -> Void) throws {
        stream = try zStream("inflateInit", kb4_inflate_init_gzip)
        output = [UInt8](repeating: 0, count: chunkSize)
        self.sink = sink
    }

    deinit { freeZStream(stream, end: inflateEnd) }

    /// Decompresses a chunk of a gzip stream.
    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        if ended {
            throw GzipError(operation: "inflate", code: Z_DATA_ERROR, detail: "bytes after the end of the gzip stream")
        }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(bytes.count)
        let capacity = output.count
        try output.withUnsafeMutableBufferPointer { out in
            while stream.pointee.avail_in > 0 || stream.pointee.avail_out == 0 {
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = uInt(capacity)
                let rc = inflate(stream, Z_NO_FLUSH)
                let produced = capacity - Int(stream.pointee.avail_out)
                if produced > 0 {
                    try sink(UnsafeRawBufferPointer(start: out.baseAddress, count: produced))
                }
                if rc == Z_STREAM_END {
                    ended = true
                    if stream.pointee.avail_in > 0 {
                        throw GzipError(
                            operation: "inflate", code: Z_DATA_ERROR, detail: "bytes after the end of the gzip stream")
                    }
                    return
                }
                guard rc == Z_OK || (rc == Z_BUF_ERROR && stream.pointee.avail_in == 0) else {
                    let msg = stream.pointee.msg.map { String(cString: $0) } ?? ""
                    throw GzipError(operation: "inflate", code: rc, detail: msg)
                }
                if rc == Z_BUF_ERROR { return }
            }
        }
    }

    /// Decompresses a chunk of a gzip stream.
    package func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Confirms the stream reached its end (trailer checked); a truncated stream throws.
    package func finish() throws {
        guard ended else {
            throw GzipError(operation: "inflate", code: Z_BUF_ERROR, detail: "unexpected end of gzip stream (truncated)")
        }
    }
}

extension GzipWriter {
    /// Compresses a whole buffer in memory (small inputs, tests).
    static func compress(_ bytes: [UInt8], level: Int = GzipWriter.defaultLevel) throws -> [UInt8] {
        var result: [UInt8] = []
        let writer = try GzipWriter(level: level) { result.append(contentsOf: $0) }
        try writer.write(bytes)
        try writer.finish()
        return result
    }
}

extension GzipWriter {
    /// Compresses a whole buffer into one gzip member (header mtime 0, no name) with a single deflate call into
    /// an output sized by `deflateBound`: for buffers compressed one at a time, like Parquet pages.
    package static func gzipMember(of bytes: UnsafeRawBufferPointer, level: Int = GzipWriter.defaultLevel) throws -> [UInt8] {
        precondition((0...9).contains(level), "gzip level must be 0…9")
        // zlib's state points back at the z_stream, so it lives in memory that does not move.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer {
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        let rc = kb4_deflate_init_gzip(stream, Int32(level))
        guard rc == Z_OK else { throw GzipError(operation: "deflateInit", code: rc, detail: "") }
        defer { deflateEnd(stream) }
        let bound = Int(deflateBound(stream, uLong(bytes.count)))
        return try [UInt8](unsafeUninitializedCapacity: bound) { output, count in
            stream.pointee.next_in = bytes.baseAddress.map {
                UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self))
            }
            stream.pointee.avail_in = uInt(bytes.count)
            stream.pointee.next_out = output.baseAddress
            stream.pointee.avail_out = uInt(bound)
            let rc = deflate(stream, Z_FINISH)
            guard rc == Z_STREAM_END else {
                count = 0
                throw GzipError(
                    operation: "deflate", code: rc, detail: stream.pointee.msg.map { String(cString: $0) } ?? "")
            }
            count = bound - Int(stream.pointee.avail_out)
        }
    }
}

extension GzipReader {
    /// Decompresses a whole gzip buffer in memory (small inputs, tests).
    static func decompress(_ bytes: [UInt8]) throws -> [UInt8] {
        var result: [UInt8] = []
        let reader = try GzipReader { result.append(contentsOf: $0) }
        try reader.write(bytes)
        try reader.finish()
        return result
    }
}
