import KB4EventsAPI
package import KB4EventsCore

/// The record of complete windows (`_manifest.json`, version 1): what is in the lake and how it got there.
package struct Manifest: Sendable, Equatable {
    /// The version this tool writes. It reads every version from 1 up to this one (a lake written by an older
    /// kb4-events), and refuses a newer one (exit 78) without touching the lake.
    static let currentVersion = 1

    /// One data file of a window.
    package struct FileEntry: Sendable, Equatable {
        package var path: String
        package var bytes: Int
        package var sha256: String
        package var rows: Int
        /// The store's version tag of the object as this tool wrote or last checked it: a `head` that shows another
        /// tag means the object was replaced or edited behind the manifest's back (absent in older manifests).
        package var etag: String? = nil
        /// Parquet: the sha256 of the file's pages before compression (`content_sha256`), which the same rows give
        /// whatever the codec and its library's version; absent for the text formats and in older manifests.
        package var contentSHA256: String? = nil
    }

    /// One complete day.
    package struct DayRecord: Sendable, Equatable {
        package var status: String = "complete"
        package var events: Int
        var revision: Int
        package var files: [FileEntry]
        var apiCalls: Int
        var duplicatesDropped: Int
        var firstOccurred: String?
        var lastOccurred: String?
        var completedAt: String
        var checkedAt: String
        package var runID: String
        package var toolVersion: String
        /// Fields this version does not know, kept as read.
        package var extra: JSONObject = JSONObject()
    }

    package var format: OutputFormat
    package var baseURL: String
    /// The API's day filter offset the lake was exported with (absent: +00:00, UTC days).
    package var dayFilterOffset: DayFilterOffset?
    package var days: [Day: DayRecord]
    /// Top-level fields this version does not know, kept as read.
    package var extra: JSONObject = JSONObject()

    /// An empty manifest for a new lake.
    package init(format: OutputFormat, baseURL: String) {
        self.format = format
        self.baseURL = baseURL
        self.days = [:]
    }

    /// Days recorded as complete.
    var completeDays: Set<Day> {
        Set(days.filter { $0.value.status == "complete" }.keys)
    }
}

extension Manifest {
    /// Reads a manifest file; nil when it does not exist.
    package static func load(from path: String) throws -> Manifest? {
        guard FileSystem.exists(path) else { return nil }
        let bytes: [UInt8]
        do { bytes = try FileSystem.read(path) } catch {
            throw PipelineError(stage: .manifest, category: .output, code: "read", message: "\(error)")
        }
        return try decode(bytes, name: path)
    }

    static func decode(_ bytes: [UInt8], name path: String) throws -> Manifest {
        do {
            return try Manifest(json: try JSONParser.parse(bytes))
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError(
                stage: .manifest, category: .configuration, code: "unreadable",
                message: "\(path) is not valid JSON: \(error); fix or move it away (the data files are untouched)")
        }
    }

    /// Reads `_manifest.json` from the lake's store with the version tag to replace it by; nil when absent.
    package static func load(from store: any ObjectStore) async throws -> (manifest: Manifest, etag: String)? {
        let found: (bytes: [UInt8], meta: ObjectMeta)?
        do { found = try await store.get(LakeLayout.manifestKey) } catch {
            throw PipelineError.store(error, stage: .manifest)
        }
        guard let found else { return nil }
        return (try decode(found.bytes, name: "\(store)/\(LakeLayout.manifestKey)"), found.meta.etag)
    }

    /// Replaces `_manifest.json` by compare-and-swap: only if it is still the version `etag` (nil: only if there is
    /// none yet). Returns the new version's tag. Another writer's change stops the run (temporary: exit 75), and
    /// nothing is lost: the data objects already put are the ones the next run's manifest records.
    package func save(to store: any ObjectStore, replacing etag: String?) async throws -> String {
        do {
            return try await store.put(bytes, key: LakeLayout.manifestKey, mode: etag.map { .update(etag: $0) } ?? .create)
                .etag
        } catch let error as ObjectStoreError {
            guard case .preconditionFailed = error else {
                throw PipelineError(stage: .manifest, category: .output, code: "write", message: "\(error)")
            }
            throw PipelineError(
                stage: .manifest, category: .temporary, code: "manifest_changed",
                message:
                    "\(store)/\(LakeLayout.manifestKey) was changed by another writer during this run; stopping without overwriting it (the days written so far are recorded by the next run)"
            )
        } catch {
            throw PipelineError.store(error, stage: .manifest)
        }
    }

    /// The manifest as written: pretty JSON and a newline.
    var bytes: [UInt8] {
        var out: [UInt8] = []
        json.writePretty(into: &out)
        out.append(UInt8(ascii: "\n"))
        return out
    }

