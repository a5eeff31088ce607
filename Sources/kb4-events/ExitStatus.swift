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
    /// `status --fleet`: at least one lake needs attention. Above the sysexits range (64…78), so no sysexits meaning
    /// is borrowed, and below the shell's 126+.
    static let attention: Int32 = 79

    static func code(for category: PipelineError.Category) -> Int32 {
        switch category {
        case .usage: return usage
        case .configuration: return configuration
        case .data: return data
        case .unavailable: return unavailable
        case .output: return cannotCreate
        case .temporary: return temporary
        case .authentication: return authentication
        case .missingInput: return notFound
        }
    }

    /// The exit code for `error`: from its category (`PipelineError.category(of:)`), or from the executable's own
    /// errors. Never from a message's text.
    static func exitCode(for error: any Error) -> ExitCode {
        switch error {
        case let e as ExitCode: return e
        case is UsageProblem: return ExitCode(usage)
        case is NoLake: return ExitCode(notFound)
        default: return ExitCode(PipelineError.category(of: error).map(code(for:)) ?? 1)
        }
    }

    /// The one error line format on stderr: `kb4-events: error: …` (the argument parser's errors too). A temporary
    /// failure that does not say when to run again gets ` (run again later)`.
    static func printError(_ error: any Error) {
        let underlying = (error as? RunFailure)?.error ?? error
        let advised = (underlying as? PipelineError)?.advisesRetry ?? false
        let hint = PipelineError.category(of: underlying) == .temporary && !advised ? " (run again later)" : ""
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
