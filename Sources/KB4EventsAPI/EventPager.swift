/// Walks every page of one `GET /events` query by following `meta.next_page` until it is null.
///
/// A short page is not taken as the end (the server clamps `per_page`); an empty page is. Page numbers must
/// move forward one at a time; anything else is an invalid response rather than a loop.
public struct EventPager: Sendable {
    private let client: Client
    private var query: EventQuery
    private let label: String
    private var nextPage: Int?

    /// Starts at `query.page` (default 1). `label` names the query in errors and logs (e.g. "day 2026-11-21").
    public init(client: Client, query: EventQuery, label: String) {
        self.client = client
        self.query = query
        self.label = label
        self.nextPage = query.page ?? 1
    }

    /// Fetches the next page, or returns nil when the previous page said there is none.
    public mutating func next() async throws -> EventsPage? {
        guard let page = nextPage else { return nil }
        query.page = page
        let describe = "\(label) page \(page)"
        let request = HTTPRequest(method: "GET", path: "/events", query: query.parameters)
        let (json, response) = try await client.sendJSON(request, describe: describe)
        let result = try EventsPage(page: page, json: json, body: response.body, describe: describe)
        nextPage = try Self.following(result, describe: describe)
        return result
    }

    static func following(_ page: EventsPage, describe: String) throws -> Int? {
        let meta = page.meta
        if page.events.isEmpty { return nil }
        if meta.hasNextPageKey {
            guard let next = meta.nextPage else { return nil }
            guard next == page.page + 1 else {
                throw APIError(
                    kind: .invalidResponse, request: "GET /events",
                    message: "\(describe): meta.next_page is \(next), expected \(page.page + 1)")
            }
            return next
        }
        // No next_page key at all: fall back to the other Kaminari fields, then to "a full page means maybe more".
        if let last = meta.isLastPage { return last ? nil : page.page + 1 }
        if let total = meta.totalPages { return page.page < total ? page.page + 1 : nil }
        if let limit = meta.limitValue { return page.events.count >= limit ? page.page + 1 : nil }
        return page.page + 1
    }
}
