import ArgumentParser
import Foundation
import KB4EventsAPI
import KB4EventsPipeline
import Logging
import KB4EventsCore

extension EventQuery.OrderBy: ExpressibleByArgument {}
extension EventQuery.Direction: ExpressibleByArgument {}

/// `kb4-events api list-events`: one page of `GET /events`, or every page with `--all`.
struct ListEventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-events", abstract: "List events (one page, or every page with --all).")

    @Option(name: .customLong("event-type"), help: "Event type name.") var eventType: String?
    @Option(name: .customLong("target-user"), help: "User e-mail address.") var targetUser: String?
    @Option(name: .customLong("external-id"), help: "The creator's external id.") var externalID: String?
    @Option(help: "Event source.") var source: String?
    @Option(name: .customLong("occurred-date"), help: "Events that occurred on this UTC day (YYYY-MM-DD).")
    var occurredDate: Day?
    @Option(name: .customLong("risk-level"), parsing: .unconditional, help: "Risk level, -10…10.") var riskLevel: Int?
    @Option(name: .customLong("risk-decay-mode"), help: "Risk decay mode, 0 or 1.") var riskDecayMode: Int?
    @Option(name: .customLong("risk-expire-date"), help: "Risk expiry day (YYYY-MM-DD).") var riskExpireDate: Day?
    @Option(name: .customLong("order-by"), help: "Sort field: id, event_type or occurred_date.")
    var orderBy: EventQuery.OrderBy?
    @Option(name: .customLong("order-direction"), help: "Sort direction: asc or desc.")
    var orderDirection: EventQuery.Direction?
    @Option(help: "Page number (1-based); with --all, the first page to read.") var page: Int?
    @Option(name: .customLong("per-page"), help: "Rows per page (the API may clamp it).") var perPage: Int?
    @Flag(help: "Follow every page (streamed; ordered by id ascending unless --order-by is given).") var all = false

    @OptionGroup var options: APIOptions

    func validate() throws {
        if let riskLevel, !(-10...10).contains(riskLevel) {
            throw ValidationError("--risk-level must be an integer from -10 to 10, got \(riskLevel)")
        }
        if let riskDecayMode, riskDecayMode != 0 && riskDecayMode != 1 {
            throw ValidationError("--risk-decay-mode must be 0 or 1, got \(riskDecayMode)")
        }
        try Paging.validate(page: page, perPage: perPage)
    }

    var query: EventQuery {
        var q = EventQuery()
        q.eventType = eventType
        q.targetUser = targetUser
        q.externalID = externalID
        q.source = source
        q.occurredDate = occurredDate?.description
        q.riskLevel = riskLevel
        q.riskDecayMode = riskDecayMode
        q.riskExpireDate = riskExpireDate?.description
        // The API's default order is undocumented, so both are always sent. Pages are computed per request: for
        // --all a unique order keeps pages from skipping or repeating rows; one page shows the newest first.
        q.orderBy = orderBy ?? (all ? .id : .occurredDate)
        q.orderDirection = orderDirection ?? (orderBy == nil && !all ? .desc : .asc)
        q.page = page
        q.perPage = perPage
        return q
    }

    func run() async throws {
        let renderer = OutputRenderer(style: options.output.style, columns: TableColumn.events)
        try await APIInvocation(options: options, subject: "events").run { client, _ in
            var pager = EventPager(client: client, query: query, label: "events")
            try await renderer.pages(all: all) { try await pager.next().map { ($0.events, $0.meta, $0.page) } }
        }
    }
}

/// The one paging rule of the list commands: `--page`/`--per-page` are 1 or more; every page with `--all`
/// (streamed), else one page, with a line on stderr under a table saying where it sits and how to get the rest.
enum Paging {
    static func validate(page: Int?, perPage: Int?) throws {
        if let page, page < 1 { throw ValidationError("--page must be 1 or more") }
        if let perPage, perPage < 1 { throw ValidationError("--per-page must be 1 or more") }
    }

    static func note(_ meta: PageMeta, page: Int) {
        var text = "page \(meta.currentPage ?? page)"
        if let total = meta.totalPages { text += " of \(total)" }
        if let next = meta.nextPage { text += "; more with --page \(next) or --all" }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

extension OutputRenderer {
    /// Prints the pages `next` gives (rows, paging block, page number): all of them, or the first (`Paging`).
    func pages(all: Bool, _ next: () async throws -> ([JSONObject], PageMeta, Int)?) async throws {
        while let (rows, meta, page) = try await next() {
            self.rows(rows)
            if !all {
                if style == .table { Paging.note(meta, page: page) }
                break
            }
        }
        finishList()
    }
}

/// `kb4-events api get-event ID`.
struct GetEventCommand: APIGetCommand {
    static let configuration = CommandConfiguration(commandName: "get-event", abstract: "Show one event.")

    @Argument(help: "The event id (a UUID).") var id: String

    @OptionGroup var options: APIOptions

    static let subject = "event"
    static func fetch(_ id: String, from client: Client) async throws -> JSONObject {
        try await client.getEvent(id: id)
    }
}

/// `kb4-events api create-event`: validates, sends, and with `--wait` follows the request to its result.
struct CreateEventCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-event",
        abstract: "Create an event (asynchronous: prints the request id, or with --wait the created event ids).")

