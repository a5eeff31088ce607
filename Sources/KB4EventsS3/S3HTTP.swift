package import Foundation
import KB4EventsNet

/// S3's HTTP over the package's HTTP module (swift-server/async-http-client): arbitrary headers, a body from memory
/// or a byte range of a file (streamed from disk), a 2xx answer optionally streamed to a file, and redirects never
/// followed (S3 answers a wrong region with a 301/307 that must surface as an error, and a signed request must never
/// be replayed to another host).
package final class S3HTTP: Sendable {
    /// What a request sends.
    package enum Body: Sendable {
        /// Bytes in memory.
        case data(Data)
        /// A local file, streamed from disk (an upload's memory does not grow with its size).
        case file(path: String, size: Int)
        /// `length` bytes of a local file from `offset` (a multipart upload's part, without a copy).
        case fileRange(path: String, offset: Int, length: Int)
    }

    /// A request: method, full URL (already encoded), headers, body.
    package struct Request: Sendable {
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

    /// A response: status, lower-cased header names, body.
    package struct Response: Sendable {
        package var status: Int
        package var headers: [String: String]
        package var body: [UInt8]
    }

    /// No answer: `connect`, `timeout`, `connection`, `truncated`, `other`; `tls`, `config`, `cancelled` (not worth
    /// retrying, see `isTransient`).
    package struct Failure: Error, Sendable {
        package let code: String
        package let message: String

        /// Whether another attempt may succeed.
        package var isTransient: Bool { !["tls", "config", "cancelled"].contains(code) }
    }

    private let client: Result<NetClient, NetFailure>

    /// `requestTimeout`: idle limit while waiting for bytes; `resourceTimeout`: the whole exchange; `extraCABundle`:
    /// a PEM bundle trusted besides the system store (or `SSL_CERT_FILE`).
    package init(requestTimeout: TimeInterval = 60, resourceTimeout: TimeInterval = 600, extraCABundle: String? = nil) {
        let settings = NetSettings(
            connectTimeout: min(max(1, requestTimeout), 30), readTimeout: max(1, requestTimeout),
            deadline: max(1, resourceTimeout, requestTimeout), maxConnectionsPerHost: 8, extraCABundle: extraCABundle,
            hostHint: "the bucket's region and the endpoint (output.s3, AWS_ENDPOINT_URL_S3)")
        do throws(NetFailure) {
            client = .success(try NetClient(settings: settings))
        } catch {
            client = .failure(error)
        }
    }

    /// Sends one request (no retry here). With `downloadTo`, a 2xx answer's body is streamed into that file (created
    /// or replaced) instead of memory; other answers' bodies (S3's small XML errors) are returned as usual.
    package func send(_ request: Request, downloadTo: String? = nil) async throws(Failure) -> Response {
        let client: NetClient
        switch self.client {
        case .success(let c): client = c
        case .failure(let failure): throw Failure(code: failure.code, message: failure.message)
        }
        let headers = request.headers
        let body: NetRequest.Body?
        switch request.body {
        case nil: body = nil
        case .data(let data): body = .bytes([UInt8](data))
        case .file(let path, let size): body = .file(path: path, offset: 0, length: Int64(size))
        case .fileRange(let path, let offset, let length):
            body = .file(path: path, offset: Int64(offset), length: Int64(length))
        }
        let netRequest = NetRequest(method: request.method, url: request.url, headers: headers, body: body)
        // The caller's cancellation (SIGINT/SIGTERM stopping a run) reaches the request: NetClient cancels it
        // cleanly. Clean-up that must still reach the store runs outside the cancelled task
        // (`withUncancelledCleanup`).
        let result: Result<NetResponse, NetFailure>
        do throws(NetFailure) {
            result = .success(try await client.execute(netRequest, downloadTo: downloadTo))
        } catch {
            result = .failure(error)
        }
        switch result {
        case .success(let response):
            return Response(status: response.status, headers: response.headers, body: response.body)
        case .failure(let error):
            throw Failure(code: error.code, message: "\(request.method): \(error.message)")
        }
    }
}
