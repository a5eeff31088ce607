import Foundation

/// One account a simulator serves: the Bearer key that chooses it and the data set behind it. Everything else (limits,
/// faults, today, latency) comes from the simulator's configuration, the same for every account, and every account
/// has limits of its own, as the real API counts per account.
package struct SimulatedAccount: Sendable, Equatable {
    /// The Bearer key of this account (never logged, never in an error).
    package var apiKey: String
    /// The `account_id` its events and event types carry; nil draws one from the seed.
    package var accountID: Int?
    /// The seed of its data set.
    package var seed: UInt64
    /// Approximate number of events over its range.
    package var events: Int
    /// Days in its range, ending on today.
    package var days: Int

    /// An account with these values.
    package init(apiKey: String, accountID: Int? = nil, seed: UInt64, events: Int, days: Int) {
        self.apiKey = apiKey
        self.accountID = accountID
        self.seed = seed
        self.events = events
        self.days = days
    }

    /// `count` accounts with keys `sim-key-0` … `sim-key-<count-1>`; account `i` has seed `seed + i` and account id
    /// `1_000_000 + i` (distinct, so lakes of different accounts never look alike), `events` over `days` each.
    package static func numbered(_ count: Int, seed: UInt64, events: Int, days: Int) -> [SimulatedAccount] {
        (0..<max(0, count)).map { index in
            SimulatedAccount(
                apiKey: "sim-key-\(index)", accountID: 1_000_000 + index, seed: seed &+ UInt64(index), events: events,
                days: days)
        }
    }

    /// The accounts `simulate --accounts SPEC` names: a number N (`numbered`), or the path of an accounts file
    /// (`parse`; a file whose name is all digits is given as `./NAME`).
    package static func accounts(spec: String, seed: UInt64, events: Int, days: Int) throws(SimulatorError)
        -> [SimulatedAccount]
    {
        if !spec.isEmpty, spec.allSatisfy(\.isASCII), spec.allSatisfy(\.isNumber) {
            guard let count = Int(spec), (1...100_000).contains(count) else {
                throw .invalidConfiguration("accounts: \(spec) is not within 1…100000")
            }
            return numbered(count, seed: seed, events: events, days: days)
        }
        let text: String
        do { text = try String(contentsOfFile: spec, encoding: .utf8) } catch {
            throw .invalidConfiguration("accounts file \(spec): cannot be read (\(error.localizedDescription))")
        }
        return try parse(text, source: "accounts file \(spec)", events: events, days: days)
    }

    /// Parses an accounts file: one account a line, `KEY ACCOUNT_ID SEED [EVENTS [DAYS]]` separated by spaces or tabs
    /// (`-` as the account id draws it from the seed; a missing EVENTS or DAYS is `events` / `days`); blank lines and
    /// lines starting with `#` are skipped. Errors name `source` and the line, never the key.
    package static func parse(_ text: String, source: String, events: Int, days: Int) throws(SimulatorError)
        -> [SimulatedAccount]
    {
        var accounts: [SimulatedAccount] = []
        var lineOfKey: [String: Int] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            let fields = raw.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard let key = fields.first, !key.hasPrefix("#") else { continue }
            func fail(_ why: String) -> SimulatorError { .invalidConfiguration("\(source) line \(line): \(why)") }
            guard (3...5).contains(fields.count) else {
                throw fail("expected KEY ACCOUNT_ID SEED [EVENTS [DAYS]], got \(fields.count) fields")
            }
            if let first = lineOfKey[key] { throw fail("the same key as line \(first)") }
            lineOfKey[key] = line
            var accountID: Int?
            if fields[1] != "-" {
                guard let id = Int(fields[1]), id > 0 else { throw fail("account id '\(fields[1])' is not a positive integer or -") }
                accountID = id
            }
            guard let seed = UInt64(fields[2]) else { throw fail("seed '\(fields[2])' is not an unsigned integer") }
            var account = SimulatedAccount(apiKey: key, accountID: accountID, seed: seed, events: events, days: days)
            if fields.count > 3 {
                guard let n = Int(fields[3]), n >= 0 else { throw fail("events '\(fields[3])' is not 0 or more") }
                account.events = n
            }
            if fields.count > 4 {
                guard let n = Int(fields[4]), n >= 1 else { throw fail("days '\(fields[4])' is not 1 or more") }
                account.days = n
            }
            accounts.append(account)
        }
        guard !accounts.isEmpty else { throw .invalidConfiguration("\(source): no account in it") }
        return accounts
    }

    /// `template` with this account's key, account id, seed and size.
    func configuration(from template: SimulatorConfiguration) -> SimulatorConfiguration {
        var configuration = template
        configuration.apiKey = apiKey
        configuration.accountID = accountID
        configuration.seed = seed
        configuration.events = events
        configuration.days = days
        return configuration
    }
}
