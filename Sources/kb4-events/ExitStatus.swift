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
        case .missingInput: return notFound
        }
    }

    /// The exit code for `error` (a stopped run's `RunFailure` is mapped by its cause).
    static func exitCode(for error: any Error) -> ExitCode {
        let underlying = (error as? RunFailure)?.error ?? error
        switch underlying {
        case let e as ExitCode: return e
        case let e as PipelineError: return ExitCode(code(for: e.category))
        // No lake given at all is how the tool was called, not a wrong setting.
        case let e as ConfigurationError where e.keyPath == "output.dir" && e.reason.hasPrefix("no output directory"):
            return ExitCode(usage)
        case is ConfigurationError: return ExitCode(configuration)
        case is UsageProblem: return ExitCode(usage)
        case is NoLake: return ExitCode(notFound)
        // The lake's store (a file system or a bucket): a setting that cannot work is 78, a lost race 75, else 73.
        case _ where PipelineError.isStoreFailure(underlying):
            return ExitCode(code(for: PipelineError.store(underlying).category))
        case let e as APIError: return ExitCode(code(for: PipelineError.extract(e, day: nil, page: nil).category))
        default: return ExitCode(1)
        }
    }

    /// The one error line format on stderr: `kb4-events: error: …` (the argument parser's errors too).
    static func printError(_ error: any Error) {
        let underlying = (error as? RunFailure)?.error ?? error
        var hint = ""
        if exitCode(for: underlying).rawValue == temporary && !"\(underlying)".contains("run again") {
            hint = " (run again later)"
        }
        printError("\(underlying)\(hint)")
    }

    /// `kb4-events: warning: …` on stderr: something went wrong that does not change the outcome.
    static func printWarning(_ message: String) {
        ProgressLine.clear()
        FileHandle.standardError.write(Data("kb4-events: warning: \(message)\n".utf8))
    }

    static func printError(_ message: String) {
        ProgressLine.clear()
        FileHandle.standardError.write(Data("kb4-events: error: \(message)\n".utf8))
    }

    /// Prints `error` to stderr and returns the exit code to throw.
    static func report(_ error: any Error) -> ExitCode {
        if let exit = error as? ExitCode { return exit }
        printError(error)
        return exitCode(for: error)
    }
}
