package import Foundation
import KB4EventsNet
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

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

/// A failure below HTTP: no connection, a timeout, a reset or a cut-off body. Always worth retrying.
package struct TransportError: Error, Sendable, CustomStringConvertible {
    /// A short low-cardinality code: `connect` (nothing was sent), `timeout`, `connection` (lost mid-way),
    /// `truncated`, `other`.
    package let code: String
    /// What happened, without secrets.
    package let message: String
    package var description: String { "\(code): \(message)" }

    /// Creates a transport error.
    package init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

/// The seam between the client and the network, so the client can run over any HTTP stack.
package protocol HTTPTransport: Sendable {
    /// Sends `request` to `baseURL` with the given `Authorization` header value.
    func send(_ request: HTTPRequest, to baseURL: BaseURL, authorization: String) async throws(TransportError) -> HTTPResponse
}

/// The transport over Foundation's URLSession (libcurl on Linux), with request and resource timeouts.
package final class URLSessionTransport: HTTPTransport {
    private let session: URLSession
    private let requestTimeout: TimeInterval

    /// Creates a transport; `requestTimeout` is the idle limit while waiting for bytes, `resourceTimeout` the whole call.
    package init(requestTimeout: TimeInterval = 30, resourceTimeout: TimeInterval = 120) {
        self.requestTimeout = requestTimeout
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = requestTimeout
        config.timeoutIntervalForResource = resourceTimeout
        // Enough connections for the requests an export keeps in flight (source.max_in_flight, at most 8).
        config.httpMaximumConnectionsPerHost = 8
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        config.urlCache = nil
        config.httpCookieStorage = nil
        config.httpShouldSetCookies = false
        session = URLSession(configuration: config)
    }

    deinit { session.finishTasksAndInvalidate() }

    package func send(_ request: HTTPRequest, to baseURL: BaseURL, authorization: String) async throws(TransportError)
        -> HTTPResponse
    {
        guard let url = URL(string: baseURL.description + request.target) else {
            throw TransportError(code: "other", message: "cannot form a URL for \(request.path)")
        }
        var urlRequest = URLRequest(url: url)
        urlRequest.httpMethod = request.method
        urlRequest.setValue(authorization, forHTTPHeaderField: "Authorization")
        urlRequest.setValue("application/json", forHTTPHeaderField: "Accept")
        urlRequest.setValue("kb4-events", forHTTPHeaderField: "User-Agent")
        if let body = request.body {
            urlRequest.httpBody = Data(body)
            urlRequest.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: urlRequest)
        } catch let error as URLError {
            let cause = TransportCause.describe(
                error, target: baseURL.networkTarget, requestTimeout: requestTimeout, check: "the region or base URL")
            throw TransportError(code: TransportCause.code(for: error), message: cause)
        } catch {
            throw TransportError(code: "other", message: "\(request.method) \(request.path) to \(baseURL.hostAndPort): \(type(of: error))")
        }
        guard let http = response as? HTTPURLResponse else {
            throw TransportError(code: "other", message: "\(request.method) \(request.path): not an HTTP response")
        }
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let n = name as? String, let v = value as? String { headers[n.lowercased()] = v }
        }
        return HTTPResponse(status: http.statusCode, headers: headers, body: [UInt8](data))
    }
}

/// Percent-encodes a query component (RFC 3986 unreserved characters pass through).
func percentEncode(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            out.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            let hex = Array("0123456789ABCDEF".utf8)
            out.unicodeScalars.append("%")
            out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
            out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0xF)]))
        }
    }
    return out
}
