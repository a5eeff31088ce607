/// Why an API call failed, with enough context to act on it and nothing secret.
package struct APIError: Error, Sendable, CustomStringConvertible {
    /// The class of failure; low-cardinality, fit for a metric label.
    package enum Kind: String, Sendable {
        /// 401/403, or a 500 on the first call of a run: key or region wrong.
        case authentication
        /// 429 with `Limit Exceeded`: the daily quota is used up.
        case quotaExhausted = "quota_exhausted"
        /// Per-second throttling that did not clear within the retry budget.
        case rateLimited = "rate_limited"
        /// 404.
        case notFound = "not_found"
        /// 400/422: the request itself was refused.
        case badRequest = "bad_request"
        /// 5xx that persisted past the retry budget.
        case server
        /// Timeouts, resets, cut-off bodies that persisted past the retry budget.
        case transport
        /// The body could not be used (not JSON, wrong shape) even after retries.
        case invalidResponse = "invalid_response"
        /// A caller-supplied call budget refused the call before it was sent.
        case callBudget = "call_budget"
        /// The connection cannot be made as set up: a refused TLS handshake (untrusted, mismatched or expired
        /// certificate) or an unusable proxy or CA setting (`NetFailure.isConfiguration`). Never retried.
        case configuration
    }

    /// The class of failure.
    package let kind: Kind
    /// The HTTP status when there was one.
    package let status: Int?
    /// Method and path of the call (no headers, no key).
    package let request: String
    /// What went wrong.
    package let message: String
    /// Creates an error.
    package init(kind: Kind, status: Int? = nil, request: String, message: String) {
        self.kind = kind
        self.status = status
        self.request = request
        self.message = message
    }

    package var description: String {
        let code = status.map { "HTTP \($0), " } ?? ""
        return "\(request): \(message) (\(code)\(kind.rawValue))"
    }
}
