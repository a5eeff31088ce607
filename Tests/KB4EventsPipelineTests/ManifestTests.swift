import Foundation
import KB4EventsAPI
import Testing

@testable import KB4EventsPipeline

@Suite struct ManifestTests {
    func sample() -> Manifest {
        var m = Manifest(format: .csv, baseURL: "https://api.events.knowbe4.com")
        m.windows[Day("2026-11-21")!] = Manifest.Window(
            events: 3, revision: 2,
            files: [.init(path: "events/dt=2026-11-21/part-00000.csv.gz", bytes: 120, sha256: "ab", rows: 3)],
            apiCalls: 1, duplicatesDropped: 1, firstOccurred: "2026-11-21T00:00:00.000Z",
            lastOccurred: "2026-11-21T23:59:59.999Z", completedAt: "2026-11-22T02:00:00Z",
            checkedAt: "2026-11-22T02:00:00Z", runID: "r1", toolVersion: "0.1.0")
        m.windows[Day("2026-11-20")!] = Manifest.Window(
            events: 0, revision: 1, files: [.init(path: "events/dt=2026-11-20/part-00000.csv.gz", bytes: 20, sha256: "cd", rows: 0)],
            apiCalls: 1, duplicatesDropped: 0, firstOccurred: nil, lastOccurred: nil, completedAt: "x", checkedAt: "x",
            runID: "r1", toolVersion: "0.1.0")
        return m
    }

    @Test func roundTripsThroughAFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kb4-manifest-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let m = sample()
        try m.save(to: dir + "/_manifest.json", tempTag: "t")
        let back = try #require(try Manifest.load(from: dir + "/_manifest.json"))
        #expect(back == m)
        let text = try String(contentsOfFile: dir + "/_manifest.json", encoding: .utf8)
        #expect(text.range(of: "2026-11-20")!.lowerBound < text.range(of: "2026-11-21")!.lowerBound, "days in order")
        #expect(text.contains("\"version\": 1"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["_manifest.json"], "no temp file left")
    }

    @Test func refusesAFutureVersion() throws {
        let json = try JSONParser.parse(Array(#"{"version":2,"format":"ndjson","windows":{}}"#.utf8))
        #expect(throws: PipelineError.self) { try Manifest(json: json) }
    }

    @Test func keepsUnknownFields() throws {
        let json = try JSONParser.parse(
            Array(#"{"version":1,"format":"ndjson","base_url":"u","windows":{},"runs":[1]}"#.utf8))
        let m = try Manifest(json: json)
        #expect(m.json.compactString.contains(#""runs":[1]"#))
    }

    @Test func missingFileIsNil() throws {
        #expect(try Manifest.load(from: "/nonexistent/_manifest.json") == nil)
    }
}
