/// Where everything lives under a lake root (README "Layout on disk").
public struct LakeLayout: Sendable {
    /// The lake root (`--out`).
    public let root: String

    /// Creates a layout for `root` (trailing slashes ignored).
    public init(root: String) {
        var r = root
        while r.count > 1 && r.hasSuffix("/") { r.removeLast() }
        self.root = r
    }

    /// `_manifest.json`.
    public var manifest: String { root + "/_manifest.json" }
    /// `events/`.
    public var events: String { root + "/events" }
    /// `_raw/`.
    public var raw: String { root + "/_raw" }
    /// `_state/`: the call ledger and run records (not data).
    public var state: String { root + "/_state" }

    /// `events/dt=D`.
    public func partition(_ day: Day) -> String { events + "/dt=\(day)" }
    /// Path of the day's data file relative to the root, as recorded in the manifest.
    public func dataFileRelative(_ day: Day, format: OutputFormat) -> String {
        "events/dt=\(day)/part-00000.\(format.rawValue).gz"
    }
    /// `events/dt=D/_SUCCESS`.
    public func successMarker(_ day: Day) -> String { partition(day) + "/_SUCCESS" }
    /// `_raw/dt=D` (kept raw pages).
    public func rawPartition(_ day: Day) -> String { raw + "/dt=\(day)" }
    /// Staging for one run's raw pages of a day (hidden, removed or promoted when the day is done).
    public func rawStaging(_ day: Day, tag: String) -> String { raw + "/.staging-\(tag)/dt=\(day)" }
    /// The run's staging root.
    public func rawStagingRoot(tag: String) -> String { raw + "/.staging-\(tag)" }
    /// Name of the raw page file number `page`.
    public static func rawPageName(_ page: Int) -> String {
        let s = String(page)
        return "page-" + String(repeating: "0", count: max(0, 5 - s.count)) + s + ".json.gz"
    }
}
