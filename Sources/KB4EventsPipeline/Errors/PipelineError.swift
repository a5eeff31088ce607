package import KB4EventsAPI
package import KB4EventsCore

/// A failure of the pipeline: which stage, a low-cardinality code, the day and page when there is one,
/// what happened and whether running again can help. Never carries the API key.
package struct PipelineError: Error, Sendable, CustomStringConvertible {
    /// The stage that failed.
    package enum Stage: String, Sendable { case config, extract, transform, load, manifest, run }

    /// What kind of failure this is for an operator (the executable maps it to an exit code).
    package enum Category: String, Sendable {
        /// The pipeline file or settings are wrong.
        case configuration
        /// The API sent something unusable.
        case data
        /// The API stayed unavailable past the retry budget.
        case unavailable
        /// Output cannot be written (permissions, read-only, disk full).
        case output
        /// Try later: quota used up, budget reached or lock held.
        case temporary
        /// The key or region was refused.
        case authentication
        /// What the command needs to read is not there (no lake, no raw pages).
        case missingInput
        /// The command was called wrongly (a flag it needs is missing).
        case usage
    }

    let stage: Stage
    package let category: Category
    /// Low-cardinality code, fit for a metric label (e.g. `bad_timestamp`, `quota_exhausted`).
    package let code: String
    package let message: String
    package let day: Day?
    package let page: Int?
    /// The underlying error's description (already free of secrets).
    package let cause: String?

    /// Creates an error.
    package init(
        stage: Stage, category: Category, code: String, message: String, day: Day? = nil, page: Int? = nil,
        cause: String? = nil
    ) {
        self.stage = stage
        self.category = category
        self.code = code
        self.message = message
        self.day = day
        self.page = page
        self.cause = cause
    }

    package var description: String {
        var where_ = ""
        if let day { where_ = "day \(day)" + (page.map { " page \($0)" } ?? "") + ": " }
        return where_ + message + (cause.map { ": \($0)" } ?? "")
    }

    /// Whether the message already says when to run again (a temporary error without it gets the generic advice).
    package private(set) var advisesRetry = false

    /// The same error with a sentence saying when to run again appended to its message.
    func adding(retryAdvice: String) -> PipelineError {
        var error = PipelineError(
            stage: stage, category: category, code: code, message: message + "; " + retryAdvice, day: day, page: page,
            cause: cause)
        error.advisesRetry = true
        return error
    }

    /// The category of any error the library throws (nil: not one of its errors): the one classification the
    /// executable maps to exit codes.
    package static func category(of error: any Error) -> Category? {
        switch error {
        case let e as RunFailure: return category(of: e.error)
        case let e as PipelineError: return e.category
        case let e as ConfigurationError: return e.category
        case let e as APIError: return extract(e, day: nil, page: nil).category
        case _ where isStoreFailure(error): return store(error).category
        default: return nil
        }
    }

    /// Wraps an API failure met while extracting `day`.
    static func extract(_ error: APIError, day: Day?, page: Int?) -> PipelineError {
        let category: Category
        switch error.kind {
        case .authentication: category = .authentication
        case .configuration: category = .configuration
        case .quotaExhausted, .callBudget: category = .temporary
        case .rateLimited, .server, .transport: category = .unavailable
        case .invalidResponse, .badRequest, .notFound: category = .data
        }
        return PipelineError(
            stage: .extract, category: category, code: error.kind.rawValue, message: error.description, day: day,
            page: page)
    }
}
