import KB4EventsAPI
import Testing

@testable import KB4EventsPipeline

@Suite struct DayTransformerTests {
    let day = Day("2026-11-21")!

    func event(_ id: String, _ at: String) -> JSONObject {
        JSONObject([("id", .string(id)), ("occurred_date", .string(at))])
    }

    func run(_ events: [JSONObject], mode: DayTransformer.Mode = .streaming) throws -> ([String], DayTransformer.Summary) {
        var out: [String] = []
        var t = DayTransformer(day: day, mode: mode) { out.append($0["id"]!.stringValue!) }
        for e in events { try t.add(e, page: 1) }
        let s = try t.finish()
        return (out, s)
    }

    @Test func sortsTiesByIDAndDropsDuplicates() throws {
        let (ids, s) = try run([
            event("b", "2026-11-21T00:00:00.000Z"), event("a", "2026-11-21T00:00:00.000Z"),
            event("c", "2026-11-21T05:00:00.000Z"), event("a", "2026-11-21T00:00:00.000Z"),
            event("c", "2026-11-21T05:00:00.000Z"), event("d", "2026-11-21T23:59:59.999Z"),
        ])
        #expect(ids == ["a", "b", "c", "d"])
        #expect(s.events == 4 && s.duplicatesDropped == 2)
        #expect(s.firstOccurred == "2026-11-21T00:00:00.000Z" && s.lastOccurred == "2026-11-21T23:59:59.999Z")
    }

    @Test func olderEventAfterNewerIsAnOrderViolationInStreaming() throws {
        let events = [event("x", "2026-11-21T05:00:00.000Z"), event("y", "2026-11-21T01:00:00.000Z")]
        #expect(throws: DayTransformer.OrderViolation.self) { _ = try run(events) }
        let (ids, _) = try run(events, mode: .collect)
        #expect(ids == ["y", "x"])
    }

    @Test(arguments: ["2026-11-22T00:00:00.000Z", "2026-11-20T23:59:59.999Z", "yesterday"])
    func eventOffTheDayIsADataError(at: String) throws {
        do {
            _ = try run([event("a", at)])
            Issue.record("accepted \(at)")
        } catch let e as PipelineError {
            #expect(e.category == .data)
            #expect(e.day == day && e.page == 1)
        }
    }

    @Test func missingIDIsADataError() throws {
        #expect(throws: PipelineError.self) {
            _ = try run([JSONObject([("occurred_date", .string("2026-11-21T01:00:00.000Z"))])])
        }
    }
}
