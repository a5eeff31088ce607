import Foundation
@testable import KB4EventsAPI
import KB4EventsSimulator
import Testing

@testable import KB4EventsCore
@testable import KB4EventsPipeline

@Suite(.serialized) struct LakeVerifierTests {
    /// Builds a complete lake, lets `damage` change it, and verifies it.
    func verify(
        format: OutputFormat = .ndjson, damage: (LakeFixture, String) throws -> Void
    ) async throws -> LakeVerifier.Report {
        var report: LakeVerifier.Report?
        try await LakeFixture.with { f in
            f.format = format
            _ = try await f.runner().run(.sync(force: false))
            let day = f.firstDay.adding(days: 1)
            try damage(f, "events/dt=\(day)/part-00000.\(format.rawValue).gz")
            report = try await LakeVerifier(layout: LakeLayout(root: f.dir)).verify(try f.manifest())
        }
        return try #require(report)
    }

    @Test(arguments: [OutputFormat.ndjson, .csv])
    func anIntactLakeHasNoProblem(format: OutputFormat) async throws {
        let report = try await verify(format: format) { _, _ in }
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.filesChecked == 5)
        #expect(report.line == "verified 5 files, 0 problems")
        #expect(report.rows > 0)
    }

    @Test func aFlippedByteIsCaught() async throws {
        let report = try await verify { f, path in
            let url = URL(fileURLWithPath: f.dir + "/" + path)
            var bytes = Array(try Data(contentsOf: url))
            bytes[bytes.count / 2] ^= 0x01
            try Data(bytes).write(to: url)
        }
        #expect(report.problems.contains { $0.kind == .checksumMismatch && $0.path.hasSuffix("part-00000.ndjson.gz") })
        #expect(report.problems.allSatisfy { $0.path.contains("dt=2026-11-18") }, "\(report.problems)")
    }

    @Test func aDeletedFileIsCaught() async throws {
        let report = try await verify { f, path in try FileManager.default.removeItem(atPath: f.dir + "/" + path) }
        #expect(report.problems.map(\.kind).contains(.missingFile))
        #expect(report.problems.first { $0.kind == .missingFile }?.path == "events/dt=2026-11-18/part-00000.ndjson.gz")
        #expect(report.filesChecked == 4)
    }

    @Test func aTruncatedGzipIsCaught() async throws {
        let report = try await verify { f, path in
            let url = URL(fileURLWithPath: f.dir + "/" + path)
            let bytes = try Data(contentsOf: url)
            try bytes.prefix(bytes.count - 9).write(to: url)
        }
        let kinds = Set(report.problems.filter { $0.path.hasSuffix(".gz") }.map(\.kind))
        #expect(kinds.contains(.corruptGzip), "\(report.problems)")
        #expect(kinds.contains(.sizeMismatch))
    }

    @Test func anExtraFileIsCaught() async throws {
        let report = try await verify { f, path in
            let extra = f.dir + "/events/dt=2026-11-18/part-00001.ndjson.gz"
            try FileManager.default.copyItem(atPath: f.dir + "/" + path, toPath: extra)
            // Not data by the layout's rules: hidden and underscore names are ignored.
            try Data().write(to: URL(fileURLWithPath: f.dir + "/events/dt=2026-11-18/.part.tmp-x.gz"))
        }
        #expect(report.problems.count == 1, "\(report.problems)")
        #expect(report.problems.first?.kind == .extraFile)
        #expect(report.problems.first?.path == "events/dt=2026-11-18/part-00001.ndjson.gz")
    }

    @Test func anExtraFileInAFolderOfAPartitionIsCaught() async throws {
        let report = try await verify { f, path in
            let folder = f.dir + "/events/dt=2026-11-18/copy"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: f.dir + "/" + path, toPath: folder + "/part-00000.ndjson.gz")
        }
        #expect(report.problems.map(\.path) == ["events/dt=2026-11-18/copy/part-00000.ndjson.gz"], "\(report.problems)")
        #expect(report.problems.first?.kind == .extraFile)
    }

    @Test func aStrayFileThatReadersWouldReadIsCaught() async throws {
        let report = try await verify { f, _ in
            try Data("notes".utf8).write(to: URL(fileURLWithPath: f.dir + "/events/dt=2026-11-18/notes.txt"))
        }
        #expect(report.problems.map(\.path) == ["events/dt=2026-11-18/notes.txt"], "\(report.problems)")
        #expect(report.problems.first?.kind == .extraFile)
    }

    @Test func aMissingSuccessMarkerIsCaught() async throws {
        let report = try await verify { f, _ in
            try FileManager.default.removeItem(atPath: f.dir + "/events/dt=2026-11-18/_SUCCESS")
        }
        #expect(report.problems.map(\.kind) == [.missingSuccess])
    }

    @Test(arguments: [
        ("a,b\n1,2\n", 1), ("a,b\n\"x\ny\",2\n3,\"q\"\"\n\"\n", 2), ("a,b\n1,2", 1), ("a,b\n", 0),
        ("a,b\n\"\",\"\"\"\"\n", 1),
    ])
    func csvRowsCountQuotedNewlinesOnce(text: String, rows: Int) {
        var counter = RowCounter(format: .csv)
        let bytes = Array(text.utf8)
        // Fed one byte at a time: state carries across chunk boundaries.
        for b in bytes { [b].withUnsafeBytes { counter.feed($0) } }
        #expect(counter.rows == rows)
    }

    @Test func ndjsonRowsAreLines() {
        var counter = RowCounter(format: .ndjson)
        Array("{\"a\":\"x\\ny\"}\n{}\n".utf8).withUnsafeBytes { counter.feed($0) }
        #expect(counter.rows == 2)
    }
}
