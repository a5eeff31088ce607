/// The lake's storage contract, modelled on Apache Arrow's Rust `object_store`: a flat namespace of keys
/// (`events/dt=2026-11-21/part-00000.ndjson.gz`, `_manifest.json`), whole objects only. An object is either absent
/// or complete: no reader ever sees a partial write, on either store. The lake's commit rules (data, then
/// `_SUCCESS`, then the manifest by compare-and-swap) live above this, so both stores share them.
public protocol ObjectStore: Sendable, CustomStringConvertible {
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
}

/// The precondition of a put, as a value (`object_store`'s `PutMode`).
public enum PutMode: Sendable, Equatable {
    /// Replace whatever is there.
    case overwrite
    /// Only if nothing is there (`If-None-Match: *`): how a lease or the first manifest is taken.
    case create
    /// Only if the object is still the version with this ETag (`If-Match`): compare-and-swap.
    case update(etag: String)
}

/// What a store knows about an object.
public struct ObjectMeta: Sendable, Equatable {
    /// The key, relative to the store's root.
    public let key: String
    /// Bytes.
    public let size: Int
    /// An opaque version tag: changes whenever the object is replaced; pass it back to `PutMode.update`.
    public let etag: String

    /// Creates object metadata.
    public init(key: String, size: Int, etag: String) {
        self.key = key
        self.size = size
        self.etag = etag
    }
}

/// Failures every store reports the same way.
public enum ObjectStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A `.create` found an object, or an `.update` found another version (or none): another writer was first.
    case preconditionFailed(store: String, key: String)
    /// A key the store cannot hold (empty, absolute, `..`, empty segments).
    case invalidKey(String)

    public var description: String {
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
    /// Puts a finished local file under `key` and drops the local copy: a rename on a local store, an upload
    /// (streamed from the file) otherwise.
    @discardableResult
    func publish(_ localPath: String, key: String) async throws -> ObjectMeta {
        if let local = self as? LocalDirectoryStore { return try await local.moveFile(localPath, key: key) }
        let meta = try await putFile(localPath, key: key)
        FileSystem.remove(localPath)
        return meta
    }
}