    @Option(name: .customLong("target-user"), help: "The user's e-mail address.") var targetUser: String
    @Option(name: .customLong("event-type"), help: "Event type name (an unknown name creates a type).")
    var eventType: String
    @Option(name: .customLong("external-id"), help: "Your own id for the event (≤ 64 characters).")
    var externalID: String?
    @Option(help: "Where the event came from.") var source: String?
    @Option(help: "What happened (≤ 255 characters).") var description: String?
    @Option(name: .customLong("occurred-date"), help: "Day it occurred (YYYY-MM-DD; default: today).")
    var occurredDate: String?
    @Option(
        name: .customLong("risk-level"), parsing: .unconditional, help: "Risk level, an integer -10…10 (0 is sent).")
    var riskLevel: Int?
    @Option(name: .customLong("risk-decay-mode"), help: "Risk decay mode, 0 or 1.") var riskDecayMode: Int?
    @Option(name: .customLong("risk-expire-date"), help: "Day the risk expires (YYYY-MM-DD; default: a month on).")
    var riskExpireDate: String?
    @Flag(help: "Wait until the API has processed the request; print the created event ids and failures.")
    var wait = false
    @Option(name: .customLong("wait-timeout"), help: "Seconds to wait with --wait.")
    var waitTimeout: Double = 60

    var request: CreateEventRequest {
        var r = CreateEventRequest(targetUser: targetUser, eventType: eventType)
        r.externalID = externalID
        r.source = source
        r.description = description
        r.occurredDate = occurredDate
        r.riskLevel = riskLevel
        r.riskDecayMode = riskDecayMode
        r.riskExpireDate = riskExpireDate
        return r
    }

    @OptionGroup var options: APIOptions

    func validate() throws {
        do {
            try request.validate()
        } catch {
            throw ValidationError("--\(error.field.replacingOccurrences(of: "_", with: "-")): \(error.reason)")
        }
        guard waitTimeout > 0, waitTimeout.isFinite else { throw ValidationError("--wait-timeout must be positive") }
    }

    func run() async throws {
        let style = options.output.style
        try await APIInvocation(options: options, subject: "request status").run { client, logger in
            let requestID = try await client.createEvent(request)
            guard wait else {
                OutputRenderer(style: style).object(JSONObject([("id", .string(requestID))]))
                return
            }
            logger.info("event request accepted, waiting for it", metadata: ["request_id": "\(requestID)"])
            let status = try await client.waitForStatus(
                id: requestID, timeout: .milliseconds(Int64(waitTimeout * 1000)), interval: .seconds(5))
            OutputRenderer(style: style).object(status.json)
            if !status.failures.isEmpty { throw CreateFailures(requestID: requestID, failures: status.failures) }
        }
    }
}

/// `kb4-events api delete-event ID`: asks first on a terminal; scripts pass `--yes`.
struct DeleteEventCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete-event", abstract: "Delete one event (asks on a terminal; --yes for scripts).")

    @Argument(help: "The event id (a UUID).") var id: String
    @Flag(help: "Do not ask for confirmation.") var yes = false

    @OptionGroup var options: APIOptions

    func run() async throws {
        if !yes {
            guard isatty(STDIN_FILENO) != 0 else {
                throw APIInvocation.report(
                    UsageProblem("delete-event: stdin is not a terminal, so nothing can be confirmed: add --yes"),
                    subject: "event \(id)")
            }
            FileHandle.standardError.write(Data("Delete event \(id)? [y/N] ".utf8))
            let answer = (readLine() ?? "").trimmingCharacters(in: .whitespaces).lowercased()
            guard answer == "y" || answer == "yes" else {
                FileHandle.standardError.write(Data("not deleted\n".utf8))
                return
            }
        }
        try await APIInvocation(options: options, subject: "event \(id)").run { client, _ in
            try await client.deleteEvent(id: id)
            let renderer = OutputRenderer(style: options.output.style)
            if renderer.style == .table {
                OutputRenderer.stdout("deleted event \(id)\n")
            } else {
                renderer.object(JSONObject([("id", .string(id)), ("deleted", .bool(true))]))
            }
        }
    }
}
