import Foundation
import KB4EventsAPI
import Testing

@testable import KB4EventsPipeline

struct RunRecordTests {
    @Test func savedRecordReadsBackTheSame() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kb4-record-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var summary = RunSummary.empty
        summary.daysWritten = 2
        summary.events = 10
        summary.apiCalls = 4
        summary.retries = 1
        summary.durationSeconds = 1.5
        let record = RunRecord(
            command: "backfill", runID: "r", startedAt: "2026-11-22T02:00:00Z", finishedAt: "2026-11-22T02:00:02Z",
            exitCode: 69, error: "day 2026-11-20: unavailable", summary: summary)
        let layout = LakeLayout(root: dir)
        try await record.save(to: layout)
        #expect(await RunRecord.load(from: layout) == record)
        #expect(record.outcome == "failure")
        #expect(record.json["outcome"]?.stringValue == "failure")
    }

    @Test func noLakeRootNoRecord() async {
        let layout = LakeLayout(root: "/nonexistent/kb4-lake")
        await #expect(throws: FileError.self) {
            try await RunRecord(
                command: "sync", runID: "r", startedAt: "", finishedAt: "", exitCode: 0, error: nil, summary: .empty
            )
            .save(to: layout)
        }
        #expect(await RunRecord.load(from: layout) == nil)
    }
}
