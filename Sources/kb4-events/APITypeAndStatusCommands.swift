import ArgumentParser
import KB4EventsAPI
import KB4EventsPipeline
import KB4EventsCore

/// `kb4-events api list-event-types [--name NAME]`.
struct ListEventTypesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-event-types", abstract: "List event types (or those with exactly --name).")

    @Option(help: "Only the type with this exact name.") var name: String?

    @OptionGroup var options: APIOptions

    func run() async throws {
        let renderer = OutputRenderer(style: options.output.style, columns: TableColumn.eventTypes)
        try await APIInvocation(options: options, subject: "event types").run { client, _ in
            renderer.rows(try await client.listEventTypes(name: name))
            renderer.finishList()
        }
    }
}

/// `kb4-events api get-event-type ID`.
struct GetEventTypeCommand: APIGetCommand {
    static let configuration = CommandConfiguration(commandName: "get-event-type", abstract: "Show one event type.")

    @Argument(help: "The event type id.") var id: String

    @OptionGroup var options: APIOptions

    static let subject = "event type"
    static func fetch(_ id: String, from client: Client) async throws -> JSONObject {
        try await client.getEventType(id: id)
    }
}

/// `kb4-events api list-statuses`: statuses of create requests, one page or every page with `--all`.
struct ListStatusesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-statuses",
        abstract: "List the statuses of create requests (one page, or every page with --all).")

    @Option(help: "Only requests processed on this day (YYYY-MM-DD).") var processed: Day?
    @Option(help: "Page number (1-based); with --all, the first page to read.") var page: Int?
    @Option(name: .customLong("per-page"), help: "Rows per page (the API may clamp it).") var perPage: Int?
    @Flag(help: "Follow every page (streamed).") var all = false

    @OptionGroup var options: APIOptions

    func validate() throws {
        try Paging.validate(page: page, perPage: perPage)
    }

    func run() async throws {
        let renderer = OutputRenderer(style: options.output.style, columns: TableColumn.statuses)
        try await APIInvocation(options: options, subject: "statuses").run { client, _ in
            var pager = client.statusPages(processed: processed?.description, startPage: page, perPage: perPage)
            try await renderer.pages(all: all) { try await pager.next().map { ($0.items, $0.meta, $0.page) } }
        }
    }
}

/// `kb4-events api get-status ID`: what became of one create request.
struct GetStatusCommand: APIGetCommand {
    static let configuration = CommandConfiguration(
        commandName: "get-status", abstract: "Show the status of one create request (created event ids, failures).")

    @Argument(help: "The request id that create-event printed.") var id: String

    @OptionGroup var options: APIOptions

    static let subject = "request status"
    static func fetch(_ id: String, from client: Client) async throws -> JSONObject {
        try await client.getStatus(id: id).json
    }
}
