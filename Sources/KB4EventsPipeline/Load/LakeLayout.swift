public import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Where everything lives under a lake root (README "Layout on disk"): the lake's keys in its one `ObjectStore`,
/// and a local work directory for what is not the lake yet (staged data files, staged raw pages, spill runs).
public struct LakeLayout: Sendable {
    /// The lake root (`--out`).
    public let root: String
    /// The lake: every object of it is written through this store.
    public let store: any ObjectStore
    /// Local scratch, never read by a reader of the lake. For a local lake it is `<root>/.kb4-work` (hidden, on the
    /// lake's file system, so a commit stays a rename); each run works in its own `<workRoot>/<run id>`.
    public let workRoot: String

    /// Creates a layout for the local lake at `root` (trailing slashes ignored).
    public init(root: String) {
        var r = root
        while r.count > 1 && r.hasSuffix("/") { r.removeLast() }
        self.root = r
        self.store = LocalDirectoryStore(root: r)
        self.workRoot = r + "/.kb4-work"
    }

    /// The lake at `location` (`--out` / `output.dir`: a path or `s3://bucket/prefix`). A local lake works in
    /// `<lake>/.kb4-work`; a lake in object storage in a directory of this process's own under `$TMPDIR` (created
    /// by the run, removed at its end), since runs on other machines share the lake but not the disk.
    public static func open(
        _ location: String, s3: LakeLocation.S3Options? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> LakeLayout {
        let parsed = try LakeLocation(location)
        if case .local(let path) = parsed {
            if s3 != nil { throw LakeLocationError("output.s3 is set, but the lake \(path) is a local directory") }
            return LakeLayout(root: path)
        }
        var tmp = environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        while tmp.count > 1 && tmp.hasSuffix("/") { tmp.removeLast() }
        let unique = "kb4-events-work-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        return LakeLayout(
            root: parsed.description, store: try parsed.makeStore(options: s3 ?? .init(), environment: environment),
            workRoot: tmp + "/" + unique)
    }

    /// Removes the scratch directories (`kb4-events-work-<pid>-…`) that processes no longer alive left beside
    /// `workRoot` (runs killed with `kill -9`, on a lake in object storage). A live process's is never touched.
    static func removeDeadProcessesWork(beside workRoot: String, logger: Logger) {
        let (parent, _) = FileSystem.split(workRoot)
        for name in FileSystem.list(parent) where name.hasPrefix("kb4-events-work-") {
            guard let pid = Int32(name.dropFirst("kb4-events-work-".count).prefix { $0 != "-" }), pid != getpid(),
                kill(pid, 0) != 0 && errno == ESRCH
            else { continue }
            logger.info("removing a killed run's scratch directory", metadata: ["path": "\(parent)/\(name)"])
            FileSystem.removeTree(parent + "/" + name)
        }
    }

    /// The lake's directory when it is a local lake; nil for a lake in object storage.
    public var localRoot: String? { (store as? LocalDirectoryStore)?.root }

    /// Creates a layout for a lake in `store`, shown as `root`, with its scratch under `workRoot`.
    public init(root: String, store: any ObjectStore, workRoot: String) {
        self.root = root
        self.store = store
        self.workRoot = workRoot
    }

    // MARK: - Keys in the store

    /// `_manifest.json`.
    public static let manifestKey = "_manifest.json"
    /// `_state/calls.json`: the calls spent per UTC day.
    public static let callsKey = "_state/calls.json"
    /// `_state/last_run.json`: what the last export did.
    public static let lastRunKey = "_state/last_run.json"
    /// `events/dt=D/`: prefix of a partition's objects.
    public func partitionKey(_ day: Day) -> String { "events/dt=\(day)/" }
    /// `events/dt=D/_SUCCESS`.
    public func successKey(_ day: Day) -> String { "events/dt=\(day)/_SUCCESS" }
    /// `_raw/dt=D/`: prefix of a day's kept raw pages.
    public func rawPartitionKey(_ day: Day) -> String { "_raw/dt=\(day)/" }

    // MARK: - Local work directory

    /// The run's scratch directory.
    public func work(tag: String) -> String { workRoot + "/" + tag }
    /// Where a run stages a day's data file before the commit.
    func stagedDataFile(_ day: Day, format: OutputFormat, tag: String) -> String {
        work(tag: tag) + "/dt=\(day)/" + FileSystem.split(dataFileRelative(day, format: format)).1
    }
    /// Where a run stages a day's raw pages.
    func stagedRaw(_ day: Day, tag: String) -> String { work(tag: tag) + "/raw/dt=\(day)" }
    /// Spill runs of a day sorted from its raw pages.
    func spill(_ day: Day, tag: String) -> String { work(tag: tag) + "/spill-\(day)" }

    // MARK: - Local paths (local lakes only: removing a crashed run's temporary files)

    /// `events/`.
    var events: String { root + "/events" }
    /// `_raw/`.
    var raw: String { root + "/_raw" }
    /// `_state/`: the call ledger and run records (not data).
    var state: String { root + "/_state" }

    /// Path of the day's data file relative to the root, as recorded in the manifest.
    public func dataFileRelative(_ day: Day, format: OutputFormat) -> String {
        "events/dt=\(day)/part-00000.\(format.rawValue).gz"
    }
    /// Name of the raw page file number `page`.
    public static func rawPageName(_ page: Int) -> String {
        let s = String(page)
        return "page-" + String(repeating: "0", count: max(0, 5 - s.count)) + s + ".json.gz"
    }
}
