import KB4EventsAPI
package import KB4EventsCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the last `sync` or `backfill` on a lake did (`_state/last_run.json`): written atomically after every
/// run, success or failure, with the exit code, so `status` and dashboards can tell without reading logs.
package struct RunRecord: Sendable, Equatable {
    /// `sync` or `backfill`.
    package var command: String
    /// The run's id (as in the manifest).
    package var runID: String
    /// `YYYY-MM-DDTHH:MM:SSZ` when the run started and ended.
    package var startedAt: String
    var finishedAt: String
    /// The process exit code (0 on success).
    package var exitCode: Int
    /// The error that stopped the run (nil on success); never holds a key.
    package var error: String?
    /// What the run did (a failed run: what it did before stopping).
    package var summary: RunSummary
    /// The account the run was for (`account`; absent from records older kb4-events wrote).
    package var account: String?

    /// `success` when the exit code is 0, `interrupted` for 130/143 (SIGINT/SIGTERM), else `failure`.
    package var outcome: String { Self.outcome(exitCode: exitCode) }

    /// The outcome an exit code stands for.
    package static func outcome(exitCode: Int) -> String {
        switch exitCode {
        case 0: return "success"
        case 130, 143: return "interrupted"
        default: return "failure"
        }
    }

    /// The record as JSON.
    package var json: JSONValue {
        func int(_ v: Int) -> JSONValue { .number(String(v)) }
        return .object(
            JSONObject([
                ("version", int(1)), ("command", .string(command)), ("account", account.map(JSONValue.string) ?? .null),
                ("run_id", .string(runID)),
                ("started_at", .string(startedAt)), ("finished_at", .string(finishedAt)),
                ("outcome", .string(outcome)), ("exit_code", int(exitCode)),
                ("error", error.map(JSONValue.string) ?? .null),
            ] + summary.jsonFields))
    }

    /// Reads the lake's last run record; nil when there is none or it cannot be read.
    package static func load(from layout: LakeLayout) async -> RunRecord? {
        try? await read(from: layout.store)
    }

    /// Reads the last run record in `store`; nil when there is none. Throws when the store fails or the object is
    /// not a run record.
    package static func read(from store: any ObjectStore) async throws -> RunRecord? {
        let found: (bytes: [UInt8], meta: ObjectMeta)?
        do { found = try await store.get(LakeLayout.lastRunKey) } catch { throw PipelineError.store(error, stage: .run) }
        guard let found else { return nil }
        guard let json = try? JSONParser.parse(found.bytes), let record = RunRecord(json: json) else {
            throw PipelineError(
                stage: .run, category: .configuration, code: "run_record_unreadable",
                message: "\(store)/\(LakeLayout.lastRunKey) is not a run record")
        }
        return record
    }

    /// The version of the lake's run record a run saw when it started: the run replaces only that version.
    package enum Version: Sendable, Equatable {
        /// No record yet: the run creates it (`If-None-Match: *`).
        case absent
        /// The record's ETag: the run replaces it only if it is still this one (`If-Match`).
        case etag(String)
        /// It could not be read (the store failed): the run overwrites it.
        case unknown
    }

    /// The version of the lake's record now (one `head`).
    package static func version(in layout: LakeLayout) async -> Version {
        do { return try await layout.store.head(LakeLayout.lastRunKey).map { .etag($0.etag) } ?? .absent } catch {
            return .unknown
        }
    }

    /// Writes the record whole through the lake's store (a local lake: temp in `_state/` + rename) if the record
    /// is still the `version` this run saw at its start: a run whose lease another run took over (it stalled past
    /// the lease's expiry) does not overwrite the newer run's record (`PipelineError` code `run_record_changed`). A
    /// local lake whose directory does not exist gets none (a run that never reached its lake leaves no trace).
    func save(to layout: LakeLayout, replacing version: Version) async throws {
        guard layout.store.exists else {
            throw FileError(operation: "record the last run in", path: layout.root, code: ENOENT)
        }
        var out: [UInt8] = []
        json.writePretty(into: &out)
        out.append(UInt8(ascii: "\n"))
        let mode: PutMode
        switch version {
        case .absent: mode = .create
        case .etag(let etag): mode = .update(etag: etag)
        case .unknown: mode = .overwrite
        }
        do { try await layout.store.put(out, key: LakeLayout.lastRunKey, mode: mode) } catch ObjectStoreError.preconditionFailed {
            throw PipelineError(
                stage: .run, category: .temporary, code: "run_record_changed",
                message: "another run recorded itself in \(layout.root)/\(LakeLayout.lastRunKey) meanwhile; its record is kept")
        } catch {
            throw PipelineError.store(error, stage: .run)
        }
    }
}

extension RunSummary {
    /// The counts as JSON fields, shared by `_state/last_run.json` and the `--output json` summary.
    package var jsonFields: [(String, JSONValue)] {
        func int(_ v: Int) -> JSONValue { .number(String(v)) }
        return [
            ("days_written", int(daysWritten)), ("days_unchanged", int(daysUnchanged)),
            ("days_skipped", int(daysSkipped)), ("events", int(events)),
            ("api_calls", int(apiCalls)), ("retries", int(retries)),
            ("throttled", int(throttled)), ("unused_requests", int(unusedRequests)),
            ("peak_in_flight", int(peakInFlight)),
            ("duration_seconds", .number(String((durationSeconds * 1000).rounded() / 1000))),
        ]
    }
}

extension RunRecord {
    /// Reads a record from its JSON; nil when it is not one.
    package init?(json: JSONValue) {
        func int(_ key: String) -> Int { json[key]?.numberText.flatMap { Int($0) } ?? 0 }
        guard let command = json["command"]?.stringValue, let code = json["exit_code"]?.numberText.flatMap({ Int($0) })
        else { return nil }
        var summary = RunSummary()
        summary.daysWritten = int("days_written")
        summary.daysUnchanged = int("days_unchanged")
        summary.daysSkipped = int("days_skipped")
        summary.events = int("events")
        summary.apiCalls = int("api_calls")
        summary.retries = int("retries")
        summary.throttled = int("throttled")
        summary.unusedRequests = int("unused_requests")
        summary.peakInFlight = int("peak_in_flight")
        summary.durationSeconds = json["duration_seconds"]?.numberText.flatMap { Double($0) } ?? 0
        self.init(
            command: command, runID: json["run_id"]?.stringValue ?? "",
            startedAt: json["started_at"]?.stringValue ?? "", finishedAt: json["finished_at"]?.stringValue ?? "",
            exitCode: code, error: json["error"]?.stringValue, summary: summary, account: json["account"]?.stringValue)
    }
}
