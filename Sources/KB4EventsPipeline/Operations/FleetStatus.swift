import Foundation
package import KB4EventsCore

/// A view of many lakes for operators: one row per lake found one level under a folder or prefix (`lakes/acme`,
/// `s3://bucket/lakes/acme`), with its account, its last run, how far it is behind yesterday, its gaps and the calls
/// it used today, and whether it needs attention. The rules of gaps and days behind are `LakeStatus`'s.
///
/// A lake is a folder holding `_manifest.json` or `_state/last_run.json`; other folders are listed apart and nested
/// folders are not searched. Reading costs one listing of the folder's names (a `/`-delimited listing in a bucket:
/// one request per 1,000 names) and at most three reads per lake (the run record, the manifest, the call ledger),
/// with at most `maxInFlight` lakes read at once, so at most that many requests in flight. A lake that cannot be read
/// is a row that says so; it never stops the view.
package struct FleetStatus: Sendable {
    /// Why a lake needs attention.
    package enum Attention: String, Sendable, CaseIterable {
        /// The last run ended with an exit code other than 0 and 75 (interrupted runs included), as the metrics alert.
        case failed
        /// The last run finished longer ago than `staleHours`, or the last complete day is more than
        /// `maxDaysBehind` days before yesterday (or no day is complete).
        case stale
        /// More than `maxGapDays` days missing before the last complete day.
        case gaps
        /// The lake could not be read (store failure, a file that is not what it should be).
        case unreadable
    }

    /// When a lake needs attention.
    package struct Thresholds: Sendable, Equatable {
        /// A last run that finished longer ago than this many hours is stale (36: a nightly run was missed).
        package var staleHours: Double = 36
        /// More days than this between the last complete day and yesterday is stale (1: the nightly run may not
        /// have run yet today).
        package var maxDaysBehind: Int = 1
        /// More missing days than this before the last complete day are gaps.
        package var maxGapDays: Int = 0

        /// The defaults.
        package init() {}

        /// Why `status` needs attention at `now` (epoch seconds), in `Attention` order; empty when it does not.
        package func attention(_ status: LakeStatus, now: Double) -> [Attention] {
            var reasons: [Attention] = []
            if let run = status.lastRun, run.exitCode != 0, run.exitCode != 75 { reasons.append(.failed) }
            let finished = status.lastRun.flatMap { parseTimestampMillis($0.finishedAt) }.map { Double($0) / 1000 }
            let old = finished.map { now - $0 > staleHours * 3600 } ?? false
            if old || (status.daysBehind.map { $0 > maxDaysBehind } ?? true) { reasons.append(.stale) }
            if status.holes.reduce(0, { $0 + $1.days }) > maxGapDays { reasons.append(.gaps) }
            return reasons
        }
    }

    /// One lake of the fleet.
    package struct Lake: Sendable {
        /// The folder's name under the fleet's root.
        package var name: String
        /// The account: the run record's `account` when it has one, else `name`.
        package var account: String
        /// Its status; nil when it could not be read.
        package var status: LakeStatus?
        /// Why it could not be read.
        package var problem: String?
        /// Why it needs attention; empty when it does not.
        package var attention: [Attention]
    }

    /// The folder or prefix the lakes are under, as given.
    package var root: String
    package var today: Day
    package var thresholds: Thresholds
    /// The lakes, by name.
    package var lakes: [Lake]
    /// Folders under the root that hold no lake.
    package var notLakes: [String]
    /// Requests sent to the store to build this view (nil for a local directory).
    package var storeRequests: Int?

    /// Whether any lake needs attention.
    package var needsAttention: Bool { lakes.contains { !$0.attention.isEmpty } }

    /// Reads every lake one level under `location` (a directory or `s3://bucket/prefix`; S3 settings from
    /// `environment`). Throws when the root cannot be listed or holds no lake (`missingInput`); a lake that cannot be
    /// read is a row.
    package static func load(
        _ location: String, today: Day, now: Double, thresholds: Thresholds, maxInFlight: Int,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> FleetStatus {
        try await load(
            fleet: try LakeLayout.open(location, environment: environment), today: today, now: now,
            thresholds: thresholds, maxInFlight: maxInFlight)
    }

    /// `load` over the folder `fleet` (its store's children are the lakes).
    static func load(
        fleet: LakeLayout, today: Day, now: Double, thresholds: Thresholds, maxInFlight: Int
    ) async throws -> FleetStatus {
        guard fleet.store.exists else {
            throw PipelineError(
                stage: .run, category: .missingInput, code: "no_lakes", message: "no directory \(fleet.root) to look for lakes in")
        }
        let names: [String]
        do { names = try await fleet.store.childNames() } catch { throw PipelineError.store(error, stage: .run) }

        var found = [Lake?](repeating: nil, count: names.count)
        await withTaskGroup(of: (Int, Lake?).self) { group in
            var next = 0
            func readNext() {
                let index = next
                next += 1
                group.addTask {
                    let lake = await read(names[index], in: fleet, today: today, now: now, thresholds: thresholds)
                    return (index, lake)
                }
            }
            while next < min(max(1, maxInFlight), names.count) { readNext() }
            for await (index, lake) in group {
                found[index] = lake
                if next < names.count { readNext() }
            }
        }
        let lakes = found.compactMap { $0 }
        let notLakes = zip(names, found).filter { $0.1 == nil }.map(\.0)
        guard !lakes.isEmpty else {
            let looksLikeALake = names.contains("events") || names.contains("_state")
            throw PipelineError(
                stage: .run, category: .missingInput, code: "no_lakes",
                message: "no kb4-events lake one level under \(fleet.root) (no folder with _manifest.json or _state/last_run.json)"
                    + (looksLikeALake ? "; it looks like one lake itself: use `kb4-events status --out \(fleet.root)`" : ""))
        }
        return FleetStatus(
            root: fleet.root, today: today, thresholds: thresholds, lakes: lakes, notLakes: notLakes,
            storeRequests: fleet.store.requestsSent)
    }

    /// One folder's lake, read in order: the run record, the manifest, the call ledger (sequentially, so a lake has
    /// one request in flight at a time). Nil when the folder holds no lake.
    private static func read(
        _ name: String, in fleet: LakeLayout, today: Day, now: Double, thresholds: Thresholds
    ) async -> Lake? {
        let root = fleet.root + "/" + name
        var account: String?
        do {
            let store = try fleet.store.child(name)
            let run = try await RunRecord.read(from: store)
            account = run?.account
            let manifest = try await Manifest.load(from: store)?.manifest
            guard manifest != nil || run != nil else { return nil }
            let ledger = try await CallLedger.load(layout: LakeLayout(root: root, store: store, workRoot: fleet.workRoot))
            let status = LakeStatus.make(
                root: root, manifest: manifest, start: nil, lookbackDays: 0, today: today, lastRun: run,
                budget: ExportPlan.Budget(limit: nil, reserve: 0, usedToday: ledger.used(on: today)))
            return Lake(
                name: name, account: account ?? name, status: status, problem: nil,
                attention: thresholds.attention(status, now: now))
        } catch {
            return Lake(
                name: name, account: account ?? name, status: nil, problem: "\(PipelineError.store(error, stage: .run))",
                attention: [.unreadable])
        }
    }

    // MARK: - Output

    /// The view as one JSON object, for alerting.
    package var json: JSONValue {
        func int(_ v: Int?) -> JSONValue { v.map { .number(String($0)) } ?? .null }
        func day(_ d: Day?) -> JSONValue { d.map { .string($0.description) } ?? .null }
        func string(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        var root = JSONObject()
        root.append("root", .string(self.root))
        root.append("today", day(today))
        root.append("lakes", int(lakes.count))
        root.append("needs_attention", int(lakes.filter { !$0.attention.isEmpty }.count))
        root.append(
            "thresholds",
            .object(
                JSONObject([
                    ("stale_hours", .number(String(thresholds.staleHours))),
                    ("max_days_behind", int(thresholds.maxDaysBehind)), ("max_gap_days", int(thresholds.maxGapDays)),
                ])))
        root.append(
            "rows",
            .array(
                lakes.map { lake in
                    let status = lake.status
                    let run = status?.lastRun
                    let holes = status?.holes ?? []
                    return .object(
                        JSONObject([
                            ("name", .string(lake.name)), ("account", .string(lake.account)),
                            ("lake", .string(self.root + "/" + lake.name)),
                            ("attention", .array(lake.attention.map { .string($0.rawValue) })),
                            ("error", string(lake.problem)),
                            (
                                "last_run",
                                run.map { r in
                                    .object(
                                        JSONObject([
                                            ("command", .string(r.command)), ("outcome", .string(r.outcome)),
                                            ("exit_code", int(r.exitCode)), ("finished_at", .string(r.finishedAt)),
                                            ("api_calls", int(r.summary.apiCalls)), ("error", string(r.error)),
                                        ]))
                                } ?? .null
                            ),
                            ("last_complete_day", day(status?.lastComplete)),
                            ("days_behind", int(status?.daysBehind)),
                            ("gap_days", status == nil ? .null : int(holes.reduce(0) { $0 + $1.days })),
                            (
                                "gaps",
                                .array(
                                    holes.map { g in
                                        .object(
                                            JSONObject([("from", day(g.from)), ("to", day(g.to)), ("days", int(g.days))]))
                                    })
                            ),
                            ("calls_today", int(status?.budget.usedToday)),
                        ]))
                }))
        root.append("not_lakes", .array(notLakes.map(JSONValue.string)))
        root.append("store_requests", int(storeRequests))
        return .object(root)
    }

    /// The view as a table and a summary, for people.
    package var text: String {
        let header = ["LAKE", "ACCOUNT", "LAST RUN", "FINISHED", "BEHIND", "GAPS", "CALLS TODAY", "ATTENTION"]
        let rows: [[String]] = lakes.map { lake in
            guard let status = lake.status else {
                return [lake.name, lake.account, "unreadable", "-", "-", "-", "-", Self.reasons(lake)]
            }
            let run = status.lastRun
            let holes = status.holes
            let gapDays = holes.reduce(0) { $0 + $1.days }
            return [
                lake.name, lake.account,
                run.map { $0.exitCode == 0 ? $0.outcome : "\($0.outcome) (exit \($0.exitCode))" } ?? "none recorded",
                run?.finishedAt ?? "-", status.daysBehind.map(String.init) ?? "nothing exported",
                gapDays == 0 ? "0" : "\(gapDays) days in \(holes.count) " + (holes.count == 1 ? "range" : "ranges"),
                String(status.budget.usedToday), Self.reasons(lake),
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.indices.map { $0 == cells.count - 1 ? cells[$0] : pad(cells[$0], widths[$0] + 2) }.joined()
        }
        var lines = [line(header)] + rows.map(line)
        lines.append("")
        let attention = lakes.filter { !$0.attention.isEmpty }
        var summary = "\(lakes.count) \(lakes.count == 1 ? "lake" : "lakes") under \(root) (today \(today)): "
        if attention.isEmpty {
            summary += "none needs attention"
        } else {
            let counts = Attention.allCases.compactMap { reason -> String? in
                let n = attention.filter { $0.attention.contains(reason) }.count
                return n == 0 ? nil : "\(reason.rawValue) \(n)"
            }
            summary += "\(attention.count) need attention (" + counts.joined(separator: ", ") + ")"
        }
        lines.append(summary)
        for lake in lakes {
            if let problem = lake.problem { lines.append("\(lake.name): cannot be read: \(problem)") }
            if let error = lake.status?.lastRun?.error, lake.attention.contains(.failed) {
                lines.append("\(lake.name): last run failed: \(error)")
            }
        }
        if !notLakes.isEmpty {
            lines.append("folders without a lake (skipped): " + notLakes.joined(separator: ", "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func reasons(_ lake: Lake) -> String {
        lake.attention.isEmpty ? "-" : lake.attention.map(\.rawValue).joined(separator: ", ")
    }
}
