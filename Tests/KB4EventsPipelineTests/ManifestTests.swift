import Foundation
@testable import KB4EventsAPI
import Testing

@testable import KB4EventsPipeline
@testable import KB4EventsCore

@Suite struct ManifestTests {
    func sample() -> Manifest {
        var m = Manifest(format: .csv, baseURL: "https://api.events.knowbe4.com")
        m.days[Day("2026-11-21")!] = Manifest.DayRecord(
            events: 3, revision: 2,
            files: [.init(path: "events/dt=2026-11-21/part-00000.csv.gz", bytes: 120, sha256: "ab", rows: 3)],
            apiCalls: 1, duplicatesDropped: 1, firstOccurred: "2026-11-21T00:00:00.000Z",
            lastOccurred: "2026-11-21T23:59:59.999Z", completedAt: "2026-11-22T02:00:00Z",
            checkedAt: "2026-11-22T02:00:00Z", runID: "r1", toolVersion: "0.1.0")
        m.days[Day("2026-11-20")!] = Manifest.DayRecord(
            events: 0, revision: 1, files: [.init(path: "events/dt=2026-11-20/part-00000.csv.gz", bytes: 20, sha256: "cd", rows: 0)],
            apiCalls: 1, duplicatesDropped: 0, firstOccurred: nil, lastOccurred: nil, completedAt: "x", checkedAt: "x",
            runID: "r1", toolVersion: "0.1.0")
        return m
    }

    @Test func roundTripsThroughAFile() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kb4-manifest-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let m = sample()
        _ = try await m.save(to: LocalDirectoryStore(root: dir), replacing: nil)
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

    /// A manifest exactly as kb4-events 0.1.0 (manifest version 1) wrote it, frozen here: later versions must read it.
    static let writtenBy010 = """
        {
          "version": 1,
          "format": "ndjson",
          "base_url": "https://api.events.knowbe4.com",
          "windows": {
            "2026-11-21": {
              "status": "complete",
              "events": 2,
              "revision": 1,
              "files": [
                {
                  "path": "events/dt=2026-11-21/part-00000.ndjson.gz",
                  "bytes": 310,
                  "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                  "rows": 2
                }
              ],
              "api_calls": 1,
              "duplicates_dropped": 0,
              "first_occurred": "2026-11-21T08:00:00.000Z",
              "last_occurred": "2026-11-21T09:30:00.000Z",
              "completed_at": "2026-11-22T02:15:07Z",
              "checked_at": "2026-11-22T02:15:07Z",
              "run_id": "r-010",
              "tool_version": "0.1.0"
            }
          }
        }
        """

    @Test func readsALakeWrittenByAnOlderRelease() throws {
        let m = try Manifest(json: try JSONParser.parse(Array(Self.writtenBy010.utf8)))
        #expect(m.format == .ndjson && m.baseURL == "https://api.events.knowbe4.com")
        let w = try #require(m.days[Day("2026-11-21")!])
        #expect(w.events == 2 && w.revision == 1 && w.files.first?.rows == 2 && w.toolVersion == "0.1.0")
        #expect(w.extra.keys.isEmpty, "every field of 0.1.0 is known")
        #expect(m.json.compactString.contains(#""version":\#(Manifest.currentVersion)"#))
    }

    @Test func refusesANewerManifestWithAClearMessageAndLeavesItAsItIs() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kb4-manifest-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let newer = Self.writtenBy010
            .replacingOccurrences(of: #""version": 1"#, with: #""version": \#(Manifest.currentVersion + 1)"#)
            .replacingOccurrences(of: #""tool_version": "0.1.0""#, with: #""tool_version": "9.0.0""#)
        let path = dir + "/_manifest.json"
        try Data(newer.utf8).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: PipelineError.self) { try Manifest.load(from: path) }
        #expect(error.category == .configuration, "exit 78")
        #expect(error.code == "newer_version")
        #expect(error.message.contains("version \(Manifest.currentVersion + 1) was written by a newer kb4-events (9.0.0)"))
        #expect(error.message.contains("upgrade kb4-events"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == newer, "the file is not rewritten")
    }

    @Test func refusesVersionZeroAsInvalid() throws {
        let json = try JSONParser.parse(Array(#"{"version":0,"format":"ndjson","windows":{}}"#.utf8))
        let error = try #require(throws: PipelineError.self) { try Manifest(json: json) }
        #expect(error.code == "invalid")
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
