@testable import KB4EventsSimulator
import Testing

@Suite struct PageMetaTests {
    private func metaText(total: Int, page: Int, limit: Int) -> String {
        let (rows, meta) = PageMeta.paginate(Array(0..<total), page: page, limit: limit)
        #expect(rows.count == meta.count)
        var writer = JSONWriter()
        meta.write(into: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test func zeroResultsIsPageOneOutOfRange() {
        #expect(
            metaText(total: 0, page: 1, limit: 100) == """
                {"count":0,"limit_value":100,"total_pages":0,"current_page":1,"next_page":null,"prev_page":null,\
                "is_first_page":true,"is_last_page":false,"is_out_of_range":true}
                """)
    }

    @Test func middleLastAndPastTheEnd() {
        #expect(
            metaText(total: 5, page: 2, limit: 2) == """
                {"count":2,"limit_value":2,"total_pages":3,"current_page":2,"next_page":3,"prev_page":1,\
                "is_first_page":false,"is_last_page":false,"is_out_of_range":false}
                """)
        #expect(
            metaText(total: 5, page: 3, limit: 2) == """
                {"count":1,"limit_value":2,"total_pages":3,"current_page":3,"next_page":null,"prev_page":2,\
                "is_first_page":false,"is_last_page":true,"is_out_of_range":false}
                """)
        #expect(
            metaText(total: 5, page: 4, limit: 2) == """
                {"count":0,"limit_value":2,"total_pages":3,"current_page":4,"next_page":null,"prev_page":null,\
                "is_first_page":false,"is_last_page":false,"is_out_of_range":true}
                """)
        #expect(
            metaText(total: 1, page: 1, limit: 100) == """
                {"count":1,"limit_value":100,"total_pages":1,"current_page":1,"next_page":null,"prev_page":null,\
                "is_first_page":true,"is_last_page":true,"is_out_of_range":false}
                """)
    }

    @Test(
        arguments: [
            (nil, nil, 1, 100), ("2", "50", 2, 50), ("0", "0", 1, 100), ("-4", "-1", 1, 100), ("x", "y", 1, 100),
            ("3", "1000", 3, 250), (" 2", "7 ", 2, 7),
        ] as [(String?, String?, Int, Int)])
    func effectivePageAndLimit(page: String?, perPage: String?, expectedPage: Int, expectedLimit: Int) {
        let effective = PageMeta.effective(page: page, perPage: perPage, defaultPerPage: 100, maxPerPage: 250)
        #expect(effective.page == expectedPage)
        #expect(effective.limit == expectedLimit)
    }

    @Test func hugePageDoesNotOverflow() {
        let (rows, meta) = PageMeta.paginate([1, 2, 3], page: Int.max, limit: 100)
        #expect(rows.isEmpty)
        #expect(meta.isOutOfRange)
    }
}
