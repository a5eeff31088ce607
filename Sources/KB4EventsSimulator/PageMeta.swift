/// Paging metadata computed exactly as Rails' Kaminari does, with keys in the API's order.
struct PageMeta: Sendable, Equatable {
    var count: Int
    var limitValue: Int
    var totalPages: Int
    var currentPage: Int

    var isFirstPage: Bool { currentPage == 1 }
    var isLastPage: Bool { currentPage == totalPages }
    var isOutOfRange: Bool { currentPage > totalPages }
    var nextPage: Int? { isLastPage || isOutOfRange ? nil : currentPage + 1 }
    var prevPage: Int? { isFirstPage || isOutOfRange ? nil : currentPage - 1 }

    /// The effective (page, per_page) of raw query values: page ≤ 0 or junk → 1; per_page ≤ 0 or junk → the
    /// default; per_page above the maximum → the maximum, silently.
    static func effective(page: String?, perPage: String?, defaultPerPage: Int, maxPerPage: Int) -> (
        page: Int, limit: Int
    ) {
        var pageNumber = page.flatMap { Int($0.trimmingSpaces) } ?? 1
        if pageNumber <= 0 { pageNumber = 1 }
        var limit = perPage.flatMap { Int($0.trimmingSpaces) } ?? defaultPerPage
        if limit <= 0 { limit = defaultPerPage }
        return (pageNumber, min(limit, maxPerPage))
    }

    /// The rows of `page` and its metadata.
    static func paginate<T>(_ items: [T], page: Int, limit: Int) -> (rows: ArraySlice<T>, meta: PageMeta) {
        let totalPages = (items.count + limit - 1) / limit
        let start = (page - 1).multipliedReportingOverflow(by: limit)
        let rows: ArraySlice<T>
        if start.overflow || start.partialValue >= items.count {
            rows = []
        } else {
            rows = items[start.partialValue..<min(items.count, start.partialValue + limit)]
        }
        return (rows, PageMeta(count: rows.count, limitValue: limit, totalPages: totalPages, currentPage: page))
    }

    /// Writes `"meta":{…}` members in Kaminari's order into an object being written.
    func write(into w: inout JSONWriter) {
        w.raw("{\"count\":")
        w.int(count)
        w.raw(",\"limit_value\":")
        w.int(limitValue)
        w.raw(",\"total_pages\":")
        w.int(totalPages)
        w.raw(",\"current_page\":")
        w.int(currentPage)
        w.raw(",\"next_page\":")
        w.int(nextPage)
        w.raw(",\"prev_page\":")
        w.int(prevPage)
        w.raw(",\"is_first_page\":")
        w.bool(isFirstPage)
        w.raw(",\"is_last_page\":")
        w.bool(isLastPage)
        w.raw(",\"is_out_of_range\":")
        w.bool(isOutOfRange)
        w.raw("}")
    }

    /// `{"data":[rows…],"meta":{…}}`.
    static func listBody(rows: some Sequence<[UInt8]>, meta: PageMeta) -> [UInt8] {
        var w = JSONWriter(capacity: 1024)
        w.raw("{\"data\":[")
        var first = true
        for row in rows {
            if !first { w.raw(",") }
            first = false
            w.raw(row)
        }
        w.raw("],\"meta\":")
        meta.write(into: &w)
        w.raw("}")
        return w.bytes
    }
}
