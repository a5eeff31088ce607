/// Walks every page of one `GET /events` query by following `meta.next_page` until it is null.
///
/// A short page is not taken as the end (the server clamps `per_page`); an empty page is. Page numbers must
/// move forward one at a time; anything else is an invalid response rather than a loop.
package struct EventPager: Sendable {
    private let client: Client
    private let query: EventQuery
    private let label: String
    private var nextPage: Int?

    /// Starts at `query.page` (default 1). `label` names the query in errors and logs (e.g. "day 2026-11-21").
    package init(client: Client, query: EventQuery, label: String) {
        self.client = client
        self.query = query
        self.label = label
        self.nextPage = query.page ?? 1
    }

    /// Fetches the next page, or returns nil when the previous page said there is none.
    package mutating func next() async throws -> EventsPage? {
        guard let page = nextPage else { return nil }
        let result = try await Self.fetch(page: page, of: query, client: client, label: label)
        nextPage = try Self.following(result, label: label)
        return result
    }

    /// Fetches page `page` of `query` (one call, with the client's retries). Shared with the exporter, which
    /// requests pages ahead of the one it reads.
    package static func fetch(page: Int, of query: EventQuery, client: Client, label: String) async throws -> EventsPage {
        var query = query
        query.page = page
        let describe = "\(label) page \(page)"
        let request = HTTPRequest(method: "GET", path: "/events", query: query.parameters)
        let (json, response) = try await client.sendJSON(request, describe: describe)
        return try EventsPage(page: page, json: json, body: response.body, describe: describe)
    }

    /// The page after `page` (`PageMeta.pageAfter`), or nil when the query ends there.
    package static func following(_ page: EventsPage, label: String) throws -> Int? {
        try page.meta.pageAfter(
            page.page, rows: page.events.count, request: "GET /events", describe: "\(label) page \(page.page)")
    }
}
