import KB4EventsAPI
import Synchronization
package import KB4EventsCore

/// Calls spent against the API per UTC day, kept in the lake (`_state/calls.json`) so that every run of a day on the
/// same lake, on any machine, shares one daily budget.
///
/// The API counts every call, failed ones included, so every attempt is recorded. On a local lake the file is
/// rewritten atomically after each call (no fsync: a crash can lose the last few counts, never corrupt the file).
/// In object storage a PUT per call would double the run's requests, so the counts are written behind: every
/// `flushInterval` seconds while calls are made, and at `close()`, by compare-and-swap; when another process wrote
/// the ledger meanwhile, its counts are read and this process's own calls added to them (nothing is lost to a race).
package final class CallLedger: Sendable {
    private struct State {
        /// This process's view: the counts read (or last written) plus the calls it made since.
        var calls: [Day: Int]
        /// The counts as read or last written (object stores: what the next write adds to).
        var base: [Day: Int]
        /// The version read or last written (object stores), nil when there is none yet.
        var etag: String?
        /// Calls not written yet (object stores).
        var dirty = false
        /// Whether the store takes a write after every call (a local lake: `ObjectStore.putCheaply`); nil until the
        /// first call tells.
        var writesThrough: Bool?
        var flusher: Task<Void, Never>?
    }

    private let store: any ObjectStore
    private let state: Mutex<State>
    /// Where it is, for messages.
    private let name: String

    private init(store: any ObjectStore, calls: [Day: Int], etag: String?) {
        self.store = store
        self.name = "\(store)/\(LakeLayout.callsKey)"
        state = Mutex(State(calls: calls, base: calls, etag: etag))
    }

    /// Loads the ledger of a lake (empty when there is none yet).
    package static func load(layout: LakeLayout) async throws -> CallLedger {
        let found: (bytes: [UInt8], meta: ObjectMeta)?
        do { found = try await layout.store.get(LakeLayout.callsKey) } catch {
            throw PipelineError.store(error, stage: .run)
        }
        let name = "\(layout.store)/\(LakeLayout.callsKey)"
        let calls = try found.map { try parse($0.bytes, name: name) } ?? [:]
        return CallLedger(store: layout.store, calls: calls, etag: found?.meta.etag)
    }

    static func parse(_ bytes: [UInt8], name: String) throws -> [Day: Int] {
        var calls: [Day: Int] = [:]
        do {
            let json = try JSONParser.parse(bytes)
            if let days = json["calls"]?.objectValue {
                for (key, value) in days.members {
                    if let day = Day(key), let text = value.numberText, let n = Int(text) { calls[day] = n }
                }
            }
        } catch {
            throw PipelineError(
                stage: .run, category: .configuration, code: "ledger_unreadable",
                message: "\(name) is not a readable call ledger (\(error)); move it away to reset the count")
        }
        return calls
    }

    /// Calls recorded for `day`.
    package func used(on day: Day) -> Int { state.withLock { $0.calls[day] ?? 0 } }

    /// Records one call on `day` (keeping the last 60 days), unless `limit` calls are already recorded: then nothing
    /// is recorded and the count is returned. Check and record are one step under the lock, and so is a local
    /// lake's write, so calls made at once (requests in flight) neither pass a spent budget together nor race on
    /// the ledger's temporary file.
    package func record(on day: Day, unlessAt limit: Int? = nil) throws -> (recorded: Bool, used: Int) {
        try state.withLock { s in
            let used = s.calls[day] ?? 0
            if let limit, used >= limit { return (false, used) }
            s.calls[day] = used + 1
            s.calls = s.calls.filter { $0.key >= day.adding(days: -60) }
            if s.writesThrough != false, try writeThrough(s.calls) {
                s.writesThrough = true
            } else {
                s.writesThrough = false
                s.dirty = true
            }
            return (true, used + 1)
        }
    }

    /// Writes the counts not written yet (object stores; a local lake's ledger is always written). Another
    /// process's write in between is merged: its counts plus this process's calls since the last write.
    package func flush() async throws {
        for _ in 0..<8 {
            guard let (snapshot, etag) = state.withLock({ s -> ([Day: Int], String?)? in
                guard s.dirty else { return nil }
                s.dirty = false
                return (s.calls, s.etag)
            }) else { return }
            do {
                let meta = try await store.put(
                    Self.bytes(snapshot), key: LakeLayout.callsKey, mode: etag.map { .update(etag: $0) } ?? .create)
                state.withLock { s in
                    s.etag = meta.etag
                    s.base = snapshot
                }
                return
            } catch ObjectStoreError.preconditionFailed {
                let current: (bytes: [UInt8], meta: ObjectMeta)?
                do { current = try await store.get(LakeLayout.callsKey) } catch {
                    state.withLock { $0.dirty = true }
                    throw PipelineError.store(error, stage: .run)
                }
                let theirs = try current.map { try Self.parse($0.bytes, name: name) } ?? [:]
                state.withLock { s in
                    for day in Set(s.calls.keys).union(theirs.keys) {
                        s.calls[day] = (theirs[day] ?? 0) + (s.calls[day] ?? 0) - (s.base[day] ?? 0)
                    }
                    s.base = theirs
                    s.etag = current?.meta.etag
                    s.dirty = true
                }
            } catch {
                state.withLock { $0.dirty = true }
                throw PipelineError.store(error, stage: .run)
            }
        }
        throw PipelineError(
            stage: .run, category: .temporary, code: "ledger_contended",
            message: "\(name) kept changing while this process wrote its calls; the last counts were not recorded")
    }

    /// Object stores: writes the counts every `interval` seconds while calls are made, until `close()`.
    package func startFlushing(every interval: Double = 5) {
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
                guard !Task.isCancelled, let self else { return }
                try? await self.flush()
            }
        }
        state.withLock { $0.flusher = task }
    }

    /// Stops the periodic writes and writes what is left.
    package func close() async throws {
        state.withLock { s in
            s.flusher?.cancel()
            s.flusher = nil
        }
        try await flush()
    }

    static func bytes(_ calls: [Day: Int]) -> [UInt8] {
        var days = JSONObject()
        for d in calls.keys.sorted() { days.append(d.description, .number(String(calls[d]!))) }
        var out: [UInt8] = []
        JSONValue.object(JSONObject([("version", .number("1")), ("calls", .object(days))])).write(into: &out)
        out.append(UInt8(ascii: "\n"))
        return out
    }

    /// Writes the ledger at once when the store takes that cheaply; false when it does not (nothing written).
    private func writeThrough(_ calls: [Day: Int]) throws -> Bool {
        do {
            return try store.putCheaply(Self.bytes(calls), key: LakeLayout.callsKey)
        } catch {
            throw PipelineError(stage: .run, category: .output, code: "ledger_write", message: "\(error)")
        }
    }
}

