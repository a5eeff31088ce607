import ArgumentParser
import Foundation
import KB4EventsAPI
import KB4EventsPipeline
import Logging
import KB4EventsCore

/// `kb4-events api …`: the User Event API's eight actions, with the exporter's key handling, regions and pacing.
struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract:
            "Call the User Event API directly: list, get, create and delete events; event types; request statuses.",
        discussion: """
            Output is JSON when stdout is not a terminal and a table on one (--output json|ndjson|table). \
            Exit codes as for the exporter, plus 66 when the event, event type or request status does not exist; \
            a request the API refuses (400/422) or a create request with failures exits 65.
            """,
        subcommands: [
            ListEventsCommand.self, GetEventCommand.self, CreateEventCommand.self, DeleteEventCommand.self,
            ListEventTypesCommand.self, GetEventTypeCommand.self, ListStatusesCommand.self, GetStatusCommand.self,
        ]
    )
}

/// The options every `api` subcommand shares: where the API is, logging, and the output style.
struct APIOptions: ParsableArguments {
    @OptionGroup var source: SourceOptions
    @OptionGroup var log: LogOptions
    @OptionGroup var output: OutputOptions

    /// The `api` commands' retry budget without `--retry-budget`.
    static let retryBudgetSecs = 60.0
}

/// An `api get-…` command: one id in, one object printed.
protocol APIGetCommand: AsyncParsableCommand {
    var id: String { get }
    var options: APIOptions { get }
    /// What is looked up, for the not-found message: "event", "event type", "request status".
    static var subject: String { get }
    /// The object with `id`.
    static func fetch(_ id: String, from client: Client) async throws -> JSONObject
}

extension APIGetCommand {
    func run() async throws {
        try await APIInvocation(options: options, subject: "\(Self.subject) \(id)").run { client, _ in
            OutputRenderer(style: options.output.style).object(try await Self.fetch(id, from: client))
        }
    }
}

/// A create request whose status lists failures (exit 65).
struct CreateFailures: Error, CustomStringConvertible {
    let requestID: String
    let failures: [JSONValue]

    var description: String {
        let listed = failures.prefix(5).map(\.compactString).joined(separator: "; ")
        return "request \(requestID) was processed with \(failures.count) failure(s): \(listed)"
    }
}

/// Opens the session for one `api` subcommand, runs it and turns failures into the contract's exit codes.
struct APIInvocation {
    let options: APIOptions
    /// What the command looks up, for the not-found message (e.g. "event 0d6f…").
    let subject: String

    func run(_ body: (Client, Logger) async throws -> Void) async throws {
        let logger = LogSetup.bootstrap(options.log)
        var session: SourceSession?
        do {
            // A person is waiting: a short retry budget unless --retry-budget says otherwise.
            var overrides = options.source.overrides
            overrides.retryBudgetSecs = overrides.retryBudgetSecs ?? APIOptions.retryBudgetSecs
            let opened = try await SourceSession.open(
                source: options.source, overrides: overrides, today: .utcToday, requireOutput: false,
                logger: logger)
            session = opened
            try await body(opened.client, logger)
            await opened.close()
        } catch {
            await session?.close()
            throw Self.report(error, subject: subject)
        }
    }

    /// Prints `error` to stderr and returns the exit code: 66 for not found, then the `api`-only errors,
    /// then everything else as `ExitStatus.report` maps it.
    static func report(_ error: any Error, subject: String) -> ExitCode {
        let code: Int32
        let message: String
        switch error {
        case let e as APIError where e.kind == .notFound:
            code = ExitStatus.notFound
            message = "not found: \(subject)"
        case let e as CreateEventRequest.Invalid:
            code = ExitStatus.usage
            message = "\(e) (nothing was sent)"
        case let e as StatusWaitTimeout:
            code = ExitStatus.temporary
            message = e.description
        case let e as CreateFailures:
            code = ExitStatus.data
            message = e.description
        default:
            return ExitStatus.report(error)
        }
        ExitStatus.printError(message)
        return ExitCode(code)
    }
}
