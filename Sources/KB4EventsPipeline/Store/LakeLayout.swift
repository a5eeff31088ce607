import Foundation
import Logging
package import KB4EventsCore

#if canImport(Glibc)
    import Glibc
#endif

/// Where everything lives under a lake root (README "Layout on disk"): the lake's keys in its one `ObjectStore`,
/// and a local work directory for what is not the lake yet (staged data files, staged raw pages, spill runs).
/// `open` is the one place a lake's location becomes a store.
package struct LakeLayout: Sendable {
    /// The lake root (`--out`).
    package let root: String
    /// The lake: every object of it is written through this store.
    package let store: any ObjectStore
    /// Local scratch, never read by a reader of the lake. For a local lake it is `<root>/.kb4-work` (hidden, on the
    /// lake's file system, so a commit stays a rename); each run works in its own `<workRoot>/<run id>`.
    let workRoot: String

    /// Creates a layout for the local lake at `root` (trailing slashes ignored).
    package init(root: String) {
        var r = root
        while r.count > 1 && r.hasSuffix("/") { r.removeLast() }
        self.root = r
        self.store = LocalDirectoryStore(root: r)
        self.workRoot = r + "/.kb4-work"
    }

    /// The lake at `location` (`--out` / `output.dir`: a path or `s3://bucket/prefix`). A local lake works in
    /// `<lake>/.kb4-work`; a lake in object storage in a directory of this process's own under `$TMPDIR` (created
    /// by the run, removed at its end), since runs on other machines share the lake but not the disk.
    package static func open(
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

    /// Removes what killed runs left (the lock guarantees no other run owns it): the work directory, the scratch
    /// directories of processes no longer alive beside it (`kb4-events-work-<pid>-…`: runs killed with `kill -9` on
    /// a lake in object storage; a live process's is never touched), and the store's temporary names.
    func removeLeftovers(logger: Logger) {
        FileSystem.removeTree(workRoot)
        let (parent, _) = FileSystem.split(workRoot)
        for name in FileSystem.list(parent) where name.hasPrefix("kb4-events-work-") {
            guard let pid = Int(name.dropFirst("kb4-events-work-".count).prefix { $0 != "-" }),
                FileSystem.processIsGone(pid)
            else { continue }
            logger.info("removing a killed run's scratch directory", metadata: ["path": "\(parent)/\(name)"])
            FileSystem.removeTree(parent + "/" + name)
        }
        store.removeLeftovers(logger: logger)
    }

    /// Where the lake is, as a user gave it (a path or `s3://bucket/prefix`): for messages and for what a reader
    /// is told (a table's location), never to decide how to write.
    package var location: LakeLocation { (try? LakeLocation(root)) ?? .local(path: root) }

    /// Creates a layout for a lake in `store`, shown as `root`, with its scratch under `workRoot`.
    package init(root: String, store: any ObjectStore, workRoot: String) {
        self.root = root
        self.store = store
        self.workRoot = workRoot
    }

    // MARK: - Keys in the store

    /// `_manifest.json`.
    static let manifestKey = "_manifest.json"
    /// `_state/calls.json`: the calls spent per UTC day.
    static let callsKey = "_state/calls.json"
    /// `_state/last_run.json`: what the last export did.
    static let lastRunKey = "_state/last_run.json"
    /// `events/dt=D/`: prefix of a partition's objects.
    func partitionKey(_ day: Day) -> String { "events/dt=\(day)/" }
    /// `events/dt=D/_SUCCESS`.
    func successKey(_ day: Day) -> String { "events/dt=\(day)/_SUCCESS" }
    /// `_raw/dt=D/`: prefix of a day's kept raw pages.
    package func rawPartitionKey(_ day: Day) -> String { "_raw/dt=\(day)/" }

    // MARK: - Local work directory

    /// The run's scratch directory.
    func work(tag: String) -> String { workRoot + "/" + tag }
    /// Where a run stages a day's data file before the commit.
    func stagedDataFile(_ day: Day, format: OutputFormat, tag: String) -> String {
        work(tag: tag) + "/dt=\(day)/" + FileSystem.split(dataFileRelative(day, format: format)).1
    }
    /// Where a run stages a day's raw pages.
    func stagedRaw(_ day: Day, tag: String) -> String { work(tag: tag) + "/raw/dt=\(day)" }
    /// Spill runs of a day sorted from its raw pages.
    func spill(_ day: Day, tag: String) -> String { work(tag: tag) + "/spill-\(day)" }

    // MARK: - Names

    /// Path of the day's data file relative to the root, as recorded in the manifest.
    func dataFileRelative(_ day: Day, format: OutputFormat) -> String {
        "events/dt=\(day)/part-00000.\(format.fileSuffix)"
    }
    /// Name of the raw page file number `page`.
    static func rawPageName(_ page: Int) -> String {
        let s = String(page)
        return "page-" + String(repeating: "0", count: max(0, 5 - s.count)) + s + ".json.gz"
    }
}
