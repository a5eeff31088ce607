import ArgumentParser
import Foundation
import KB4EventsAPI
import KB4EventsPipeline

/// The contract's exit codes (sysexits) and the one place errors become them.
enum ExitStatus {
    static let usage: Int32 = 64
    static let data: Int32 = 65
    /// EX_NOINPUT: the thing an `api` command names (event, event type, request status) does not exist (HTTP 404).
    static let notFound: Int32 = 66
    static let unavailable: Int32 = 69
    static let cannotCreate: Int32 = 73
    static let temporary: Int32 = 75
    static let authentication: Int32 = 77
    static let configuration: Int32 = 78

    static func code(for category: PipelineError.Category) -> Int32 {
        switch category {
        case .configuration: return configuration
        case .data: return data
        case .unavailable: return unavailable
        case .output: return cannotCreate
        case .temporary: return temporary
        case .authentication: return authentication
        }
    }

    /// Prints `error` to stderr (with the partial summary of a stopped run) and returns the exit code to throw.
    static func report(_ error: any Error) -> ExitCode {
        var underlying: any Error = error
        if let failure = error as? RunFailure {
            print(failure.summary.line + " (stopped early)")
            underlying = failure.error
        }
        let code: Int32
        switch underlying {
        case let e as PipelineError: code = self.code(for: e.category)
        case is ConfigurationError: code = configuration
        case is UsageProblem: code = usage
        case let e as APIError: code = self.code(for: PipelineError.extract(e, day: nil, page: nil).category)
        default: code = 1
        }
        var hint = ""
        if code == temporary && !"\(underlying)".contains("run again") { hint = " (run again later)" }
        FileHandle.standardError.write(Data("kb4-events: error: \(underlying)\(hint)\n".utf8))
        return ExitCode(code)
    }
}
