package import Foundation
package import KB4EventsNet

/// S3's HTTP over the package's HTTP module (swift-server/async-http-client): arbitrary headers, a body from memory
/// or a byte range of a file (streamed from disk), a 2xx answer optionally streamed to a file, and redirects never
/// followed (S3 answers a wrong region with a 301/307 that must surface as an error, and a signed request must never
/// be replayed to another host).
package final class S3HTTP: Sendable {
    /// A request: method, full URL (already encoded), headers, a body in memory or a byte range of a file.
    package typealias Request = NetRequest
    /// A response: status, lower-cased header names, body (or the bytes downloaded to a file).
    package typealias Response = NetResponse
    /// No answer (`NetFailure`: its code and whether another attempt may succeed).
    package typealias Failure = NetFailure

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
        case .failure(let failure): throw failure
        }
        // The caller's cancellation (SIGINT/SIGTERM stopping a run) reaches the request: NetClient cancels it
        // cleanly. Clean-up that must still reach the store runs outside the cancelled task
        // (`withUncancelledCleanup`).
        let result: Result<NetResponse, NetFailure>
        do throws(NetFailure) {
            result = .success(try await client.execute(request, downloadTo: downloadTo))
        } catch {
            result = .failure(error)
        }
        switch result {
        case .success(let response):
            return response
        case .failure(let error):
            throw Failure(code: error.code, message: "\(request.method): \(error.message)")
        }
    }
}