    init(json: JSONValue) throws {
        func bad(_ key: String, _ why: String) -> PipelineError {
            PipelineError(
                stage: .manifest, category: .configuration, code: "invalid", message: "_manifest.json: \(key): \(why)")
        }
        guard case .object(let root) = json else { throw bad("(root)", "not an object") }
        guard case .number(let v)? = root["version"], let version = Int(v), version >= 1 else {
            throw bad("version", "missing or not a whole number from 1")
        }
        guard version <= Manifest.currentVersion else {
            throw PipelineError(
                stage: .manifest, category: .configuration, code: "newer_version",
                message:
                    "_manifest.json: version \(version) was written by a newer kb4-events\(Manifest.writer(of: root)); this one reads versions up to \(Manifest.currentVersion): upgrade kb4-events to use this lake (it was left as it is)"
            )
        }
        guard let f = root["format"]?.stringValue, let format = OutputFormat(rawValue: f) else {
            throw bad("format", "missing or not ndjson/csv/parquet")
        }
        self.init(format: format, baseURL: root["base_url"]?.stringValue ?? "")
        if let text = root["day_filter_offset"]?.stringValue {
            guard let offset = DayFilterOffset(text) else { throw bad("day_filter_offset", "'\(text)' is not an offset") }
            dayFilterOffset = offset
        }
        var extra = JSONObject()
        for (key, value) in zip(root.keys, root.values)
        where !["version", "format", "base_url", "day_filter_offset", "windows"].contains(key) {
            extra.append(key, value)
        }
        self.extra = extra
        guard case .object(let days)? = root["windows"] else { throw bad("windows", "missing") }
        for (key, value) in zip(days.keys, days.values) {
            guard let day = Day(key) else { throw bad("windows", "'\(key)' is not a YYYY-MM-DD day") }
            guard case .object(let w) = value else { throw bad("windows.\(key)", "not an object") }
            func int(_ k: String) throws -> Int {
                guard case .number(let t)? = w[k], let n = Int(t) else { throw bad("windows.\(key).\(k)", "missing") }
                return n
            }
            func str(_ k: String) -> String? { w[k]?.stringValue }
            var files: [FileEntry] = []
            for file in w["files"]?.arrayValue ?? [] {
                guard case .object(let fo) = file, let path = fo["path"]?.stringValue,
                    let sha = fo["sha256"]?.stringValue,
                    case .number(let b)? = fo["bytes"], let bytes = Int(b), case .number(let r)? = fo["rows"],
                    let rows = Int(r)
                else { throw bad("windows.\(key).files", "entry lacks path/bytes/sha256/rows") }
                files.append(
                    FileEntry(
                        path: path, bytes: bytes, sha256: sha, rows: rows, etag: fo["etag"]?.stringValue,
                        contentSHA256: fo["content_sha256"]?.stringValue))
            }
            let known: Set<String> = [
                "status", "events", "revision", "files", "api_calls", "duplicates_dropped", "first_occurred",
                "last_occurred", "completed_at", "checked_at", "run_id", "tool_version",
            ]
            var wextra = JSONObject()
            for (k, v) in zip(w.keys, w.values) where !known.contains(k) { wextra.append(k, v) }
            self.days[day] = DayRecord(
                status: str("status") ?? "complete", events: try int("events"), revision: try int("revision"),
                files: files, apiCalls: (try? int("api_calls")) ?? 0,
                duplicatesDropped: (try? int("duplicates_dropped")) ?? 0, firstOccurred: str("first_occurred"),
                lastOccurred: str("last_occurred"), completedAt: str("completed_at") ?? "",
                checkedAt: str("checked_at") ?? "", runID: str("run_id") ?? "", toolVersion: str("tool_version") ?? "",
                extra: wextra)
        }
    }

    /// " (0.2.0)": the `tool_version` of the latest day in a manifest's JSON, for messages; "" when it has none.
    static func writer(of root: JSONObject) -> String {
        guard case .object(let days)? = root["windows"] else { return "" }
        let latest = zip(days.keys, days.values).max { $0.0 < $1.0 }
        guard case .object(let w)? = latest?.1, let tool = w["tool_version"]?.stringValue, !tool.isEmpty else { return "" }
        return " (\(tool))"
    }

    /// The manifest as JSON, windows in day order.
    package var json: JSONValue {
        var root = JSONObject()
        root.append("version", .number(String(Manifest.currentVersion)))
        root.append("format", .string(format.rawValue))
        root.append("base_url", .string(baseURL))
        if let dayFilterOffset { root.append("day_filter_offset", .string(dayFilterOffset.description)) }
        var ws = JSONObject()
        for day in days.keys.sorted() {
            let w = days[day]!
            var o = JSONObject()
            o.append("status", .string(w.status))
            o.append("events", .number(String(w.events)))
            o.append("revision", .number(String(w.revision)))
            o.append(
                "files",
                .array(
                    w.files.map { f in
                        var fo = JSONObject()
                        fo.append("path", .string(f.path))
                        fo.append("bytes", .number(String(f.bytes)))
                        fo.append("sha256", .string(f.sha256))
                        fo.append("rows", .number(String(f.rows)))
                        if let etag = f.etag { fo.append("etag", .string(etag)) }
                        if let content = f.contentSHA256 { fo.append("content_sha256", .string(content)) }
                        return .object(fo)
                    }))
            o.append("api_calls", .number(String(w.apiCalls)))
            o.append("duplicates_dropped", .number(String(w.duplicatesDropped)))
            o.append("first_occurred", w.firstOccurred.map(JSONValue.string) ?? .null)
            o.append("last_occurred", w.lastOccurred.map(JSONValue.string) ?? .null)
            o.append("completed_at", .string(w.completedAt))
            o.append("checked_at", .string(w.checkedAt))
            o.append("run_id", .string(w.runID))
            o.append("tool_version", .string(w.toolVersion))
            for (k, v) in zip(w.extra.keys, w.extra.values) { o.append(k, v) }
            ws.append(day.description, .object(o))
        }
        root.append("windows", .object(ws))
        for (k, v) in zip(extra.keys, extra.values) { root.append(k, v) }
        return .object(root)
    }
}
