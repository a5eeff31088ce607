package import Logging

/// The lake's storage contract, modelled on Apache Arrow's Rust `object_store`: a flat namespace of keys
/// (`events/dt=2026-11-21/part-00000.ndjson.gz`, `_manifest.json`), whole objects only. An object is either absent
/// or complete: no reader ever sees a partial write, on either store. The lake's commit rules (data, then
/// `_SUCCESS`, then the manifest by compare-and-swap) live above this, so both stores share them.
///
/// What differs between a directory and a bucket is said here too, as `object_store` puts `rename` and put modes
/// on its trait: publishing a finished file (a rename, or an upload), reading in place or through a download, the
/// writer's lock (an `flock`, or a lease object above the store), what a killed writer leaves behind. Outside
/// `Store/` nothing asks which store it has; the defaults in the extension below are an object store's.

package protocol ObjectStore: Sendable, CustomStringConvertible {
    /// Puts a finished local file under `key` (overwrite). The local file is left in place.
    @discardableResult
    func putFile(_ localPath: String, key: String) async throws -> ObjectMeta

    /// Puts small bytes under `key` with a precondition; `.create`/`.update` failing throws
    /// `ObjectStoreError.preconditionFailed`.
    @discardableResult
    func put(_ bytes: [UInt8], key: String, mode: PutMode) async throws -> ObjectMeta

    /// The bytes and metadata of `key`, or nil when absent.
    func get(_ key: String) async throws -> (bytes: [UInt8], meta: ObjectMeta)?

    /// Copies `key` into the local file `localPath` (created or replaced; streamed, whatever the object's size) and
    /// returns its metadata, or nil when absent (then `localPath` is untouched).
    func download(_ key: String, to localPath: String) async throws -> ObjectMeta?

    /// Size and ETag of `key`, or nil when absent (reads no data).
    func head(_ key: String) async throws -> ObjectMeta?

    /// Every object whose key starts with `prefix` (plain string prefix, not a directory), sorted by key.
    func list(prefix: String) async throws -> [ObjectMeta]

    /// Deletes `key`; deleting an absent key succeeds.
    func delete(_ key: String) async throws

    /// The names of the folders directly under the store's root (`acme` for keys `acme/…`), sorted; hidden ones
    /// (`.name`) left out. A bucket answers a `/`-delimited listing (one request per 1,000 names, however many objects
    /// are under them); the default walks `list`.
    func childNames() async throws -> [String]

    /// The store of the objects under `name/` (one path segment), sharing this store's connections: a lake among
    /// several under one prefix.
    func child(_ name: String) throws -> any ObjectStore

    /// Requests sent to a remote store so far (every attempt); nil for a local directory, which sends none.
    var requestsSent: Int? { get }

    // MARK: Where a directory and a bucket differ (the defaults below are an object store's)

    /// Puts a finished local file under `key` and consumes it: a rename in a local directory (a commit stays a
    /// rename when the work directory is on its file system), an upload streamed from the file elsewhere.
    @discardableResult
    func publish(_ localPath: String, key: String) async throws -> ObjectMeta

    /// Makes the objects under `prefix` (ending in `/`) exactly the files of `localDirectory`, consuming it: one
    /// directory rename in a local directory; elsewhere each file is put, then the objects it lacks are deleted.
    func publishDirectory(_ localDirectory: String, prefix: String) async throws

    /// Streams the object `key` through `body` in chunks, memory flat whatever its size: read in place from a
    /// local directory; elsewhere downloaded to the local file `scratch` first (removed afterwards). Nil when absent.
    func read(_ key: String, scratch: String, _ body: (UnsafeRawBufferPointer) throws -> Void) async throws
        -> ObjectMeta?

    /// The local directory holding the objects under `prefix` as files, to be read in place; nil when the store has
    /// none (download them).
    func localDirectory(prefix: String) -> String?

    /// Writes `bytes` under `key` at once when that is cheap (a local file replaced atomically, without fsync) and
    /// returns true; returns false, writing nothing, when a put is a request (the caller then writes behind).
    func putCheaply(_ bytes: [UInt8], key: String) throws -> Bool

    /// A lock for this process alone that the kernel frees when the process dies (an `flock` in a local
    /// directory); nil when the store cannot hold one, so the lake takes a lease object instead.
    func lockForProcess() throws -> DirectoryLock?

    /// The process holding `lockForProcess`'s lock now (pid and since when); nil when none does or the store has
    /// no such lock.
    func processLockHolder() -> (pid: String, since: Double)?

    /// Removes what killed writers left behind (temporary names). Nothing for a store whose puts are whole.
    func removeLeftovers(logger: Logger)

    /// Whether the store's root exists (a local directory); a bucket is taken to exist until a request says not.
    var exists: Bool { get }

    /// Where its objects are, in messages: `on disk` or `in the store`.
    var placeName: String { get }
}

