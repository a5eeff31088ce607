import Foundation
@testable import KB4EventsSimulator
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A simulator of many accounts over loopback: the Bearer key chooses the account, every account has its own data,
/// limits and counters, and data sets are generated only when asked for.
@Suite struct SimulatedAccountTests {
    /// Serves `simulator` on loopback for `body`, and stops it whatever happens.
    private func serve(_ simulator: Simulator, _ body: (TestClient) async throws -> Void) async throws {
        _ = try await simulator.start()
        let client = TestClient(base: simulator.baseURL)
        defer { client.session.invalidateAndCancel() }
        do {
            try await body(client)
        } catch {
            try await simulator.stop()
            throw error
        }
        try await simulator.stop()
    }

    /// `count` numbered accounts over `testConfiguration()`'s settings.
    private func withAccounts(
        _ count: Int, _ configure: (inout SimulatorConfiguration) -> Void = { _ in },
        _ body: (Simulator, TestClient) async throws -> Void
    ) async throws {
        let accounts = SimulatedAccount.numbered(count, seed: 7, events: 300, days: 10)
        let simulator = Simulator(configuration: testConfiguration(configure), accounts: accounts)
        try await serve(simulator) { client in try await body(simulator, client) }
    }

    @Test func eachKeySeesItsOwnAccountAndNothingIsGeneratedBeforeItIsAsked() async throws {
        try await withAccounts(200) { simulator, client in
            #expect(simulator.accountCount == 200)
            #expect(simulator.generatedAccounts == 0, "200 accounts start without generating a data set")

            var accountIDs: Set<Int> = []
            var truths: Set<String> = []
            for index in [0, 1, 199] {
                let key = "sim-key-\(index)"
                let rows = try await client.send("GET", "/events?per_page=100", key: key).rows()
                let ids = Set(rows.compactMap { $0["account_id"] as? Int })
                #expect(ids == [1_000_000 + index], "every event of \(key) carries its account id")
                accountIDs.formUnion(ids)
                let truth = try await client.send("GET", "/_sim/truth", key: key)
                #expect(truth.status == 200)
                let lines = try #require(truth.text).split(separator: "\n")
                #expect(lines.count == simulator.truthCounts(apiKey: key)?.values.reduce(0, +))
                truths.insert(try #require(truth.text))
            }
            #expect(accountIDs.count == 3)
            #expect(truths.count == 3, "three accounts, three different data sets")
            #expect(simulator.generatedAccounts == 3, "only the accounts asked for hold data")

            let wrong = try await client.send("GET", "/events", key: "sim-key-200")
            #expect(wrong.status == 401)
            #expect(simulator.stats(apiKey: "sim-key-200") == nil)
        }
    }

    @Test func statsAndTruthAreChosenByTheKey() async throws {
        try await withAccounts(3) { simulator, client in
            for _ in 0..<3 { #expect(try await client.send("GET", "/event_types", key: "sim-key-1").status == 200) }
            #expect(try await client.send("GET", "/event_types", key: "sim-key-2").status == 200)
            let one = try await client.send("GET", "/_sim/stats", key: "sim-key-1").object()
            let two = try await client.send("GET", "/_sim/stats", key: "sim-key-2").object()
            #expect(one["total_requests"] as? Int == 3)
            #expect(two["total_requests"] as? Int == 1)
            #expect(simulator.stats(apiKey: "sim-key-0")?.totalRequests == 0)
            #expect(simulator.stats(apiKey: "sim-key-1")?.quotaUsedToday == 3)

            // A control call moves only its own account's day (and so starts only its quota afresh).
            #expect(try await client.send("POST", "/_sim/today?day=2026-11-25", key: "sim-key-2").status == 200)
            #expect(simulator.stats(apiKey: "sim-key-2")?.quotaUsedToday == 0)
            #expect(simulator.stats(apiKey: "sim-key-1")?.quotaUsedToday == 3)
        }
    }

    @Test func everyAccountHasItsOwnQuotaAndRateLimit() async throws {
        let quota: (inout SimulatorConfiguration) -> Void = { $0.dailyQuota = 2 }
        try await withAccounts(2, quota) { _, client in
            for _ in 0..<2 { #expect(try await client.send("GET", "/event_types", key: "sim-key-0").status == 200) }
            let spent = try await client.send("GET", "/event_types", key: "sim-key-0")
            #expect(spent.status == 429)
            #expect(spent.text?.contains("Limit Exceeded") == true)
            #expect(try await client.send("GET", "/event_types", key: "sim-key-1").status == 200)
        }
        let perSecond: (inout SimulatorConfiguration) -> Void = { $0.requestsPerSecond = 1 }
        try await withAccounts(2, perSecond) { _, client in
            // Two calls within a second meet the limit; on a busy machine two calls in a row can be more than a
            // second apart, so up to ten are made until one meets it.
            var statuses: [Int] = []
            while statuses.count < 10, statuses.last != 429 {
                statuses.append(try await client.send("GET", "/event_types", key: "sim-key-0").status)
            }
            #expect(statuses.first == 200 && statuses.last == 429, "\(statuses)")
            let other = try await client.send("GET", "/event_types", key: "sim-key-1")
            #expect(other.status == 200, "the other account's limit is its own")
        }
    }

    @Test func anAccountWithoutAnIDHasTheDataOfTheSameSeedServedAlone() async throws {
        let alone = Simulator(configuration: testConfiguration())
        let accounts = [
            SimulatedAccount(apiKey: "other", accountID: 42, seed: 8, events: 50, days: 10),
            SimulatedAccount(apiKey: testKey, seed: 7, events: 600, days: 10),
        ]
        let many = Simulator(configuration: testConfiguration(), accounts: accounts)
        try await serve(many) { client in
            let truth = try await client.send("GET", "/_sim/truth", key: testKey)
            #expect(truth.text == alone.truthLines().joined(separator: "\n") + "\n")
            #expect(many.truthCounts(apiKey: testKey) == alone.truthCounts())
            let other = try await client.send("GET", "/events?per_page=5", key: "other").rows()
            #expect(!other.isEmpty && other.allSatisfy { $0["account_id"] as? Int == 42 })
        }
    }

    @Test func setTodayMovesEveryAccountIncludingOnesGeneratedLater() async throws {
        let simulator = Simulator(
            configuration: testConfiguration { $0.dailyQuota = 1 },
            accounts: SimulatedAccount.numbered(2, seed: 1, events: 100, days: 5))
        try await serve(simulator) { client in
            #expect(try await client.send("GET", "/event_types", key: "sim-key-0").status == 200)
            #expect(try await client.send("GET", "/event_types", key: "sim-key-0").status == 429)
            simulator.setToday("2026-11-21")
            #expect(simulator.generatedAccounts == 1)
            #expect(try await client.send("GET", "/event_types", key: "sim-key-0").status == 200, "a fresh quota")
            #expect(simulator.stats(apiKey: "sim-key-1")?.quotaUsedToday == 0)
            // The data set of an account generated after the move still ends on the configured today.
            let counts = try #require(simulator.truthCounts(apiKey: "sim-key-1"))
            #expect(!counts.isEmpty && counts.keys.allSatisfy { $0 <= "2026-11-20" && $0 >= "2026-11-16" })
        }
    }

    @Test func startRefusesNoAccountsAndAKeyGivenTwice() async throws {
        let empty = Simulator(configuration: testConfiguration(), accounts: [])
        await #expect(throws: SimulatorError.invalidConfiguration("accounts: none given")) { _ = try await empty.start() }
        let twice = Simulator(
            configuration: testConfiguration(),
            accounts: [
                SimulatedAccount(apiKey: "a", seed: 1, events: 1, days: 1),
                SimulatedAccount(apiKey: "b", seed: 2, events: 1, days: 1),
                SimulatedAccount(apiKey: "a", seed: 3, events: 1, days: 1),
            ])
        await #expect(throws: SimulatorError.invalidConfiguration("accounts: accounts 0 and 2 have the same key")) {
            _ = try await twice.start()
        }
        let badID = Simulator(
            configuration: testConfiguration(), accounts: [SimulatedAccount(apiKey: "a", accountID: 0, seed: 1, events: 1, days: 1)])
        await #expect(throws: SimulatorError.self) { _ = try await badID.start() }
    }

    // MARK: Accounts file

    @Test func accountsFileLinesWithDefaultsAndComments() throws {
        let text = """
            # key      account  seed  events days
            acme-key   1001     11
            globex-key -        12    500
            \tinitech-key 1003  13    40     3

            """
        let accounts = try SimulatedAccount.parse(text, source: "accounts.txt", events: 2000, days: 30)
        #expect(
            accounts == [
                SimulatedAccount(apiKey: "acme-key", accountID: 1001, seed: 11, events: 2000, days: 30),
                SimulatedAccount(apiKey: "globex-key", accountID: nil, seed: 12, events: 500, days: 30),
                SimulatedAccount(apiKey: "initech-key", accountID: 1003, seed: 13, events: 40, days: 3),
            ])
    }

    @Test(arguments: [
        ("k 1 2\nk 3 4", "accounts.txt line 2: the same key as line 1"),
        ("k 1", "accounts.txt line 1: expected KEY ACCOUNT_ID SEED [EVENTS [DAYS]], got 2 fields"),
        ("k x 2", "accounts.txt line 1: account id 'x' is not a positive integer or -"),
        ("k 1 -2", "accounts.txt line 1: seed '-2' is not an unsigned integer"),
        ("\nk 1 2 many", "accounts.txt line 2: events 'many' is not 0 or more"),
        ("k 1 2 3 0", "accounts.txt line 1: days '0' is not 1 or more"),
        ("# nothing\n", "accounts.txt: no account in it"),
    ])
    func accountsFileErrorsNameTheLineNotTheKey(text: String, message: String) {
        #expect(throws: SimulatorError.invalidConfiguration(message)) {
            try SimulatedAccount.parse(text, source: "accounts.txt", events: 1, days: 1)
        }
    }

    @Test func accountsSpecIsACountOrAFile() throws {
        let numbered = try SimulatedAccount.accounts(spec: "3", seed: 5, events: 10, days: 2)
        #expect(numbered.map(\.apiKey) == ["sim-key-0", "sim-key-1", "sim-key-2"])
        #expect(numbered.map(\.seed) == [5, 6, 7])
        #expect(numbered.map(\.accountID) == [1_000_000, 1_000_001, 1_000_002])
        #expect(throws: SimulatorError.self) { try SimulatedAccount.accounts(spec: "0", seed: 5, events: 10, days: 2) }
        let path = NSTemporaryDirectory() + "accounts-\(UUID().uuidString).txt"
        try "a 1 2\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try SimulatedAccount.accounts(spec: path, seed: 5, events: 10, days: 2).map(\.apiKey) == ["a"])
        #expect {
            try SimulatedAccount.accounts(spec: path + ".missing", seed: 5, events: 10, days: 2)
        } throws: { error in
            (error as? SimulatorError)?.description.contains("accounts file \(path).missing: cannot be read") == true
        }
    }
}
