package import KB4EventsCore

/// One page of a list endpoint other than `/events` (`/statuses`): the rows as JSON objects and the paging block.
package struct ListPage: Sendable {
    /// The page number that was requested.
    package let page: Int
    /// The rows in the order the server sent them.
    package let items: [JSONObject]
    /// The paging block (fields the server did not send stay nil).
    package let meta: PageMeta
    private let request: String

    /// Decodes a `{"data":[…],"meta":{…}}` body; `request` and `describe` name the call in errors.
    package init(page: Int, json: JSONValue, request: String, describe: String) throws {
        guard case .array(let data)? = json["data"] else {
            throw APIError(
                kind: .invalidResponse, request: request, message: "\(describe): no \"data\" array in the body")
        }
        var items: [JSONObject] = []
        items.reserveCapacity(data.count)
        for (index, item) in data.enumerated() {
            guard case .object(let object) = item else {
                throw APIError(
                    kind: .invalidResponse, request: request, message: "\(describe): data[\(index)] is not an object")
            }
            items.append(object)
        }
        self.page = page
        self.items = items
        self.meta = PageMeta(json["meta"])
        self.request = request
    }

    /// The page after this one (`PageMeta.pageAfter`), or nil at the end.
    package func following() throws -> Int? {
        try meta.pageAfter(page, rows: items.count, request: request, describe: "page \(page)")
    }
}

/// Walks every page of a list endpoint by following `meta.next_page`, one page in memory at a time.
package struct ListPager: Sendable {
    private let client: Client
    private let path: String
    private let parameters: [(name: String, value: String)]
    private let perPage: Int?
    private let label: String
    private var nextPage: Int?

    /// Starts at `startPage` (default 1); `parameters` are the filters (without `page`/`per_page`).
    package init(
        client: Client, path: String, parameters: [(name: String, value: String)] = [], startPage: Int? = nil,
        perPage: Int? = nil, label: String
    ) {
        self.client = client
        self.path = path
        self.parameters = parameters
        self.perPage = perPage
        self.label = label
        self.nextPage = startPage ?? 1
    }

    /// Fetches the next page, or returns nil when the previous page said there is none.
    package mutating func next() async throws -> ListPage? {
        guard let page = nextPage else { return nil }
        var query = parameters
        query.append(("page", String(page)))
        if let perPage { query.append(("per_page", String(perPage))) }
        let describe = "\(label) page \(page)"
        let request = HTTPRequest(method: "GET", path: path, query: query)
        let (json, _) = try await client.sendJSON(request, describe: describe)
        let result = try ListPage(page: page, json: json, request: "GET \(path)", describe: describe)
        nextPage = try result.following()
        return result
    }
}
