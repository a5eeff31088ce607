import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One HTTP request: method, absolute URL (already percent-encoded), headers, body.
package struct NetRequest: Sendable {
    /// What a request sends.
    package enum Body: Sendable {
        /// Bytes in memory.
        case bytes([UInt8])
        /// `length` bytes of a local file from `offset`, read in chunks as the connection takes them: no copy of the
        /// file, memory flat whatever its size (a multipart upload's part is a byte range of the staged file).
        case file(path: String, offset: Int64 = 0, length: Int64)

        /// The number of bytes sent.
        package var count: Int64 {
            switch self {
            case .bytes(let bytes): Int64(bytes.count)
            case .file(_, _, let length): length
            }
        }
    }

    package var method: String
    package var url: String
    package var headers: [(name: String, value: String)]
    package var body: Body?

    package init(method: String, url: String, headers: [(name: String, value: String)] = [], body: Body? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// One HTTP response: status, headers with lower-cased names (repeated fields joined with `, `), and the body in
/// memory, or, when the request asked for a download and the status was 2xx, the number of bytes written to the file.
package struct NetResponse: Sendable {
    package var status: Int
    package var headers: [String: String]
    package var body: [UInt8]
    /// Bytes written to the download file (nil when the body is in `body`).
    package var downloadedBytes: Int64?

    package init(status: Int, headers: [String: String] = [:], body: [UInt8] = [], downloadedBytes: Int64? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.downloadedBytes = downloadedBytes
    }
}

/// A byte range of a file as an async sequence of buffers, for `HTTPClientRequest.Body.stream`. Each iterator opens
/// the file itself (a retried request reads it again from `offset`) and closes it when done or dropped. Reads are
/// `pread`s of `chunkSize` bytes from the page cache, short enough not to hold a cooperative thread.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let path: String
    let offset: Int64
    let length: Int64
    var chunkSize = 256 * 1024

    struct FileReadError: Error, CustomStringConvertible {
        let description: String
    }

    final class Descriptor: @unchecked Sendable {
        let fd: Int32
        init(fd: Int32) { self.fd = fd }
        deinit { close(fd) }
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let sequence: FileChunks
        var file: Descriptor?
        var sent: Int64 = 0

        mutating func next() async throws -> ByteBuffer? {
            try Task.checkCancellation()
            guard sent < sequence.length else {
                file = nil
                return nil
            }
            if file == nil {
                let fd = open(sequence.path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else {
                    throw FileReadError(
                        description: "cannot open \(sequence.path): \(String(cString: strerror(errno)).lowercased())")
                }
                file = Descriptor(fd: fd)
            }
            let want = Int(Swift.min(Int64(sequence.chunkSize), sequence.length - sent))
            var buffer = ByteBufferAllocator().buffer(capacity: want)
            let fd = file!.fd
            let position = sequence.offset + sent
            let got = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { raw in
                var done = 0
                while done < want {
                    let n = pread(fd, raw.baseAddress! + done, want - done, off_t(position) + off_t(done))
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    done += n
                }
                return done
            }
            guard got == want else {
                throw FileReadError(description: "\(sequence.path) is shorter than the \(sequence.length) bytes to send")
            }
            sent += Int64(got)
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(sequence: self) }
}
