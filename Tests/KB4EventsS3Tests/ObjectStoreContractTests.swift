@testable import KB4EventsCore
import Foundation
import KB4EventsTestSupport
@testable import KB4EventsPipeline
@testable import KB4EventsS3
import Testing

/// One set of assertions, run against every store: a local temporary directory, and S3 (moto, signatures checked)
/// reached through `LakeLocation` exactly as a user's `s3://` URL would be.
@Suite struct ObjectStoreContractTests {
    enum Kind: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case local, s3
        var testDescription: String { rawValue }
    }

    /// The stores under test: local always; S3 when moto is available (and always in CI, where it must be).
    static var kinds: [Kind] { PythonTools.motoEnabled ? [.local, .s3] : [.local] }

    func makeStore(_ kind: Kind) async throws -> (any ObjectStore, cleanup: () -> Void) {
        switch kind {
        case .local:
            let dir = NSTemporaryDirectory() + "kb4-store-\(UUID().uuidString)"
            let store = try LakeLocation(dir).makeStore()
            return (store, { try? FileManager.default.removeItem(atPath: dir) })
        case .s3:
            let server = try await Moto.main.server()
            let location = try LakeLocation("s3://kb4-contract/\(uniquePrefix("lake"))/")
            let store = try location.makeStore(environment: [
                "AWS_ACCESS_KEY_ID": server.accessKey, "AWS_SECRET_ACCESS_KEY": server.secret,
                "AWS_ENDPOINT_URL_S3": server.endpoint, "AWS_REGION": "us-east-1", "HOME": "/nonexistent",
            ])
            return (store, {})
        }
    }

    func write(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "kb4-upload-\(UUID().uuidString)"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    @Test(arguments: kinds) func putFileGetHeadDelete(_ kind: Kind) async throws {
        let (store, cleanup) = try await makeStore(kind)
        defer { cleanup() }
        let local = try write("{\"id\":1}\n{\"id\":2}\n")
        defer { try? FileManager.default.removeItem(atPath: local) }
        let key = "events/dt=2026-11-21/part-00000.ndjson.gz"
        #expect(try await store.head(key) == nil)
        #expect(try await store.get(key) == nil)
        let meta = try await store.putFile(local, key: key)
        #expect(meta.key == key)
        #expect(meta.size == 18)
        #expect(FileManager.default.fileExists(atPath: local), "the local file stays")
        let head = try #require(try await store.head(key))
        #expect(head == meta)
        let got = try #require(try await store.get(key))
        #expect(got.bytes == Array("{\"id\":1}\n{\"id\":2}\n".utf8))
        #expect(got.meta == meta)
        let copy = local + ".download"
        defer { try? FileManager.default.removeItem(atPath: copy) }
        #expect(try await store.download(key, to: copy) == meta)
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == Data("{\"id\":1}\n{\"id\":2}\n".utf8))
        #expect(try await store.download("events/none", to: copy + "-absent") == nil)
        #expect(!FileManager.default.fileExists(atPath: copy + "-absent"))
        // Replacing changes the tag.
        let again = try await store.putFile(local, key: key)
        #expect(again.etag != meta.etag || kind == .s3, "local: a new version, a new tag")
        try await store.delete(key)
        #expect(try await store.head(key) == nil)
        try await store.delete(key)  // absent: fine
    }

    @Test(arguments: kinds) func conditionalPuts(_ kind: Kind) async throws {
        let (store, cleanup) = try await makeStore(kind)
        defer { cleanup() }
        let key = "_manifest.json"
        let v1 = try await store.put(Array("v1".utf8), key: key, mode: .create)
        await #expect(throws: ObjectStoreError.preconditionFailed(store: store.description, key: key)) {
            try await store.put(Array("x".utf8), key: key, mode: .create)
        }
        let v2 = try await store.put(Array("v2".utf8), key: key, mode: .update(etag: v1.etag))
        #expect(v2.etag != v1.etag)
        await #expect(throws: ObjectStoreError.preconditionFailed(store: store.description, key: key)) {
            try await store.put(Array("stale".utf8), key: key, mode: .update(etag: v1.etag))
        }
        #expect(try await store.get(key)?.bytes == Array("v2".utf8), "the loser changed nothing")
        #expect(try await store.head(key)?.etag == v2.etag)
        // update of an absent object fails too (the lease was released, or the manifest deleted).
        await #expect(throws: ObjectStoreError.self) {
            try await store.put(Array("x".utf8), key: "gone.json", mode: .update(etag: v2.etag))
        }
        let v3 = try await store.put(Array("v3".utf8), key: key, mode: .overwrite)
        #expect(try await store.get(key)?.meta.etag == v3.etag)
    }

    @Test(arguments: kinds) func onlyOneConcurrentCreateWins(_ kind: Kind) async throws {
        let (store, cleanup) = try await makeStore(kind)
        defer { cleanup() }
        let results = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<8 {
                group.addTask {
                    (try? await store.put(Array("run \(i)".utf8), key: ".kb4-events.lock", mode: .create)) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        // Exactly one, on disk and in S3. moto's own check-then-write is not atomic (two of eight won in 3 of 240
        // rounds with botocore alone); moto_server.py serializes conditional PUTs, as S3 makes them one step.
        #expect(results.filter { $0 }.count == 1)
    }

    @Test(arguments: kinds) func listsByPlainPrefix(_ kind: Kind) async throws {
        let (store, cleanup) = try await makeStore(kind)
        defer { cleanup() }
        let keys = [
            "events/dt=2026-10-31/part-00000.csv.gz", "events/dt=2026-11-01/part-00000.csv.gz",
            "events/dt=2026-11-01/_SUCCESS", "events/dt=2026-11-21/part-00000.csv.gz", "_manifest.json",
            "_state/calls.json",
        ]
        for key in keys { try await store.put(Array(key.utf8), key: key, mode: .overwrite) }
        let november = try await store.list(prefix: "events/dt=2026-11-")
        #expect(
            november.map(\.key) == [
                "events/dt=2026-11-01/_SUCCESS", "events/dt=2026-11-01/part-00000.csv.gz",
                "events/dt=2026-11-21/part-00000.csv.gz",
            ])
        #expect(november.allSatisfy { $0.size == $0.key.utf8.count })
        #expect(try await store.list(prefix: "").map(\.key) == keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(try await store.list(prefix: "_state/").map(\.key) == ["_state/calls.json"])
        #expect(try await store.list(prefix: "nothing/here").isEmpty)
    }

    @Test(arguments: kinds) func refusesKeysThatEscape(_ kind: Kind) async throws {
        let (store, cleanup) = try await makeStore(kind)
        defer { cleanup() }
        for bad in ["", "/abs", "a/../b", "a//b", "./a", "a/"] {
            await #expect(throws: ObjectStoreError.invalidKey(bad)) { try await store.put([], key: bad, mode: .overwrite) }
        }
    }
}

