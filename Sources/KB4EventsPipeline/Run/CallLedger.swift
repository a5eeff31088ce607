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

    /// Records `count` calls on `day` and persists the ledger (keeping the last 60 days).
    public func record(_ count: Int = 1, on day: Day) throws {
        let snapshot = state.withLock { s -> [Day: Int] in
            s.calls[day, default: 0] += count
            s.calls = s.calls.filter { $0.key >= day.adding(days: -60) }
            return s.calls
        }
        var days = JSONObject()
        for d in snapshot.keys.sorted() { days.append(d.description, .number(String(snapshot[d]!))) }
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
            if let limit, ledger.used(on: day) >= limit - reserve {
                throw APIError(
                    kind: .callBudget, request: "(not sent)",
                    message:
                        "the daily call budget is spent: \(ledger.used(on: day)) of \(limit) calls used on \(day)\(reserve > 0 ? ", \(reserve) kept for the api commands" : "")"
                )
            }
            try ledger.record(on: day)
        }
    }
}