/// The precondition of a put, as a value (`object_store`'s `PutMode`).
package enum PutMode: Sendable, Equatable {
    /// Replace whatever is there.
    case overwrite
    /// Only if nothing is there (`If-None-Match: *`): how a lease or the first manifest is taken.
    case create
    /// Only if the object is still the version with this ETag (`If-Match`): compare-and-swap.
    case update(etag: String)
}

/// What a store knows about an object.
package struct ObjectMeta: Sendable, Equatable {
    /// The key, relative to the store's root.
    package let key: String
    /// Bytes.
    package let size: Int
    /// An opaque version tag: changes whenever the object is replaced; pass it back to `PutMode.update`.
    package let etag: String

    /// Creates object metadata.
    package init(key: String, size: Int, etag: String) {
        self.key = key
        self.size = size
        self.etag = etag
    }
}

/// Failures every store reports the same way.
enum ObjectStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A `.create` found an object, or an `.update` found another version (or none): another writer was first.
    case preconditionFailed(store: String, key: String)
    /// A key the store cannot hold (empty, absolute, `..`, empty segments).
    case invalidKey(String)

    package var description: String {
        switch self {
        case .preconditionFailed(let store, let key):
            return "\(store)/\(key): precondition failed: another writer changed it (or it already exists)"
        case .invalidKey(let key): return "invalid object key \"\(key)\""
        }
    }

    /// Checks a key: relative, no empty, `.` or `..` segments, no NUL.
    static func validate(_ key: String) throws {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard !key.isEmpty, !key.contains("\0"), parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
            throw ObjectStoreError.invalidKey(key)
        }
    }
}

extension ObjectStore {
    @discardableResult
    func publish(_ localPath: String, key: String) async throws -> ObjectMeta {
        let meta = try await putFile(localPath, key: key)
        FileSystem.remove(localPath)
        return meta
    }

    func publishDirectory(_ localDirectory: String, prefix: String) async throws {
        var kept = Set<String>()
        for name in FileSystem.list(localDirectory) {
            try await putFile(localDirectory + "/" + name, key: prefix + name)
            kept.insert(prefix + name)
        }
        for object in try await list(prefix: prefix) where !kept.contains(object.key) {
            try await delete(object.key)
        }
        FileSystem.removeTree(localDirectory)
    }

    package func read(_ key: String, scratch: String, _ body: (UnsafeRawBufferPointer) throws -> Void) async throws
        -> ObjectMeta?
    {
        try FileSystem.makeDirectories(FileSystem.split(scratch).0)
        defer { FileSystem.remove(scratch) }
        guard let meta = try await download(key, to: scratch) else { return nil }
        try FileSystem.forEachChunk(scratch, size: 1 << 20, body)
        return meta
    }

    package func childNames() async throws -> [String] {
        var names: Set<String> = []
        for object in try await list(prefix: "") {
            guard let slash = object.key.firstIndex(of: "/") else { continue }
            let name = String(object.key[..<slash])
            if !name.hasPrefix(".") { names.insert(name) }
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    package var requestsSent: Int? { nil }
    func localDirectory(prefix: String) -> String? { nil }
    func putCheaply(_ bytes: [UInt8], key: String) throws -> Bool { false }
    func lockForProcess() throws -> DirectoryLock? { nil }
    func processLockHolder() -> (pid: String, since: Double)? { nil }
    func removeLeftovers(logger: Logger) {}
    package var exists: Bool { true }
    var placeName: String { "in the store" }
}