@Suite struct LakeLocationTests {
    @Test func parses() throws {
        #expect(try LakeLocation("/var/lake") == .local(path: "/var/lake"))
        #expect(try LakeLocation("./lake") == .local(path: "./lake"))
        #expect(try LakeLocation("s3://kb4-lake") == .s3(bucket: "kb4-lake", prefix: ""))
        #expect(try LakeLocation("s3://kb4-lake/") == .s3(bucket: "kb4-lake", prefix: ""))
        #expect(try LakeLocation("s3://kb4-lake/a/b/") == .s3(bucket: "kb4-lake", prefix: "a/b"))
        #expect(try LakeLocation("s3://kb4-lake/a/b").description == "s3://kb4-lake/a/b")
        for bad in ["s3://", "s3://Upper/x", "s3://ab", "s3://-x-/y", "s3://b_k/x", "gs://bucket/x", "", "s3://kb4/a//b", "s3://kb4-lake//a"] {
            #expect(throws: (any Error).self, "\(bad)") { try LakeLocation(bad) }
        }
    }

    @Test func localLocationGivesALocalStore() throws {
        let store = try LakeLocation("/tmp/some-lake/").makeStore()
        #expect((store as? LocalDirectoryStore)?.root == "/tmp/some-lake")
    }

    @Test func s3LocationUsesTheEnvironmentEndpoint() throws {
        let store = try LakeLocation("s3://kb4-lake/prod").makeStore(environment: [
            "AWS_ENDPOINT_URL": "http://localhost:9000", "AWS_DEFAULT_REGION": "eu-west-1", "HOME": "/nonexistent",
        ])
        let s3 = try #require(store as? S3ObjectStore)
        #expect(s3.client.endpoint.region == "eu-west-1")
        #expect(s3.client.endpoint.forcePathStyle)
        #expect(s3.description == "s3://kb4-lake/prod")
    }
}
