import Foundation
@testable import KB4EventsAPI
import KB4EventsSimulator
import Logging
import Testing

@testable import KB4EventsCore
@testable import KB4EventsPipeline

@Suite(.serialized) struct RebuilderTests {
    func rebuilder(_ f: LakeFixture, format: OutputFormat) -> Rebuilder {
        let settings = ExportSettings(
            lake: LakeLayout(root: f.dir), format: format, baseURL: f.simulator.baseURL, toolVersion: "test")
        return Rebuilder(
            settings: settings, logger: Logger(label: "test"),
            clock: RunClock(today: f.today, now: { Date().timeIntervalSince1970 }), runID: "rebuild-\(UUID().uuidString.prefix(6))")
    }

    func files(_ dir: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for p in try FileManager.default.subpathsOfDirectory(atPath: dir + "/events") where p.hasSuffix(".gz") {
            out[p] = try Data(contentsOf: URL(fileURLWithPath: dir + "/events/" + p))
        }
        return out
    }

    @Test func switchingFormatFromRawEqualsAFreshExportByteForByte() async throws {
        try await LakeFixture.with(events: 500, days: 5, configure: { $0.maxPerPage = 30 }) { f in
            f.keepRaw = true
            _ = try await f.runner().run(.sync(force: false))
            let calls = f.simulator.stats.totalRequests
            let summary = try await rebuilder(f, format: .csv).run(from: nil, to: nil)
            #expect(try summary.daysWritten == f.manifest().days.count)
            #expect(f.simulator.stats.totalRequests == calls, "no API call")
            #expect(try f.manifest().format == .csv)
            #expect(try f.manifest().days.values.allSatisfy { $0.revision == 2 && $0.apiCalls > 0 })

            // A fresh CSV export of the same API data, into another lake.
            let fresh = try await LakeFixture(events: 500, days: 5, configure: { $0.maxPerPage = 30 })
            fresh.format = .csv
            _ = try await fresh.runner().run(.sync(force: false))
            #expect(try files(f.dir) == files(fresh.dir))
            await fresh.close()
        }
    }

    @Test func aDamagedPartitionIsRepaired() async throws {
        try await LakeFixture.with(events: 300, days: 3) { f in
            f.keepRaw = true
            _ = try await f.runner().run(.sync(force: false))
            let day = f.today.previous
            let path = f.dir + "/events/dt=\(day)/part-00000.ndjson.gz"
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            bytes[bytes.count / 2] ^= 0x40
            try bytes.write(to: URL(fileURLWithPath: path))
            let summary = try await rebuilder(f, format: .ndjson).run(from: day, to: day)
            #expect(summary.daysWritten == 1)
            #expect(try f.lines(day) == f.truth(day))
            #expect(try f.manifest().days[day]!.revision == 2, "the file changed back, so it is a new revision")
            let again = try await rebuilder(f, format: .ndjson).run(from: nil, to: nil)
            #expect(try again.daysUnchanged == f.manifest().days.count && again.daysWritten == 0)
        }
    }

    @Test func aFormatSwitchNeedsEveryDaysRawPages() async throws {
        try await LakeFixture.with(events: 300, days: 3) { f in
            _ = try await f.runner().run(.sync(force: false))
            await #expect(throws: PipelineError.self) { _ = try await rebuilder(f, format: .csv).run(from: nil, to: nil) }
            #expect(try f.manifest().format == .ndjson, "nothing changed")
        }
    }
}
