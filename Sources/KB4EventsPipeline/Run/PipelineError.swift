public import KB4EventsAPI

/// A failure of the pipeline: which stage, a low-cardinality code, the day and page when there is one,
/// what happened and whether running again can help. Never carries the API key.
public struct PipelineError: Error, Sendable, CustomStringConvertible {
    /// The stage that failed.
    public enum Stage: String, Sendable { case config, extract, transform, load, manifest, run }

    /// What kind of failure this is for an operator (the executable maps it to an exit code).
    public enum Category: String, Sendable {
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
    }

    public let stage: Stage
    public let category: Category
    /// Low-cardinality code, fit for a metric label (e.g. `bad_timestamp`, `quota_exhausted`).
    public let code: String
    public let message: String
    public let day: Day?
    public let page: Int?
    /// The underlying error's description (already free of secrets).
    public let cause: String?

    /// Creates an error.
    public init(
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

    public var description: String {
        var where_ = ""
        if let day { where_ = "day \(day)" + (page.map { " page \($0)" } ?? "") + ": " }
        return where_ + message + (cause.map { ": \($0)" } ?? "")
    }

    /// The same error with a sentence of advice appended to its message.
    func adding(hint: String) -> PipelineError {
        PipelineError(
            stage: stage, category: category, code: code, message: message + "; " + hint, day: day, page: page,
            cause: cause)
    }

    /// Wraps an API failure met while extracting `day`.
    public static func extract(_ error: APIError, day: Day?, page: Int?) -> PipelineError {
        let category: Category
        switch error.kind {
        case .authentication: category = .authentication
        case .quotaExhausted, .callBudget: category = .temporary
        case .rateLimited, .server, .transport: category = .unavailable
        case .invalidResponse, .badRequest, .notFound: category = .data
        }
        return PipelineError(
            stage: .extract, category: category, code: error.kind.rawValue, message: error.description, day: day,
            page: page)
    }
}
