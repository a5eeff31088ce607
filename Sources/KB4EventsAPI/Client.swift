package import Logging
import Synchronization
package import KB4EventsCore
import KB4EventsNet

/// A client of the KnowBe4 User Event API: one base URL, one key, one pace and retry policy for all calls.
///
/// It knows nothing of windows, files or manifests. Every attempt counts as a call in `stats`
/// (the API's quota counts failed calls too).
package final class Client: Sendable {
    /// Where requests go.
    package let baseURL: BaseURL
    /// What this client has spent.
    package let stats = CallStats()
    let key: APIKey
    let transport: any HTTPTransport
    let pacer: Pacer
    let retry: RetryPolicy
    let logger: Logger
    let gate: (@Sendable () throws -> Void)?
    private let firstCallDone = Atomic<Bool>(false)

    /// The requests per second the client's pacer allows now (nil when it does not pace).
    package var requestsPerSecond: Double? { pacer.currentRate }

    /// Creates a client. `gate`, when given, runs before every attempt (once the pacer lets it go) and may throw to
    /// refuse it (a call budget).
    package init(
        baseURL: BaseURL, key: APIKey, transport: any HTTPTransport, pacer: Pacer, retry: RetryPolicy = RetryPolicy(),
        logger: Logger, gate: (@Sendable () throws -> Void)? = nil
    ) {
        self.baseURL = baseURL
        self.key = key
        self.transport = transport
        self.pacer = pacer
        self.retry = retry
        self.logger = logger
        self.gate = gate
    }

    /// Sends a request, retrying transient failures within the retry budget, and returns a response with an
    /// expected status. Other statuses become an `APIError` of the matching kind.
    package func send(_ request: HTTPRequest, expecting expected: Set<Int>) async throws -> HTTPResponse {
        try await send(request, expecting: expected, isRetry: false)
    }

    /// `send`, where `isRetry` marks the first attempt as a retry of an earlier call (an unparsable body).
    func send(_ request: HTTPRequest, expecting expected: Set<Int>, isRetry: Bool) async throws -> HTTPResponse {
        let label = "\(request.method) \(request.path)"
        // Log lines carry the query too, so a retry of a window's page names its day (occurred_date=D).
        let query = request.query.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        let clock = ContinuousClock()
        let started = clock.now
        var attempt = 0
        var serverErrorsOnFirstCall = 0
        var throttledSince: ContinuousClock.Instant?
        // The first call of a client that has not reached the host once: likely not transient (wrong host, firewall).
        var neverConnected = true
        while true {
            attempt += 1
            try await pacer.wait()
            // The gate (the lake's call ledger) and the client's count record the same calls: after the pacer, so a
            // request cancelled while it waits for its turn (a page no longer needed, a signal) is in neither.
            try gate?()
            stats.recordCall(retry: attempt > 1 || isRetry)
            let isFirstCall = !firstCallDone.load(ordering: .relaxed)
            var failure: APIError
            do {
                let sent = clock.now
                let response = try await transport.send(request, to: baseURL, authorization: key.authorizationHeader)
                stats.recordAnswer(seconds: (clock.now - sent).seconds)
                neverConnected = false
                if expected.contains(response.status) {
                    firstCallDone.store(true, ordering: .relaxed)
                    return response
                }
                let classified = classify(response, request: label, isFirstCall: isFirstCall)
                switch classified {
                case .fail(let error):
                    if error.kind != .authentication { firstCallDone.store(true, ordering: .relaxed) }
                    throw error
                case .retry(let error, let after):
                    if response.status == 429 {
                        let since = throttledSince ?? clock.now
                        throttledSince = since
                        if pacer.slowDown(), let rate = pacer.currentRate {
                            logger.notice(
                                "throttled while paced; pacing slower for the rest of the run",
                                metadata: ["request": "\(label)", "requests_per_second": "\((rate * 100).rounded() / 100)"])
                        }
                        if clock.now - since > retry.throttleSpan {
                            throw APIError(
                                kind: .quotaExhausted, status: 429, request: label,
                                message:
                                    "429 answers persisted for \(Int((clock.now - since).seconds)) s; taking it as the daily quota being used up"
                            )
                        }
                    } else {
                        throttledSince = nil
                    }
                    if request.method == "POST" && response.status == 500 && isFirstCall {
                        throw APIError(
                            kind: .authentication, status: 500, request: label,
                            message:
                                "the first call got HTTP 500, which is how the API answers a wrong key or region: check the key and the region (if both are right the create may have been applied; check the request statuses)"
                        )
                    }
                    if request.method == "POST" && response.status != 429 {
                        throw APIError(
                            kind: error.kind, status: error.status, request: label,
                            message:
                                "\(error.message); not retried because the server may have applied it: check the request statuses before sending again"
                        )
                    }
                    if isFirstCall && response.status == 500 {
                        serverErrorsOnFirstCall += 1
                        if serverErrorsOnFirstCall > retry.firstCallServerErrorRetries {
                            throw APIError(
                                kind: .authentication, status: 500, request: label,
                                message:
                                    "the first call of the run got HTTP 500 \(serverErrorsOnFirstCall) times; the API answers a wrong key or a wrong region this way: check the key and the region"
                            )
                        }
                    }
                    failure = error
                    if let after, clock.now + after - started <= retry.budget {
                        logger.warning(
                            "retrying after the server's Retry-After",
                            metadata: [
                                "request": "\(label)", "query": "\(query)", "attempt": "\(attempt)",
                                "wait_secs": "\(after.seconds)",
                            ])
                        try await clock.sleep(for: after)
                        continue
                    }
                }
            } catch let error as TransportError {
                // A cancelled run (SIGINT/SIGTERM) abandons the request: no retry, no misleading retry line.
                if Task.isCancelled || error.code == "cancelled" { throw CancellationError() }
                // A TLS refusal or an unusable proxy/CA setting does not go away by asking again.
                if !error.isTransient {
                    throw APIError(
                        kind: error.isConfiguration ? .configuration : .transport, request: label, message: error.message)
                }
                failure = APIError(kind: .transport, request: label, message: error.message)
                neverConnected = neverConnected && isFirstCall && error.code == "connect"
                if request.method == "POST" && error.code != "connect" {
                    throw APIError(
                        kind: .transport, request: label,
                        message:
                            "\(error.message); not retried because the server may have applied it: check the request statuses before sending again"
                    )
                }
            }
            let wait = retry.backoff(attempt: attempt)
            let budget = neverConnected && failure.kind == .transport ? min(retry.budget, retry.unreachableBudget) : retry.budget
            if clock.now + wait - started > budget {
                throw APIError(
                    kind: failure.kind, status: failure.status, request: label,
                    message:
                        "\(failure.message); gave up after \(attempt == 1 ? "1 attempt" : "\(attempt) attempts") over \(Int((clock.now - started).seconds.rounded())) s (retry budget \(Int(budget.seconds)) s)"
                )
            }
            logger.warning(
                neverConnected && failure.kind == .transport
                    ? "cannot reach the API on the first call (\(failure.message)); check the network, firewall or proxy and the region or base URL; retrying for up to \(Int(budget.seconds)) s"
                    : "transient API failure, retrying",
                metadata: [
                    "request": "\(label)", "query": "\(query)", "attempt": "\(attempt)",
                    "error": "\(failure.kind.rawValue)", "cause": "\(failure.message)",
                    "status": "\(failure.status.map(String.init) ?? "-")", "wait_secs": "\(wait.seconds)",
                ])
            try await clock.sleep(for: wait)
        }
    }

    /// Sends and parses a JSON body, retrying (within the budget) a body that does not parse, since a cut-off
    /// or garbled response is usually transient. `describe` names the thing for errors (e.g. "day 2026-11-21 page 3").
    func sendJSON(_ request: HTTPRequest, expecting: Set<Int> = [200], describe: String)
        async throws -> (JSONValue, HTTPResponse)
    {
        let clock = ContinuousClock()
        let started = clock.now
        var attempt = 0
        while true {
            attempt += 1
            let response = try await send(request, expecting: expecting, isRetry: attempt > 1)
            do {
                return (try JSONParser.parse(response.body), response)
            } catch {
                let wait = retry.backoff(attempt: attempt)
                if clock.now + wait - started > retry.budget || attempt >= Self.unparsableAttempts {
                    throw APIError(
                        kind: .invalidResponse, status: response.status, request: "\(request.method) \(request.path)",
                        message: "\(describe): the response is not valid JSON (\(error)) after \(attempt) attempts")
                }
                logger.warning(
                    "unparsable response, retrying",
                    metadata: ["what": "\(describe)", "attempt": "\(attempt)", "error": "\(error)"])
                try await clock.sleep(for: wait)
            }
        }
    }

    /// Attempts at a call whose body does not parse before it is reported as a data error.
    static let unparsableAttempts = 8

    enum Classification {
        case retry(APIError, after: Duration?)
        case fail(APIError)
    }

    func classify(_ response: HTTPResponse, request: String, isFirstCall: Bool) -> Classification {
        let status = response.status
        let text = String(decoding: response.body.prefix(300), as: UTF8.self)
        let snippet = text.replacingControlCharacters()
        switch status {
        case 401, 403:
            return .fail(
                APIError(
                    kind: .authentication, status: status, request: request,
                    message: "the API refused the key: check the key and the region"))
        case 429:
            stats.recordThrottled()
            if text.localizedStandardContainsLimitExceeded() {
                return .fail(
                    APIError(
                        kind: .quotaExhausted, status: 429, request: request,
                        message: "the daily call quota is used up (Limit Exceeded)"
                    ))
            }
            let after = response.headers["retry-after"].flatMap { Int($0.trimmingASCIIWhitespace()) }.map {
                Duration.seconds(max(0, min($0, 3600)))
            }
            return .retry(
                APIError(kind: .rateLimited, status: 429, request: request, message: "throttled (429): \(snippet)"),
                after: after)
        case 404:
            return .fail(APIError(kind: .notFound, status: 404, request: request, message: "not found"))
        case 400, 422:
            return .fail(APIError(kind: .badRequest, status: status, request: request, message: "refused: \(snippet)"))
        case 500...599, 408:
            return .retry(
                APIError(kind: .server, status: status, request: request, message: "server error: \(snippet)"),
                after: nil)
        default:
            return .fail(
                APIError(kind: .invalidResponse, status: status, request: request, message: "unexpected status: \(snippet)"))
        }
    }
}

extension Duration {
    /// Whole and fractional seconds as a Double.
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}

extension String {
    fileprivate func localizedStandardContainsLimitExceeded() -> Bool {
        lowercased().contains("limit exceeded")
    }

    fileprivate func replacingControlCharacters() -> String {
        String(String.UnicodeScalarView(unicodeScalars.map { $0.value < 0x20 ? " " : $0 }))
    }
}
