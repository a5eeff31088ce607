package import KB4EventsCore

/// The paging block of a list response (Rails Kaminari names). Only what is present is trusted.
package struct PageMeta: Sendable, Equatable {
    /// Rows on this page, if sent.
    package var count: Int?
    /// The page size the server actually used (it clamps `per_page` silently).
    package var limitValue: Int?
    package var totalPages: Int?
    package var currentPage: Int?
    /// The next page number; nil at the end, and also on an out-of-range page (e.g. page 1 of an empty day).
    package var nextPage: Int?
    /// Whether the `next_page` key was present at all.
    var hasNextPageKey: Bool
    package var isLastPage: Bool?
    package var isOutOfRange: Bool?

    /// Reads `meta` from a list body; absent or wrongly typed fields stay nil.
    package init(_ meta: JSONValue?) {
        func int(_ key: String) -> Int? {
            if case .number(let text)? = meta?[key] { return Int(text) }
            return nil
        }
        func bool(_ key: String) -> Bool? {
            if case .bool(let b)? = meta?[key] { return b }
            return nil
        }
        count = int("count")
        limitValue = int("limit_value")
        totalPages = int("total_pages")
        currentPage = int("current_page")
        nextPage = int("next_page")
        hasNextPageKey = meta?["next_page"] != nil
        isLastPage = bool("is_last_page")
        isOutOfRange = bool("is_out_of_range")
    }
}

extension PageMeta {
    /// The page after `page`, which held `rows` rows, or nil at the end: `next_page` when the key is sent (it must
    /// be `page + 1`; anything else is an invalid response rather than a loop), then the other Kaminari fields,
    /// then "a full page means maybe more". An empty page ends the query; a short one does not (the server
    /// clamps `per_page`). `request` and `describe` name the call in errors.
    func pageAfter(_ page: Int, rows: Int, request: String, describe: String) throws -> Int? {
        if rows == 0 { return nil }
        if hasNextPageKey {
            guard let next = nextPage else { return nil }
            guard next == page + 1 else {
                throw APIError(
                    kind: .invalidResponse, request: request,
                    message: "\(describe): meta.next_page is \(next), expected \(page + 1)")
            }
            return next
        }
        if let last = isLastPage { return last ? nil : page + 1 }
        if let total = totalPages { return page < total ? page + 1 : nil }
        if let limit = limitValue { return rows >= limit ? page + 1 : nil }
        return page + 1
    }

    /// The query's total implied by its last page (Kaminari: full pages before it, plus the rows that arrived on
    /// it), or nil when this is not a usable last page. `count` is not used: that it means "rows on this page"
    /// is a guess, and the rows that arrived are a fact.
    package func impliedTotal(rowsOnPage rows: Int, page: Int) -> Int? {
        guard isOutOfRange != true, nextPage == nil, let limit = limitValue, limit > 0 else { return nil }
        let current = currentPage ?? page
        return (current - 1) * limit + rows
    }
}

/// One page of `GET /events`: the events as ordered JSON objects, the paging block, and the body as received.
package struct EventsPage: Sendable {
    /// The page number that was requested.
    package let page: Int
    /// The events in the order the server sent them.
    package let events: [JSONObject]
    /// The paging block.
    package let meta: PageMeta
    /// The response body exactly as received (for a raw zone).
    package let body: [UInt8]

    /// Decodes a list body; `describe` names the page in errors.
    package init(page: Int, json: JSONValue, body: [UInt8], describe: String) throws {
        guard case .object(let root) = json else {
            throw APIError(kind: .invalidResponse, request: "GET /events", message: "\(describe): the body is not a JSON object")
        }
        guard case .array(let data)? = root["data"] else {
            throw APIError(kind: .invalidResponse, request: "GET /events", message: "\(describe): no \"data\" array in the body")
        }
        var events: [JSONObject] = []
        events.reserveCapacity(data.count)
        for (index, item) in data.enumerated() {
            guard case .object(let event) = item else {
                throw APIError(
                    kind: .invalidResponse, request: "GET /events", message: "\(describe): data[\(index)] is not an object")
            }
            events.append(event)
        }
        self.page = page
        self.events = events
        self.meta = PageMeta(root["meta"])
        self.body = body
    }
}
