import Foundation
@testable import KB4EventsAPI
import Testing

@testable import KB4EventsPipeline
@testable import KB4EventsCore

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
        let (ids, _) = try run(events, mode: .sorting(spillDirectory: scratch()))
        #expect(ids == ["y", "x"])
    }

    func scratch() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("kb4-spill-\(UUID().uuidString)").path
    }

    @Test func sortingSpillsRunsAndMergesThemInOrder() throws {
        var events: [JSONObject] = []
        var rng = SystemRandomNumberGenerator()
        for i in 0..<5000 {
            let ms = Int(rng.next() % 86_400_000)
            let stamp = String(format: "2026-11-21T%02d:%02d:%02d.%03dZ", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
            events.append(event(String(format: "id-%05d", i), i % 7 == 0 ? "2026-11-21T12:00:00.000Z" : stamp))
        }
        let dir = scratch()
        let (ids, s) = try run(events + events.prefix(10), mode: .sorting(spillDirectory: dir, limitBytes: 20_000))
        #expect(s.events == 5000 && s.duplicatesDropped == 10)
        let expected = events.sorted {
            let a = parseTimestampMillis($0["occurred_date"]!.stringValue!)!
            let b = parseTimestampMillis($1["occurred_date"]!.stringValue!)!
            return a != b ? a < b : $0["id"]!.stringValue! < $1["id"]!.stringValue!
        }.map { $0["id"]!.stringValue! }
        #expect(ids == expected)
        #expect(!FileManager.default.fileExists(atPath: dir), "scratch runs are removed")
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

@Suite struct DayTransformerStreamingTests {
    let day = Day("2026-11-21")!

    func event(_ id: String, _ ms: Int) -> JSONObject {
        let s = ms / 1000
        let stamp = "2026-11-21T" + [s / 3600, s / 60 % 60, s % 60].map { $0 < 10 ? "0\($0)" : "\($0)" }.joined(separator: ":")
            + "." + String(1000 + ms % 1000).dropFirst() + "Z"
        return JSONObject([("id", .string(id)), ("occurred_date", .string(stamp))])
    }

    @Test func rowsRepeatedAcrossAPageBoundaryAreDroppedWithoutAViolation() throws {
        // Page 1 ends with c, d; two inserts before page 2 shift both onto page 2 again.
        let page1 = [event("a", 1000), event("b", 2000), event("c", 3000), event("d", 4000)]
        let page2 = [event("c", 3000), event("d", 4000), event("e", 5000)]
        var out: [String] = []
        var t = DayTransformer(day: day) { out.append($0["id"]!.stringValue!) }
        for e in page1 { try t.add(e, page: 1) }
        for e in page2 { try t.add(e, page: 2) }
        let s = try t.finish()
        #expect(out == ["a", "b", "c", "d", "e"])
        #expect(s.duplicatesDropped == 2)
    }

    @Test func anOldRowNotSeenRecentlyIsAViolation() throws {
        var t = DayTransformer(day: day) { _ in }
        try t.add(event("a", 5000), page: 1)
        try t.add(event("b", 6000), page: 1)
        #expect(throws: DayTransformer.OrderViolation.self) { try t.add(event("z", 1000), page: 2) }
    }
}
