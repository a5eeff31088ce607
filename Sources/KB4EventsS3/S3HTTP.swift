package import Foundation
import KB4EventsNet
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// HTTP over Foundation's URLSession (libcurl on Linux), as `KB4EventsAPI`'s `URLSessionTransport`, but with
/// arbitrary headers, a body of bytes, and redirects not followed (S3 answers a wrong region with a 301/307 that
/// must surface as an error, and a signed request must never be replayed to another host).
final class S3HTTP: Sendable {
    /// What a request sends.
    enum Body: Sendable {
        /// Bytes in memory (`Data`: handed to URLSession as is).
        case data(Data)
        /// A local file, streamed by URLSession from disk (an upload's memory does not grow with its size).
        case file(path: String, size: Int)
    }

    /// A request: method, full URL (already encoded), headers, body.
    struct Request: Sendable {
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
    struct Response: Sendable {
        package var status: Int
        package var headers: [String: String]
        package var body: [UInt8]
    }

    /// No answer: `connect`, `timeout`, `connection`, `truncated`, `other`.
    package struct Failure: Error, Sendable {
        package let code: String
        package let message: String
    }

    private final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
            newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
        ) {
            completionHandler(nil)
        }
    }

    private let session: URLSession
    private let requestTimeout: TimeInterval

    /// `requestTimeout`: idle limit while waiting for bytes; `resourceTimeout`: the whole exchange.
    package init(requestTimeout: TimeInterval = 60, resourceTimeout: TimeInterval = 600) {
        self.requestTimeout = max(1, requestTimeout.rounded(.up))
        let config = URLSessionConfiguration.ephemeral
        // Whole seconds: on Linux a fraction below one second times out at once.
        config.timeoutIntervalForRequest = max(1, requestTimeout.rounded(.up))
        config.timeoutIntervalForResource = max(1, resourceTimeout.rounded(.up))
        config.httpMaximumConnectionsPerHost = 4
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        config.urlCache = nil
        config.httpCookieStorage = nil
        config.httpShouldSetCookies = false
        session = URLSession(configuration: config, delegate: NoRedirects(), delegateQueue: nil)
    }

    deinit { session.finishTasksAndInvalidate() }

    /// Sends one request (no retry here). With `downloadTo`, a 2xx answer's body is streamed into that file (created
    /// or replaced) instead of memory; other answers' bodies (S3's small XML errors) are returned as usual.
    package func send(_ request: Request, downloadTo: String? = nil) async throws(Failure) -> Response {
        guard let url = URL(string: request.url) else {
            throw Failure(code: "other", message: "cannot form a URL")
        }
        var urlRequest = URLRequest(url: url)
        urlRequest.httpMethod = request.method
        urlRequest.setValue("kb4-events", forHTTPHeaderField: "User-Agent")
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        let data: Data
        let response: URLResponse
        do {
            // In a task of its own, so the caller's cancellation (SIGINT/SIGTERM stopping a run) never reaches
            // URLSession: cancelling a libcurl transfer mid-upload crashes FoundationNetworking on Linux
            // (`EasyHandle` … `try!`), and a cancelled request could not release the lake's lease. A run stops at
            // its next safe point instead, after this request has finished.
            (data, response) = try await Task { try await self.exchange(urlRequest, request.body, downloadTo) }.value
        } catch let error as URLError {
            let target = NetworkTarget(scheme: url.scheme ?? "https", host: url.host ?? "?", port: url.port)
            throw Failure(
                code: TransportCause.code(for: error),
                message: "\(request.method): "
                    + TransportCause.describe(
                        error, target: target, requestTimeout: requestTimeout,
                        check: "the bucket's region and the endpoint (output.s3, AWS_ENDPOINT_URL_S3)"))
        } catch {
            throw Failure(code: "other", message: "\(request.method): \(type(of: error))")
        }
        guard let http = response as? HTTPURLResponse else {
            throw Failure(code: "other", message: "\(request.method): not an HTTP response")
        }
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let n = name as? String, let v = value as? String { headers[n.lowercased()] = v }
        }
        return Response(status: http.statusCode, headers: headers, body: [UInt8](data))
    }

    /// One exchange with URLSession: the body from memory or a file, the answer into memory or a file.
    private func exchange(_ request: URLRequest, _ body: Body?, _ downloadTo: String?) async throws -> (Data, URLResponse) {
        var urlRequest = request
        let data: Data
        let response: URLResponse
        do {
            switch body {
            case .data(let body):
                urlRequest.httpBody = body
                (data, response) = try await session.data(for: urlRequest)
            case .file(let path, let size):
                urlRequest.setValue(String(size), forHTTPHeaderField: "Content-Length")
                (data, response) = try await session.upload(for: urlRequest, fromFile: URL(fileURLWithPath: path))
            case nil:
                if let downloadTo {
                    let (file, answer) = try await session.download(for: urlRequest)
                    response = answer
                    defer { try? FileManager.default.removeItem(at: file) }
                    if let http = answer as? HTTPURLResponse, (200..<300).contains(http.statusCode) {
                        try? FileManager.default.removeItem(atPath: downloadTo)
                        try FileManager.default.moveItem(at: file, to: URL(fileURLWithPath: downloadTo))
                        data = Data()
                    } else {
                        data = (try? Data(contentsOf: file)) ?? Data()
                    }
                } else {
                    (data, response) = try await session.data(for: urlRequest)
                }
            }
        }
        return (data, response)
    }
}
