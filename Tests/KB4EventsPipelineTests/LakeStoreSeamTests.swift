import Foundation
@testable import KB4EventsAPI
import Testing

@testable import KB4EventsCore
@testable import KB4EventsPipeline

/// The lake written through its `ObjectStore`: scratch outside the lake, "unchanged" from the manifest and a
/// `head`, the manifest replaced by compare-and-swap.
@Suite struct LakeStoreSeamTests {
    @Test func aRunLeavesNoWorkDirectoryAndRecordsEachObjectsVersion() async throws {
        try await LakeFixture.with() { f in
            f.keepRaw = true
            _ = try await f.runner().run(.sync(force: false))
            #expect(!FileManager.default.fileExists(atPath: f.dir + "/.kb4-work"), "scratch removed after the run")
            let store = LocalDirectoryStore(root: f.dir)
            for (day, window) in try f.manifest().days {
                let head = try #require(try await store.head(window.files[0].path))
                #expect(window.files[0].etag == head.etag, "day \(day)")
                #expect(try await store.head("_raw/dt=\(day)/page-00001.json.gz") != nil, "raw pages promoted")
            }
        }
    }

    @Test func anObjectEditedInPlaceWithTheSameSizeIsRewritten() async throws {
        try await LakeFixture.with() { f in
            _ = try await f.runner().run(.sync(force: false))
            let day = f.today.previous
            let path = f.dir + "/events/dt=\(day)/part-00000.ndjson.gz"
            let handle = try #require(FileHandle(forUpdatingAtPath: path))
            try handle.seek(toOffset: 40)
            let byte = try #require(try handle.read(upToCount: 1))
            try handle.seek(toOffset: 40)
            try handle.write(contentsOf: Data([byte[0] ^ 0x40]))
            try handle.close()
            let summary = try await f.runner().run(.sync(force: false))
            #expect(summary.revised == [day], "\(summary.line)")
            #expect(try f.lines(day) == f.truth(day))
        }
    }

    @Test func aManifestChangedByAnotherWriterStopsTheSaveAsTemporary() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kb4-seam-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = LocalDirectoryStore(root: dir)
        let first = Manifest(format: .ndjson, baseURL: "http://x")
        let v1 = try await first.save(to: store, replacing: nil)
        await #expect(throws: PipelineError.self) { _ = try await first.save(to: store, replacing: nil) }
        let loaded = try #require(try await Manifest.load(from: store))
        #expect(loaded.etag == v1 && loaded.manifest == first)
        var other = first
        other.baseURL = "http://other-writer"
        _ = try await other.save(to: store, replacing: v1)
        do {
            _ = try await first.save(to: store, replacing: v1)
            Issue.record("a stale version replaced the manifest")
        } catch let error as PipelineError {
            #expect(error.category == .temporary && error.code == "manifest_changed")
        }
        #expect(try await Manifest.load(from: store)?.manifest.baseURL == "http://other-writer", "nothing lost")
    }
}
