import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Limits and trust for a `NetClient`.
package struct NetSettings: Sendable, Hashable {
    /// Seconds to establish a connection (TCP, the proxy's CONNECT and the TLS handshake each).
    package var connectTimeout: Double
    /// Seconds without a byte while waiting for the answer (idle read).
    package var readTimeout: Double
    /// Seconds for a whole exchange, the body up or down included, unless a request says otherwise.
    package var deadline: Double
    /// Connections kept per host: the requests a run keeps in flight.
    package var maxConnectionsPerHost: Int
    /// A PEM bundle whose CAs are trusted in addition to the system store or `SSL_CERT_FILE`.
    package var extraCABundle: String?
    /// What to check when a host is not found (`the region or base URL`, `the S3 endpoint`).
    package var hostHint: String

    package init(
        connectTimeout: Double = 10, readTimeout: Double = 30, deadline: Double = 120, maxConnectionsPerHost: Int = 8,
        extraCABundle: String? = nil, hostHint: String = "the URL"
    ) {
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.deadline = deadline
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.extraCABundle = extraCABundle
        self.hostHint = hostHint
    }
}

/// The process's AsyncHTTPClient instances, one per route (direct, or through proxy X) and settings, made on first
/// use and shut down once, by `shutdown()`, which the executable calls before it exits. AsyncHTTPClient takes its
/// proxy from the client's configuration, hence one client per route rather than one per process.
package final class HTTPClients: Sendable {
    struct Key: Hashable {
        let proxy: ProxyServer?
        let trust: TrustSettings
        let connectTimeout: Double
        let readTimeout: Double
        let maxConnectionsPerHost: Int
    }

    private struct State {
        var clients: [Key: HTTPClient] = [:]
        var shutDown = false
    }

    private let state = NIOLockedValueBox(State())

    /// The clients of the process.
    package static let shared = HTTPClients()

    package init() {}

    /// A set of clients dropped without `shutdown()` (a test that failed early) shuts its clients down in the
    /// background: AsyncHTTPClient traps (in debug builds) when a running client is deallocated.
    deinit {
        for client in state.withLockedValue({ $0.clients.values }) { _ = client.shutdown() }
    }

    /// How many clients have been made (one per route and settings).
    package var count: Int { state.withLockedValue { $0.clients.count } }

    func client(for key: Key, configuration: () throws(NetFailure) -> HTTPClient.Configuration)
        throws(NetFailure) -> HTTPClient
    {
        let result: Result<HTTPClient, NetFailure> = state.withLockedValue { state in
            guard !state.shutDown else {
                return .failure(NetFailure(code: "other", message: "HTTP used after shutdown"))
            }
            if let client = state.clients[key] { return .success(client) }
            do throws(NetFailure) {
                let client = HTTPClient(
                    eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: try configuration())
                state.clients[key] = client
                return .success(client)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Shuts every client down (connections closed, requests in flight failed); later requests fail. Idempotent.
    package func shutdown() async {
        let clients = state.withLockedValue { state in
            state.shutDown = true
            defer { state.clients = [:] }
            return Array(state.clients.values)
        }
        for client in clients { try? await client.shutdown() }
    }
}

/// HTTP for the API client and the S3 client: a request to an absolute URL, its body from memory or a file, its
/// answer in memory or streamed to a file; proxies and trust roots from the environment; redirects never followed
/// (a 3xx is returned as it came); a cancelled task cancels its request; every failure a `NetFailure` sentence.
package final class NetClient: Sendable {
    package let settings: NetSettings
    package let proxies: ProxySettings
    package let trust: TrustSettings
    private let clients: HTTPClients

    /// Reads proxies and trust from `environment` (the process's by default; tests pass a dictionary). Throws
    /// `config` for a proxy variable or CA file that cannot be used.
    package init(
        settings: NetSettings = NetSettings(), environment: [String: String] = ProcessInfo.processInfo.environment,
        clients: HTTPClients = .shared
    ) throws(NetFailure) {
        self.settings = settings
        self.proxies = try ProxySettings(environment: environment)
        self.trust = TrustSettings(environment: environment, extraBundle: settings.extraCABundle)
        self.clients = clients
        // Read the CA files now, so a bad one is a configuration error before any request.
        _ = try trust.tlsConfiguration()
        // The direct route's client is made now too, not by the first request: making it (trust roots read, pool set
        // up) delayed the first request's arrival by more than the pacer's jitter margin, so a paced run met a 429 at
        // its fifth request.
        _ = try? httpClient(proxy: nil)
    }

    /// Shuts down the process's clients; the executable calls it once, before it exits.
    package static func shutdown() async { await HTTPClients.shared.shutdown() }

    /// One line for `--verbose`: proxies (never credentials) and trust roots.
    package var routeDescription: String { "\(proxies); \(trust)" }

    /// Sends `request` and returns the answer, whatever its status (no retry here; a 3xx is not followed).
    /// - `deadline`: seconds for the whole exchange (default `settings.deadline`).
    /// - `downloadTo`: a 2xx answer's body is written to this file (created or replaced) as it arrives, instead of
    ///   memory; other answers (small error documents) stay in memory. A failed download removes the file.
    /// - `maxBodyBytes`: an answer kept in memory larger than this fails (`other`).
    package func execute(
        _ request: NetRequest, deadline: Double? = nil, downloadTo: String? = nil, maxBodyBytes: Int = 256 << 20
    ) async throws(NetFailure) -> NetResponse {
        guard let target = NetworkTarget.parse(url: request.url) else {
            throw NetFailure(code: "other", message: "\(request.method): not an absolute http(s) URL")
        }
        let proxy = proxies.proxy(for: target)
        let limit = deadline ?? settings.deadline
        let context = FailureContext(
            target: target, proxy: proxy, connectTimeout: settings.connectTimeout,
            readTimeout: settings.readTimeout, deadline: limit, check: settings.hostHint)
        let client = try httpClient(proxy: proxy)

        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        var hasAgent = false
        for (name, value) in request.headers {
            if name.lowercased() == "user-agent" { hasAgent = true }
            outgoing.headers.add(name: name, value: value)
        }
        if !hasAgent { outgoing.headers.add(name: "User-Agent", value: "kb4-events") }
        switch request.body {
        case nil:
            break
        case .bytes(let bytes):
            outgoing.body = .bytes(ByteBuffer(bytes: bytes))
        case .file(let path, let offset, let length):
            outgoing.body = .stream(FileChunks(path: path, offset: offset, length: length), length: .known(length))
        }

        let phase = NIOLockedValueBox(ExchangePhase.beforeResponse)
        let prepared = outgoing
        do {
            return try await Self.withDeadline(seconds: limit) {
                try await Self.exchange(
                    client, prepared, deadline: limit, downloadTo: downloadTo, maxBodyBytes: maxBodyBytes,
                    target: target, phase: phase)
            }
        } catch {
            if Task.isCancelled {
                throw NetFailure(code: "cancelled", message: "\(request.method) to \(target.hostAndPort) cancelled")
            }
            var failure = NetFailure.from(error, phase: phase.withLockedValue { $0 }, context: context)
            if failure.code == "tls" && Self.isCertificateFailure(error) {
                if proxy == nil, let chain = await TLSDiagnosis.fetchChain(target, timeout: settings.connectTimeout) {
                    let reason = TLSDiagnosis.reason(chain: chain, host: target.host, trust: trust)
                    failure = NetFailure(code: "tls", message: "TLS handshake with \(target.hostAndPort) failed (\(reason))")
                } else if let proxy {
                    failure = NetFailure(
                        code: "tls",
                        message: "TLS handshake with \(target.hostAndPort) through \(proxy) failed (certificate not trusted by \(trust.sources); a proxy that intercepts TLS needs its CA in SSL_CERT_FILE or the pipeline's CA bundle)")
                }
            }
            throw failure
        }
    }

    private static func isCertificateFailure(_ error: any Error) -> Bool {
        if error is NIOSSLExtraError { return true }
        return "\(error)".contains("CERTIFICATE_VERIFY_FAILED")
    }

    /// The process's client for a route (made on first use): one per proxy and these settings.
    private func httpClient(proxy: ProxyServer?) throws(NetFailure) -> HTTPClient {
        let key = HTTPClients.Key(
            proxy: proxy, trust: trust, connectTimeout: settings.connectTimeout, readTimeout: settings.readTimeout,
            maxConnectionsPerHost: settings.maxConnectionsPerHost)
        return try clients.client(for: key) { () throws(NetFailure) in try configuration(proxy: proxy) }
    }

    private func configuration(proxy: ProxyServer?) throws(NetFailure) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: try trust.tlsConfiguration(),
            redirectConfiguration: .disallow,
            timeout: .init(
                connect: .milliseconds(Int64(settings.connectTimeout * 1000)),
                read: .milliseconds(Int64(settings.readTimeout * 1000))),
            proxy: proxy.map { server in
                .server(
                    host: server.host, port: server.port,
                    authorization: server.credentials.map { .basic(username: $0.user, password: $0.password) })
            },
            decompression: .disabled)
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60),
            concurrentHTTP1ConnectionsPerHostSoftLimit: settings.maxConnectionsPerHost)
        // A refused connection fails its request at once (our callers retry with their own backoff) rather than
        // being retried inside the pool until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.httpVersion = .http1Only
        return configuration
    }

    private struct DeadlinePassed: Error {}

    /// Runs `operation`, cancelling it when `seconds` pass (then `HTTPClientError.deadlineExceeded`).
    private static func withDeadline(
        seconds: Double, _ operation: @escaping @Sendable () async throws -> NetResponse
    ) async throws -> NetResponse {
        try await withThrowingTaskGroup(of: NetResponse?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
                throw HTTPClientError.deadlineExceeded
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let response = result { return response }
            }
            throw HTTPClientError.deadlineExceeded
        }
    }

    private static func exchange(
        _ client: HTTPClient, _ request: HTTPClientRequest, deadline: Double, downloadTo: String?, maxBodyBytes: Int,
        target: NetworkTarget, phase: NIOLockedValueBox<ExchangePhase>
    ) async throws -> NetResponse {
        let response = try await client.execute(request, deadline: .now() + .milliseconds(Int64(deadline * 1000)))
        phase.withLockedValue { $0 = .readingBody }
        var headers: [String: String] = [:]
        for (name, value) in response.headers {
            let key = name.lowercased()
            headers[key] = headers[key].map { "\($0), \(value)" } ?? value
        }
        let status = Int(response.status.code)
        if let downloadTo, (200..<300).contains(status) {
            let written = try await download(response.body, to: downloadTo)
            return NetResponse(status: status, headers: headers, downloadedBytes: written)
        }
        var body: [UInt8] = []
        for try await buffer in response.body {
            guard body.count + buffer.readableBytes <= maxBodyBytes else {
                throw NetFailure(
                    code: "other", message: "answer from \(target.hostAndPort) larger than \(maxBodyBytes) bytes")
            }
            body.append(contentsOf: buffer.readableBytesView)
        }
        return NetResponse(status: status, headers: headers, body: body)
    }

    /// Writes the body to `path` chunk by chunk as it arrives; removes the file when anything fails.
    private static func download(_ body: HTTPClientResponse.Body, to path: String) async throws -> Int64 {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw NetFailure(code: "other", message: "cannot write \(path): \(String(cString: strerror(errno)).lowercased())")
        }
        var written: Int64 = 0
        var isOpen = true
        do {
            for try await buffer in body {
                try buffer.withUnsafeReadableBytes { raw throws(NetFailure) in
                    var done = 0
                    while done < raw.count {
                        let n = write(fd, raw.baseAddress! + done, raw.count - done)
                        if n < 0 && errno == EINTR { continue }
                        guard n > 0 else {
                            throw NetFailure(
                                code: "other",
                                message: "cannot write \(path): \(String(cString: strerror(errno)).lowercased())")
                        }
                        done += n
                    }
                }
                written += Int64(buffer.readableBytes)
            }
            isOpen = false
            guard close(fd) == 0 else {
                throw NetFailure(
                    code: "other", message: "cannot write \(path): \(String(cString: strerror(errno)).lowercased())")
            }
        } catch {
            if isOpen { close(fd) }
            unlink(path)
            throw error
        }
        return written
    }
}