/// The daily call budget of a lake: 10 × seats (or `daily_call_budget`), minus a reserve kept for the `api`
/// commands. Used as the client's gate: it refuses a call before it is sent once the budget is spent.
package struct CallBudget: Sendable {
    /// Calls allowed per UTC day, or nil when unknown (no seats configured): then only the API's 429 stops a run.
    package let limit: Int?
    /// Calls of the limit that exports leave for the `api` commands.
    package let reserve: Int
    /// The day calls are counted on.
    package let day: Day
    /// Where calls are recorded.
    package let ledger: CallLedger

    /// Creates a budget.
    package init(limit: Int?, reserve: Int, day: Day, ledger: CallLedger) {
        self.limit = limit
        self.reserve = reserve
        self.day = day
        self.ledger = ledger
    }

    /// Calls still available to exports today (nil: no limit known).
    package var remaining: Int? { limit.map { max(0, $0 - reserve - ledger.used(on: day)) } }

    /// The client gate: records the call, or refuses it when the budget (less the reserve, for exports) is spent.
    package func gate(useReserve: Bool) -> @Sendable () throws -> Void {
        let limit = limit
        let reserve = useReserve ? 0 : reserve
        let day = day
        let ledger = ledger
        return {
            let (recorded, used) = try ledger.record(on: day, unlessAt: limit.map { $0 - reserve })
            if !recorded, let limit {
                throw APIError(
                    kind: .callBudget, request: "(not sent)",
                    message:
                        "the daily call budget is spent: \(used) of \(limit) calls used on \(day)\(reserve > 0 ? ", \(reserve) kept for the api commands" : "")"
                )
            }
        }
    }
}
