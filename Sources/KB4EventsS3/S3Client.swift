package import Foundation
import Crypto
import Synchronization
// `stat` and its fields resolve through CoreFoundation's copy of <sys/stat.h> once NIO's C modules are in the graph.
import CoreFoundation
import KB4EventsCore
import KB4EventsNet

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The few S3 requests a lake needs: PUT (bytes, or a local file: one PUT, or a multipart upload read part by part),
/// GET, HEAD, DELETE, ListObjectsV2. Every request is SigV4-signed with a payload hash; every upload carries a
/// checksum (`x-amz-checksum-sha256` on a PUT, `Content-MD5` on each part); `SlowDown`, 5xx and timeouts are
/// retried with exponential backoff and jitter.
package final class S3Client: Sendable {
    /// Where requests go.
    package let endpoint: S3Endpoint
    /// Files up to this size go up in one PUT; larger ones as a multipart upload.
    let multipartThreshold: Int
    /// Multipart part size (S3: at least 5 MiB except the last); the memory an upload holds.
    let partSize: Int
    /// Attempts per request (1 = no retry).
    let maxAttempts: Int
    /// First backoff delay; doubles per attempt, full jitter, capped at 5 s.
    let baseDelay: TimeInterval
    /// Seconds an abandoned multipart upload's abort may take (it runs outside the caller's cancellation).
    static let abortDeadline = 5.0

    private let credentials: AWSCredentialChain
    private let signer: SigV4Signer
    private let http: S3HTTP
    private let requests = Atomic<Int>(0)

    /// HTTP requests sent so far, every attempt of a retried one included (for measurements and reports).
    package var requestsSent: Int { requests.load(ordering: .relaxed) }

    /// What a HEAD or a listing says about an object.
    package struct ObjectInfo: Sendable, Equatable {
        package let key: String
        package let size: Int
        /// As S3 sends it, quotes included (`"…"`); pass it back unchanged to `If-Match`.
        package let etag: String
        let lastModified: String?
    }

    /// The write precondition of a PUT.
    package enum Condition: Sendable, Equatable {
        /// Unconditional.
        case none
        /// `If-None-Match: *`: only if no object has the key.
        case ifNoneMatch
        /// `If-Match: <etag>`: only if the object is still that version.
        case ifMatch(String)
    }

    /// A file larger than this goes up in parts by default…
    package static let defaultMultipartThreshold = 16 << 20
    /// …of this size.
    package static let defaultPartSize = 8 << 20

    /// Creates a client.
    package init(
        endpoint: S3Endpoint, credentials: AWSCredentialChain, multipartThreshold: Int = defaultMultipartThreshold,
        partSize: Int = defaultPartSize, maxAttempts: Int = 5, baseDelay: TimeInterval = 0.2, requestTimeout: TimeInterval = 60,
        extraCABundle: String? = nil
    ) {
        self.endpoint = endpoint
        self.credentials = credentials
        self.multipartThreshold = max(multipartThreshold, partSize)
        self.partSize = max(partSize, 5 << 20)
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        signer = SigV4Signer(region: endpoint.region, service: "s3")
        http = S3HTTP(
            requestTimeout: requestTimeout, resourceTimeout: max(600, requestTimeout * 4), extraCABundle: extraCABundle)
    }

    // MARK: - Objects

    /// PUT `body` under `key`; returns the new ETag. `.ifNoneMatch`/`.ifMatch` failing → `.preconditionFailed`.
    @discardableResult
    package func putObject(
        bucket: String, key: String, body: [UInt8], condition: Condition = .none,
        contentType: String = "application/octet-stream"
    ) async throws(S3Error) -> String {
        try await put(
            bucket: bucket, key: key, body: .bytes(body), digest: Array(SHA256.hash(data: body)), condition: condition,
            contentType: contentType)
    }

    /// One PUT of `body`, whose SHA-256 is `digest`.
    private func put(
        bucket: String, key: String, body: NetRequest.Body, digest: [UInt8], condition: Condition, contentType: String
    ) async throws(S3Error) -> String {
        var headers: [(name: String, value: String)] = [
            ("Content-Type", contentType), ("x-amz-sdk-checksum-algorithm", "SHA256"),
            ("x-amz-checksum-sha256", Data(digest).base64EncodedString()),
        ]
        headers += Self.headers(for: condition)
        let (response, unanswered) = try await sendCountingUnanswered(
            "PUT", bucket: bucket, key: key, headers: headers, body: body, payloadSHA256: hex(digest))
        if response.status == 412 && unanswered > 0 {
            // An earlier attempt got no answer (timeout, 5xx) and may have been applied: then the 412 is our own
            // write. It is ours when the object carries our checksum.
            let check = try await send("HEAD", bucket: bucket, key: key, headers: [("x-amz-checksum-mode", "ENABLED")])
            if check.status == 200, check.headers["x-amz-checksum-sha256"] == Data(digest).base64EncodedString(),
                let etag = check.headers["etag"]
            {
                return etag
            }
        }
        guard (200..<300).contains(response.status) else {
            throw error(response, bucket: bucket, key: key, condition: condition)
        }
        return response.headers["etag"] ?? ""
    }

    /// Uploads the local file at `path` under `key`: one PUT up to `multipartThreshold`, else a multipart upload of
    /// `partSize` parts. Bodies are streamed from disk (a part is a byte range of the file, read as it is sent: no
    /// copy), so memory does not grow with the file or the part size. The object appears only when complete; a failed multipart upload is
    /// aborted. Returns the new ETag.
    @discardableResult
    package func uploadFile(
        bucket: String, key: String, path: String, condition: Condition = .none,
        contentType: String = "application/octet-stream"
    ) async throws(S3Error) -> String {
        let file = try LocalFile(path: path)
        defer { file.close() }
        if file.size <= multipartThreshold {
            let digest = try file.sha256()
            return try await put(
                bucket: bucket, key: key, body: .file(path: path, length: Int64(file.size)), digest: digest, condition: condition,
                contentType: contentType)
        }
        let created = try await send(
            "POST", bucket: bucket, key: key, query: [("uploads", "")], headers: [("Content-Type", contentType)])
        guard created.status == 200,
            let uploadID = XMLScan.first("UploadId", in: String(decoding: created.body, as: UTF8.self))
        else { throw error(created, bucket: bucket, key: key) }
        do throws(S3Error) {
            var parts: [(number: Int, etag: String)] = []
            var number = 1
            var offset = 0
            while true {
                let part = try file.digest(count: partSize)
                if part.size == 0 && number > 1 { break }
                let response = try await send(
                    "PUT", bucket: bucket, key: key, query: [("partNumber", String(number)), ("uploadId", uploadID)],
                    headers: [("Content-MD5", Data(part.md5).base64EncodedString())],
                    body: .file(path: path, offset: Int64(offset), length: Int64(part.size)),
                    payloadSHA256: hex(part.sha256))
                guard response.status == 200, let etag = response.headers["etag"] else {
                    throw error(response, bucket: bucket, key: key)
                }
                parts.append((number, etag))
                number += 1
                offset += part.size
                if part.size < partSize { break }
            }
            let xml =
                "<CompleteMultipartUpload>"
                + parts.map {
                    "<Part><PartNumber>\($0.number)</PartNumber><ETag>\(XMLScan.escape($0.etag))</ETag></Part>"
                }.joined() + "</CompleteMultipartUpload>"
            let body = Array(xml.utf8)
            let completed = try await send(
                "POST", bucket: bucket, key: key, query: [("uploadId", uploadID)],
                headers: [("Content-Type", "application/xml")] + Self.headers(for: condition), body: .bytes(body),
                payloadSHA256: hex(SHA256.hash(data: body)))
            let text = String(decoding: completed.body, as: UTF8.self)
            // S3 may answer 200 and put an <Error> in the body of a CompleteMultipartUpload.
            guard completed.status == 200, !text.contains("<Error>") else {
                throw error(completed, bucket: bucket, key: key, condition: condition)
            }
            return completed.headers["etag"] ?? XMLScan.first("ETag", in: text) ?? ""
        } catch {
            // Best effort, outside the caller's cancellation: a cancelled upload (SIGINT/SIGTERM) still aborts,
            // within a few seconds, so no incomplete multipart upload is left behind.
            await withUncancelledCleanup(deadline: Self.abortDeadline) { [self] in
                _ = try? await send("DELETE", bucket: bucket, key: key, query: [("uploadId", uploadID)])
            }
            throw error
        }
    }

    /// GET an object: its bytes and ETag, or nil when there is no such key.
    package func getObject(bucket: String, key: String) async throws(S3Error) -> (body: [UInt8], etag: String)? {
        let response = try await send("GET", bucket: bucket, key: key)
        if response.status == 404, errorCode(response) == "NoSuchKey" { return nil }
        guard response.status == 200 else { throw error(response, bucket: bucket, key: key) }
        return (response.body, response.headers["etag"] ?? "")
    }

    /// GET an object into the local file `path` (streamed: memory does not grow with the object): its ETag, or nil
    /// when there is no such key.
    package func downloadObject(bucket: String, key: String, to path: String) async throws(S3Error) -> String? {
        let response = try await send("GET", bucket: bucket, key: key, downloadTo: path)
        if response.status == 404, errorCode(response) == "NoSuchKey" { return nil }
        guard response.status == 200 else { throw error(response, bucket: bucket, key: key) }
        return response.headers["etag"] ?? ""
    }

    /// HEAD an object: size and ETag, or nil when there is no such key (a missing bucket is an error).
    package func headObject(bucket: String, key: String) async throws(S3Error) -> ObjectInfo? {
        let response = try await send("HEAD", bucket: bucket, key: key)
        if response.status == 404 {
            // HEAD has no body: tell a missing key from a missing bucket with a listing-free probe.
            let bucketProbe = try await send("HEAD", bucket: bucket, key: nil)
            if bucketProbe.status == 404 { throw error(bucketProbe, bucket: bucket, key: nil) }
            return nil
        }
        guard response.status == 200 else { throw error(response, bucket: bucket, key: key) }
        return ObjectInfo(
            key: key, size: Int(response.headers["content-length"] ?? "") ?? 0, etag: response.headers["etag"] ?? "",
            lastModified: response.headers["last-modified"])
    }

    /// DELETE an object (deleting a missing key succeeds, as in S3).
    package func deleteObject(bucket: String, key: String) async throws(S3Error) {
        let response = try await send("DELETE", bucket: bucket, key: key)
        guard (200..<300).contains(response.status) || response.status == 404 && errorCode(response) == "NoSuchKey"
        else { throw error(response, bucket: bucket, key: key) }
    }

    /// Every object whose key starts with `prefix`, in key order (ListObjectsV2, following continuation tokens).
    package func listObjects(bucket: String, prefix: String, pageSize: Int = 1000) async throws(S3Error) -> [ObjectInfo] {
        try await list(bucket: bucket, prefix: prefix, delimiter: nil, pageSize: pageSize).objects
    }

    /// The common prefixes one `/` below `prefix` (ListObjectsV2 with `delimiter=/`: `p/a/` for keys `p/a/…`), in key
    /// order; one request per `pageSize` prefixes, however many objects each holds.
    package func listCommonPrefixes(bucket: String, prefix: String, pageSize: Int = 1000) async throws(S3Error) -> [String] {
        try await list(bucket: bucket, prefix: prefix, delimiter: "/", pageSize: pageSize).prefixes
    }

    private func list(bucket: String, prefix: String, delimiter: String?, pageSize: Int) async throws(S3Error)
        -> (objects: [ObjectInfo], prefixes: [String])
    {
        var objects: [ObjectInfo] = []
        var prefixes: [String] = []
        var token: String?
        repeat {
            var query: [(name: String, value: String)] = [
                ("list-type", "2"), ("prefix", prefix), ("max-keys", String(pageSize)),
            ]
            if let delimiter { query.append(("delimiter", delimiter)) }
            if let token { query.append(("continuation-token", token)) }
            let response = try await send("GET", bucket: bucket, key: nil, query: query)
            guard response.status == 200 else { throw error(response, bucket: bucket, key: prefix.isEmpty ? nil : prefix) }
            let xml = String(decoding: response.body, as: UTF8.self)
            for block in XMLScan.blocks("Contents", in: xml) {
                guard let key = XMLScan.first("Key", in: block) else { continue }
                objects.append(
                    ObjectInfo(
                        key: key, size: Int(XMLScan.first("Size", in: block) ?? "") ?? 0,
                        etag: XMLScan.first("ETag", in: block) ?? "", lastModified: XMLScan.first("LastModified", in: block)))
            }
            prefixes += XMLScan.blocks("CommonPrefixes", in: xml).compactMap { XMLScan.first("Prefix", in: $0) }
            token = XMLScan.first("IsTruncated", in: xml) == "true" ? XMLScan.first("NextContinuationToken", in: xml) : nil
        } while token != nil
        return (objects, prefixes)
    }

    // MARK: - Sending

    static func headers(for condition: Condition) -> [(name: String, value: String)] {
        switch condition {
        case .none: return []
        case .ifNoneMatch: return [("If-None-Match", "*")]
        case .ifMatch(let etag): return [("If-Match", etag)]
        }
    }

    /// Signs and sends one request, retrying `SlowDown`, 5xx and transport failures; returns the last answer.
    func send(
        _ method: String, bucket: String, key: String?, query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [], body: NetRequest.Body? = nil,
        payloadSHA256: String = SigV4Signer.emptyPayloadSHA256, downloadTo: String? = nil
    ) async throws(S3Error) -> S3HTTP.Response {
        try await sendCountingUnanswered(
            method, bucket: bucket, key: key, query: query, headers: headers, body: body, payloadSHA256: payloadSHA256,
            downloadTo: downloadTo
        ).0
    }

    /// `send`, also telling how many attempts before the last one ended without a definite answer (no answer, or a
    /// retried 5xx/SlowDown): a write among them may have been applied.
    func sendCountingUnanswered(
        _ method: String, bucket: String, key: String?, query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [], body: NetRequest.Body? = nil,
        payloadSHA256: String = SigV4Signer.emptyPayloadSHA256, downloadTo: String? = nil
    ) async throws(S3Error) -> (S3HTTP.Response, Int) {
        let address = endpoint.address(bucket: bucket, key: key)
        let queryString = AWSURI.canonicalQuery(query)
        let url = address.base + address.path + (queryString.isEmpty ? "" : "?" + queryString)
        var refreshedCredentials = false
        var attempt = 0
        while true {
            attempt += 1
            requests.add(1, ordering: .relaxed)
            let creds = try await credentials.credentials()
            let signed = signer.sign(
                SigV4Signer.Request(
                    method: method, host: address.host, encodedPath: address.path, query: query, headers: headers,
                    payloadSHA256: payloadSHA256), credentials: creds, date: Date())
            let request = S3HTTP.Request(method: method, url: url, headers: headers + signed, body: body)
            let retryable: Bool
            let lastFailure: S3HTTP.Failure?
            var response: S3HTTP.Response?
            do {
                let answer = try await http.send(request, downloadTo: downloadTo)
                response = answer
                lastFailure = nil
                let code = errorCode(answer)
                if code == "ExpiredToken" && !refreshedCredentials {
                    refreshedCredentials = true
                    await credentials.invalidate()
                    attempt -= 1
                    continue
                }
                retryable =
                    [500, 502, 503, 504].contains(answer.status)
                    || ["SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable"].contains(code ?? "")
            } catch {
                // TLS, configuration and cancellation failures will not go away by asking again.
                guard error.isTransient else {
                    throw S3Error.transport(code: error.code, message: error.message, bucket: bucket, key: key)
                }
                lastFailure = error
                retryable = true
            }
            if !retryable, let response { return (response, attempt - 1) }
            if attempt >= maxAttempts {
                if let response { return (response, attempt - 1) }
                let failure = lastFailure!
                throw S3Error.transport(
                    code: failure.code, message: "\(failure.message) (after \(attempt) attempts)", bucket: bucket, key: key)
            }
            let cap = min(5.0, baseDelay * pow(2.0, Double(attempt - 1)))
            try? await Task.sleep(nanoseconds: UInt64(Double.random(in: cap / 2...cap) * 1e9))
            // Cancelled (SIGINT/SIGTERM): no further attempt.
            if Task.isCancelled {
                throw S3Error.transport(
                    code: "cancelled", message: "\(method) to \(address.host) cancelled", bucket: bucket, key: key)
            }
        }
    }

    /// The S3 error code of an answer (from its XML body; for a bodiless HEAD, from the status).
    func errorCode(_ response: S3HTTP.Response) -> String? {
        guard response.status >= 300 else { return nil }
        return XMLScan.first("Code", in: String(decoding: response.body, as: UTF8.self))
    }

    func error(_ response: S3HTTP.Response, bucket: String, key: String?, condition: Condition = .none) -> S3Error {
        if response.status == 412 { return .preconditionFailed(bucket: bucket, key: key ?? "") }
        let xml = String(decoding: response.body, as: UTF8.self)
        var code = XMLScan.first("Code", in: xml)
        var message = XMLScan.first("Message", in: xml) ?? ""
        // A concurrent conditional write (409), or If-Match on a key that is gone (404): the precondition failed.
        if key != nil, condition != .none, code == "ConditionalRequestConflict" || code == "NoSuchKey" {
            return .preconditionFailed(bucket: bucket, key: key!)
        }
        if code == nil {
            switch response.status {
            case 301, 307: code = "PermanentRedirect"
            case 400: code = "BadRequest"
            case 403:
                // A HEAD answer has no error body: S3 says only "403".
                code = "Forbidden"
                if message.isEmpty { message = "access denied, or a wrong signature or credentials" }
            case 404: code = key == nil ? "NoSuchBucket" : "NotFound"
            default: code = "HTTP\(response.status)"
            }
        }
        if let region = response.headers["x-amz-bucket-region"], region != endpoint.region {
            message += (message.isEmpty ? "" : " ") + "(the bucket is in region \(region), not \(endpoint.region))"
        }
        return .service(
            status: response.status, code: code!, message: message, bucket: bucket, key: key,
            requestID: response.headers["x-amz-request-id"])
    }
}

