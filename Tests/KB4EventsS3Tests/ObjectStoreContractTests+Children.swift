import Foundation
@testable import KB4EventsPipeline
import Testing

extension ObjectStoreContractTests {
    /// The folders under a root, and a folder as a store of its own: how a fleet of lakes under one prefix is read.
    @Test(arguments: kinds) func childNamesAndChildStores(_ kind: Kind) async throws {
        let (store, cleanup) = try await makeStore(kind)
        defer { cleanup() }
        #expect(try await store.childNames() == [])
        for key in ["acme/_manifest.json", "acme/events/dt=2026-11-21/_SUCCESS", "globex/_state/last_run.json", "top.json"] {
            try await store.put(Array(key.utf8), key: key, mode: .overwrite)
        }
        #expect(try await store.childNames() == ["acme", "globex"], "folders only, one level, sorted")

        let acme = try store.child("acme")
        #expect(acme.description == store.description + "/acme")
        #expect(try await acme.get("_manifest.json")?.bytes == Array("acme/_manifest.json".utf8))
        #expect(try await acme.childNames() == ["events"])
        #expect(try await acme.get("_state/last_run.json") == nil, "globex's objects are not acme's")
        try await acme.put([1], key: "_state/calls.json", mode: .create)
        #expect(try await store.head("acme/_state/calls.json")?.size == 1, "a child writes under its folder")
        #expect(throws: ObjectStoreError.self) { try store.child("..") }
    }
}
