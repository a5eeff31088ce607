package import Foundation
package import KB4EventsNet

/// One HTTP request to the API, relative to its base URL.
package struct HTTPRequest: Sendable {
    /// `GET`, `POST` or `DELETE`.
    package var method: String
    /// Path starting with `/`, unescaped segments already joined (ids are escaped by the caller).
    package var path: String
    /// Query parameters in order; values are percent-encoded when the URL is built.
    package var query: [(name: String, value: String)]
    /// JSON body for POST.
    package var body: [UInt8]?

    /// Creates a request.
    package init(method: String, path: String, query: [(name: String, value: String)] = [], body: [UInt8]? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
    }

    /// Path and query as they go on the wire, e.g. `/events?occurred_date=2026-11-21&page=2`.
    package var target: String {
        guard !query.isEmpty else { return path }
        return path + "?" + query.map { "\(percentEncode($0.name))=\(percentEncode($0.value))" }.joined(separator: "&")
    }
}

/// An HTTP response: status, lower-cased header names, and the body bytes as received.
package struct HTTPResponse: Sendable {
    /// The status code.
    package var status: Int
    /// Header fields with lower-cased names.
    package var headers: [String: String]
    /// The body as received.
    package var body: [UInt8]

    /// Creates a response.
    package init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// A failure below HTTP (`NetFailure`): no connection, a timeout, a reset or a cut-off body, worth retrying; or a TLS
/// or configuration failure (`tls`, `config`) or a cancelled request (`cancelled`), which are not (`isTransient`).
package typealias TransportError = NetFailure

/// The seam between the client and the network, so the client can run over any HTTP stack.
package protocol HTTPTransport: Sendable {
    /// Sends `request` to `baseURL` with the given `Authorization` header value.
    func send(_ request: HTTPRequest, to baseURL: BaseURL, authorization: String) async throws(TransportError) -> HTTPResponse
}

/// The transport over the package's HTTP module (swift-server/async-http-client): a connection pool shared with the
/// rest of the process, proxies and trust roots from the environment, a cancelled task cancelling its request.
package final class AsyncHTTPTransport: HTTPTransport {
    private let client: Result<NetClient, NetFailure>

    /// Creates a transport; `requestTimeout` is the idle limit while waiting for bytes, `resourceTimeout` the whole
    /// call, `extraCABundle` a PEM bundle trusted besides the system store (or `SSL_CERT_FILE`). A proxy variable or
    /// CA file that cannot be used fails every request with a `config` error naming it (never retried).
    package init(requestTimeout: TimeInterval = 30, resourceTimeout: TimeInterval = 120, extraCABundle: String? = nil) {
        let settings = NetSettings(
            connectTimeout: min(requestTimeout, 30), readTimeout: requestTimeout,
            deadline: max(resourceTimeout, requestTimeout), maxConnectionsPerHost: 8, extraCABundle: extraCABundle,
            hostHint: "the region or base URL")
        do throws(NetFailure) {
            client = .success(try NetClient(settings: settings))
        } catch {
            client = .failure(error)
        }
    }

    /// The proxy and trust roots requests use, without credentials: a `--verbose` first log line.
    package var routeDescription: String {
        switch client {
        case .success(let client): client.routeDescription
        case .failure(let failure): failure.message
        }
    }

    package func send(_ request: HTTPRequest, to baseURL: BaseURL, authorization: String) async throws(TransportError)
        -> HTTPResponse
    {
        let client: NetClient
        switch self.client {
        case .success(let c): client = c
        case .failure(let failure): throw TransportError(code: failure.code, message: failure.message)
        }
        var headers: [(name: String, value: String)] = [
            ("Authorization", authorization), ("Accept", "application/json"), ("User-Agent", "kb4-events"),
        ]
        var body: NetRequest.Body?
        if let bytes = request.body {
            body = .bytes(bytes)
            headers.append(("Content-Type", "application/json"))
        }
        do throws(NetFailure) {
            let response = try await client.execute(
                NetRequest(method: request.method, url: baseURL.description + request.target, headers: headers, body: body))
            return HTTPResponse(status: response.status, headers: response.headers, body: response.body)
        } catch {
            throw TransportError(code: error.code, message: error.message)
        }
    }
}

/// Percent-encodes a query component or path segment (RFC 3986 unreserved characters pass through).
func percentEncode(_ text: String) -> String { PercentEncoding.encode(text) }