/// A local file read sequentially in chunks.
private final class LocalFile {
    let path: String
    let size: Int
    private var fd: Int32

    init(path: String) throws(S3Error) {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        var st = stat()
        guard fd >= 0, fstat(fd, &st) == 0 else {
            throw S3Error.configuration("cannot open \(path) for upload: \(String(cString: strerror(errno)))")
        }
        size = Int(st.st_size)
    }

    /// The SHA-256 of the whole file, read 1 MiB at a time (then back at its start).
    func sha256() throws(S3Error) -> [UInt8] {
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = try read(into: &buffer, count: buffer.count)
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        lseek(fd, 0, SEEK_SET)
        return Array(hasher.finalize())
    }

    /// The next `count` bytes (fewer only at the end of the file): their size, SHA-256 and MD5, read 1 MiB at a
    /// time; the bytes themselves are sent later, straight from the file.
    func digest(count: Int) throws(S3Error) -> (size: Int, sha256: [UInt8], md5: [UInt8]) {
        var sha = SHA256()
        var md5 = Insecure.MD5()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var done = 0
        while done < count {
            let n = try read(into: &buffer, count: min(buffer.count, count - done))
            if n == 0 { break }
            buffer.withUnsafeBytes { (all: UnsafeRawBufferPointer) in
                let chunk = UnsafeRawBufferPointer(rebasing: all[0..<n])
                sha.update(bufferPointer: chunk)
                md5.update(bufferPointer: chunk)
            }
            done += n
        }
        return (done, Array(sha.finalize()), Array(md5.finalize()))
    }

    /// Reads up to `count` bytes into `buffer` (fewer only at the end of the file).
    private func read(into buffer: inout [UInt8], count: Int) throws(S3Error) -> Int {
        var filled = 0
        while filled < count {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, count - filled) }
            if n < 0 {
                if errno == EINTR { continue }
                throw S3Error.configuration("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            filled += n
        }
        return filled
    }

    func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }
}
