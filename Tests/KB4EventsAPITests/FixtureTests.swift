import Foundation
import Testing

@testable import KB4EventsAPI
@testable import KB4EventsCore

/// The recorded-shape responses in `fixtures/` decode as the client expects.
@Suite struct FixtureTests {
    func load(_ name: String) throws -> [UInt8] {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return Array(try Data(contentsOf: URL(fileURLWithPath: parts.joined(separator: "/") + "/fixtures/" + name)))
    }

    @Test func listPage() throws {
        let body = try load("events-page.json")
        let page = try EventsPage(page: 1, json: try JSONParser.parse(body), body: body, describe: "fixture")
        #expect(page.events.count == 3)
        #expect(page.meta.limitValue == 50)
        #expect(page.meta.nextPage == 2)
        #expect(try EventPager.following(page, label: "fixture") == 2)
        for event in page.events {
            #expect(event["id"]?.stringValue?.count == 36)
            #expect(event["occurred_date"]?.stringValue?.hasSuffix("Z") == true)
        }
    }

    @Test func emptyDayEndsPagingAlthoughNotLastPage() throws {
        let body = try load("events-empty.json")
        let page = try EventsPage(page: 1, json: try JSONParser.parse(body), body: body, describe: "fixture")
        #expect(page.events.isEmpty)
        #expect(page.meta.isLastPage == false)
        #expect(page.meta.isOutOfRange == true)
        #expect(try EventPager.following(page, label: "fixture") == nil)
    }

    @Test(arguments: ["event.json", "event-types.json", "status.json", "create-response.json", "limit-exceeded.json"])
    func otherShapesParse(name: String) throws {
        let json = try JSONParser.parse(try load(name))
        #expect(json.objectValue != nil)
    }
}

@Suite struct PageMetaTests {
    func meta(_ json: String) throws -> PageMeta { PageMeta(try JSONParser.parse(Array(json.utf8))) }

    @Test func lastPageImpliesTheTotal() throws {
        let last = try meta(#"{"count":7,"limit_value":50,"total_pages":3,"current_page":3,"next_page":null,"is_last_page":true,"is_out_of_range":false}"#)
        #expect(last.impliedTotal(rowsOnPage: 7, page: 3) == 107)
        let notLast = try meta(#"{"count":50,"limit_value":50,"current_page":1,"next_page":2}"#)
        #expect(notLast.impliedTotal(rowsOnPage: 50, page: 1) == nil)
        let empty = try meta(#"{"count":0,"limit_value":100,"total_pages":0,"current_page":1,"next_page":null,"is_last_page":false,"is_out_of_range":true}"#)
        #expect(empty.impliedTotal(rowsOnPage: 0, page: 1) == nil)
    }
}
