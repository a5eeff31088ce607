import Foundation
@testable import KB4EventsAPI
import Testing

@testable import KB4EventsCore
@testable import KB4EventsPipeline

struct RunRecordTests {
    @Test func savedRecordReadsBackTheSame() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kb4-record-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let summary = RunMetricsTests().summary()
        let record = RunRecord(
            command: "backfill", runID: "r", startedAt: "2026-11-22T02:00:00Z", finishedAt: "2026-11-22T02:00:02Z",
            exitCode: 69, error: "day 2026-11-20: unavailable", summary: summary, account: "acme")
        let layout = LakeLayout(root: dir)
        #expect(await RunRecord.version(in: layout) == .absent)
        try await record.save(to: layout, replacing: .absent)
        #expect(await RunRecord.load(from: layout) == record)
        // A record replaced since a run started is kept: the run's own is not written over it.
        let seen = await RunRecord.version(in: layout)
        var newer = record
        newer.runID = "newer"
        try await newer.save(to: layout, replacing: seen)
        await #expect(throws: PipelineError.self) { try await record.save(to: layout, replacing: seen) }
        #expect(await RunRecord.load(from: layout)?.runID == "newer")
        #expect(record.outcome == "failure")
        #expect(record.json["outcome"]?.stringValue == "failure")
        #expect(record.json["account"]?.stringValue == "acme")
    }

    @Test func aRecordFromBeforeAccountsHasNone() throws {
        let old = #"{"version": 1, "command": "sync", "run_id": "r", "outcome": "success", "exit_code": 0}"#
        let record = try #require(RunRecord(json: try JSONParser.parse(Array(old.utf8))))
        #expect(record.account == nil)
        #expect(record.json["account"] == .null)
    }

    @Test func noLakeRootNoRecord() async {
        let layout = LakeLayout(root: "/nonexistent/kb4-lake")
        await #expect(throws: FileError.self) {
            try await RunRecord(
                command: "sync", runID: "r", startedAt: "", finishedAt: "", exitCode: 0, error: nil, summary: .empty
            )
            .save(to: layout, replacing: .unknown)
        }
        #expect(await RunRecord.load(from: layout) == nil)
    }
}
