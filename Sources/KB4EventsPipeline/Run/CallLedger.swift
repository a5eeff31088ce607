public import KB4EventsAPI
import Synchronization

/// Calls spent against the API per UTC day, persisted under the lake (`_state/calls.json`) so that every run
/// of a day on the same lake shares one daily budget.
///
/// The API counts every call, failed ones included, so every attempt is recorded. The file is rewritten
/// atomically after each call (no fsync: a crash can lose the last few counts, never corrupt the file).
public final class CallLedger: Sendable {
    private struct State {
        var calls: [Day: Int]
    }

    private let path: String
    private let state: Mutex<State>
    private let tempTag: String

    /// Loads the ledger of a lake (empty when the file does not exist).
    public init(layout: LakeLayout, tempTag: String) throws {
        path = layout.state + "/calls.json"
        self.tempTag = tempTag
        var calls: [Day: Int] = [:]
        if FileSystem.exists(path) {
            do {
                let json = try JSONParser.parse(try FileSystem.read(path))
                if let days = json["calls"]?.objectValue {
                    for (key, value) in days.members {
                        if let day = Day(key), let text = value.numberText, let n = Int(text) { calls[day] = n }
                    }
                }
            } catch {
                throw PipelineError(
                    stage: .run, category: .configuration, code: "ledger_unreadable",
                    message: "\(path) is not a readable call ledger (\(error)); move it away to reset the count")
            }
        }
        state = Mutex(State(calls: calls))
    }

    /// Calls recorded for `day`.
    public func used(on day: Day) -> Int { state.withLock { $0.calls[day] ?? 0 } }

    /// Records one call on `day` and persists the ledger (keeping the last 60 days), unless `limit` calls are
    /// already recorded: then nothing is recorded and the count is returned. Check and record are one step under
    /// the lock, and so is the write, so calls made at once (requests in flight) neither pass a spent budget
    /// together nor race on the ledger's temporary file.
    public func record(on day: Day, unlessAt limit: Int? = nil) throws -> (recorded: Bool, used: Int) {
        try state.withLock { s in
            let used = s.calls[day] ?? 0
            if let limit, used >= limit { return (false, used) }
            s.calls[day] = used + 1
            s.calls = s.calls.filter { $0.key >= day.adding(days: -60) }
            try write(s.calls)
            return (true, used + 1)
        }
    }

    private func write(_ calls: [Day: Int]) throws {
        var days = JSONObject()
        for d in calls.keys.sorted() { days.append(d.description, .number(String(calls[d]!))) }
        var out: [UInt8] = []
        JSONValue.object(JSONObject([("version", .number("1")), ("calls", .object(days))])).write(into: &out)
        out.append(UInt8(ascii: "\n"))
        do {
            try FileSystem.makeDirectories(FileSystem.split(path).0)
            try FileSystem.writeAtomically(out, to: path, tempTag: tempTag, durable: false)
        } catch {
            throw PipelineError(stage: .run, category: .output, code: "ledger_write", message: "\(error)")
        }
    }
}

/// The daily call budget of a lake: 10 × seats (or `daily_call_budget`), minus a reserve kept for the `api`
/// commands. Used as the client's gate: it refuses a call before it is sent once the budget is spent.
public struct CallBudget: Sendable {
    /// Calls allowed per UTC day, or nil when unknown (no seats configured): then only the API's 429 stops a run.
    public let limit: Int?
    /// Calls of the limit that exports leave for the `api` commands.
    public let reserve: Int
    /// The day calls are counted on.
    public let day: Day
    /// Where calls are recorded.
    public let ledger: CallLedger

    /// Creates a budget.
    public init(limit: Int?, reserve: Int, day: Day, ledger: CallLedger) {
        self.limit = limit
        self.reserve = reserve
        self.day = day
        self.ledger = ledger
    }

    /// Calls still available to exports today (nil: no limit known).
    public var remaining: Int? { limit.map { max(0, $0 - reserve - ledger.used(on: day)) } }

    /// The client gate: records the call, or refuses it when the budget (less the reserve, for exports) is spent.
    public func gate(useReserve: Bool) -> @Sendable () throws -> Void {
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
