import Foundation
import KB4EventsTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Runs `kb4-events api …` against `kb4-events simulate` over loopback: output, exit codes, and calls spent.
@Suite(.serialized) struct APICommandTests {
    static let key = "e2e-api-key"
    static let today = "2026-11-22"

    typealias Result = CommandTests.Result

    /// Runs the binary with the key in the environment, stdin from /dev/null (never a terminal) and stdout a pipe.
    @discardableResult
    func run(_ args: [String]) async throws -> Result {
        try await CommandTests().run(args, env: ["KB4_EVENTS_API_KEY": Self.key])
    }

    /// Starts `kb4-events simulate --port 0 --rps 0` and passes its base URL to `body`.
    func withSimulator(_ body: (String) async throws -> Void) async throws {
        let (sim, url) = try Process.simulator(
            ["--seed", "9", "--events", "400", "--days", "4", "--today", Self.today, "--rps", "0"], key: Self.key)
        defer { sim.stop() }
        try #require(url.hasPrefix("http://127.0.0.1:"))
        try await body(url)
    }

    /// A control endpoint of the simulator (`/_sim/stats`, `/_sim/truth`), fetched over loopback.
    func control(_ url: String, _ path: String) async throws -> Data {
        var request = URLRequest(url: try #require(URL(string: url + path)))
        request.setValue("Bearer \(Self.key)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        return data
    }

    /// API requests the simulator has answered so far (control calls not counted).
    func requestCount(_ url: String) async throws -> Int {
        let stats = try JSONSerialization.jsonObject(with: try await control(url, "/_sim/stats")) as? [String: Any]
        return try #require(stats?["total_requests"] as? Int)
    }

    func object(_ any: Any?) throws -> [String: Any] { try #require(any as? [String: Any]) }

    /// At --verbose the first log line names the proxy (host:port) the run would use, never its credentials; the
    /// simulator is reached directly through NO_PROXY (the proxy does not exist).
    @Test func theFirstVerboseLineNamesTheProxyWithoutItsPassword() async throws {
        try await withSimulator { url in
            let dir = try CommandTests().tempDir()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let env = [
                "KB4_EVENTS_API_KEY": Self.key, "HTTPS_PROXY": "http://kb4user:pr0xy-s3cret@proxy.invalid:3128",
                "http_proxy": "http://kb4user:pr0xy-s3cret@proxy.invalid:3128", "NO_PROXY": "127.0.0.1",
            ]
            let runs = [
                ["api", "list-events", "--per-page", "1", "--base-url", url, "--verbose"],
                ["sync", "--base-url", url, "--out", dir + "/lake", "--today", Self.today, "--verbose"],
            ]
            for args in runs {
                let result = try await CommandTests().run(args, env: env)
                #expect(result.status == 0, "\(args[0]): \(result.stderr)")
                let first = result.stderr.split(separator: "\n").first.map(String.init) ?? ""
                #expect(first.contains("network:") && first.contains("proxy.invalid:3128"), "\(args[0]): \(first)")
                #expect(first.contains("127.0.0.1"), "names what bypasses the proxy: \(first)")
                #expect(!result.stderr.contains("pr0xy-s3cret") && !result.stdout.contains("pr0xy-s3cret"))
            }
        }
    }

    @Test func createWaitGetListDeleteGet() async throws {
        try await withSimulator { url in
            let base = ["--base-url", url]
            let firstPage = try await run(["api", "list-events", "--per-page", "1"] + base)
            #expect(firstPage.status == 0, "\(firstPage.stderr)")
            let listed = try #require(try firstPage.json() as? [Any])
            let email = try #require(try object(try object(listed.first)["user"])["email"] as? String)

            let created = try await run(
                [
                    "api", "create-event", "--target-user", email, "--event-type", "e2e_type", "--risk-level", "0",
                    "--external-id", "e2e-1", "--occurred-date", "2026-11-20", "--wait", "--wait-timeout", "20",
                ] + base)
            #expect(created.status == 0, "\(created.stderr)")
            let status = try object(try created.json())
            let requestID = try #require(status["id"] as? String)
            let details = try object(status["details"])
            let eventIDs = try #require(details["events"] as? [String])
            #expect((details["failures"] as? [Any])?.isEmpty == true)
            let eventID = try #require(eventIDs.first)
            #expect(eventIDs.count == 1)

            let got = try await run(["api", "get-event", eventID] + base)
            #expect(got.status == 0, "\(got.stderr)")
            #expect(got.stdout.contains("\"level\":0,"), "risk level 0 arrives as 0: \(got.stdout)")
            let event = try object(try got.json())
            #expect(event["id"] as? String == eventID)
            #expect(try object(event["risk"])["level"] as? Int == 0)
            #expect(try object(event["user"])["email"] as? String == email)

            let filtered = try await run(["api", "list-events", "--external-id", "e2e-1", "--risk-level", "0"] + base)
            #expect(filtered.status == 0, "\(filtered.stderr)")
            let rows = try #require(try filtered.json() as? [[String: Any]])
            #expect(rows.map { $0["id"] as? String } == [eventID])

            let statusAgain = try await run(["api", "get-status", requestID] + base)
            #expect(statusAgain.status == 0, "\(statusAgain.stderr)")
            #expect(statusAgain.stdout.contains(eventID))
            let statuses = try await run(["api", "list-statuses", "--processed", Self.today] + base)
            #expect(statuses.status == 0, "\(statuses.stderr)")
            #expect(try #require(try statuses.json() as? [[String: Any]]).map { $0["id"] as? String } == [requestID])

            let types = try await run(["api", "list-event-types", "--name", "e2e_type"] + base)
            #expect(types.status == 0, "\(types.stderr)")
            let type = try object(try #require(try types.json() as? [Any]).first)
            #expect(type["name"] as? String == "e2e_type")
            let typeID = try #require(type["id"] as? Int)
            let oneType = try await run(["api", "get-event-type", String(typeID)] + base)
            #expect(oneType.status == 0, "\(oneType.stderr)")
            #expect(try object(try oneType.json())["name"] as? String == "e2e_type")

            let deleted = try await run(["api", "delete-event", eventID, "--yes"] + base)
            #expect(deleted.status == 0, "\(deleted.stderr)")
            let gone = try await run(["api", "get-event", eventID] + base)
            #expect(gone.status == 66)
            #expect(gone.stderr.contains("not found: event \(eventID)"), "\(gone.stderr)")
            #expect(gone.stdout.isEmpty)
            #expect(!gone.stderr.contains(Self.key))
        }
    }

    @Test func allPagesStreamAsJSONAndNDJSON() async throws {
        try await withSimulator { url in
            let day = "2026-11-21"
            let truth = String(decoding: try await control(url, "/_sim/truth"), as: UTF8.self)
            let expected = Set(
                truth.split(separator: "\n").compactMap { line -> String? in
                    guard line.contains("\"occurred_date\":\"\(day)T") else { return nil }
                    return (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"]
                        as? String
                })
            try #require(expected.count > 14, "the day spans several pages of 7")

            let json = try await run([
                "api", "list-events", "--base-url", url, "--occurred-date", day, "--per-page", "7", "--all",
                "--requests-per-second", "100",
            ])
            #expect(json.status == 0, "\(json.stderr)")
            let rows = try #require(try json.json() as? [[String: Any]])
            #expect(rows.count == expected.count)
            #expect(Set(rows.compactMap { $0["id"] as? String }) == expected)
            let ids = rows.compactMap { $0["id"] as? String }
            #expect(ids == ids.sorted(), "--all without --order-by orders by id")

            let ndjson = try await run(
                [
                    "api", "list-events", "--base-url", url, "--occurred-date", day, "--per-page", "7", "--all",
                    "--output", "ndjson", "--requests-per-second", "100",
                ])
            #expect(ndjson.status == 0, "\(ndjson.stderr)")
            let lines = ndjson.stdout.split(separator: "\n")
            #expect(lines.count == expected.count)
            #expect(lines.allSatisfy { $0.hasPrefix("{\"id\":") })

            let onePage = try await run(["api", "list-events", "--base-url", url, "--occurred-date", day, "--per-page", "7"])
            #expect(try #require(try onePage.json() as? [Any]).count == 7)

            let empty = try await run(["api", "list-events", "--base-url", url, "--occurred-date", "2020-01-01", "--all"])
            #expect(empty.status == 0)
            #expect(empty.stdout == "[]\n")
        }
    }

    @Test func invalidInputExits64WithoutSpendingARequest() async throws {
        try await withSimulator { url in
            let before = try await requestCount(url)
            let create = ["api", "create-event", "--base-url", url, "--event-type", "t"]
            let cases: [([String], String)] = [
                (create + ["--target-user", "not-an-address"], "--target-user"),
                (create + ["--target-user", "a@corp.example", "--risk-level", "11"], "--risk-level"),
                (create + ["--target-user", "a@corp.example", "--risk-level", "-11"], "--risk-level"),
                (create + ["--target-user", "a@corp.example", "--risk-decay-mode", "2"], "--risk-decay-mode"),
                (create + ["--target-user", "a@corp.example", "--occurred-date", "2026-02-30"], "--occurred-date"),
                (create + ["--target-user", "a@corp.example", "--risk-expire-date", "tomorrow"], "--risk-expire-date"),
                (
                    create + ["--target-user", "a@corp.example", "--external-id", String(repeating: "x", count: 65)],
                    "--external-id"
                ),
                (
                    create + ["--target-user", "a@corp.example", "--description", String(repeating: "d", count: 256)],
                    "--description"
                ),
                (["api", "create-event", "--base-url", url, "--target-user", "a@corp.example"], "--event-type"),
                (["api", "list-events", "--base-url", url, "--risk-level", "12"], "--risk-level"),
                (["api", "list-events", "--base-url", url, "--order-by", "user"], "--order-by"),
                (["api", "list-statuses", "--base-url", url, "--processed", "2026-13-01"], "--processed"),
                (["api", "get-event", "--base-url", url, "x", "--output", "yaml"], "--output"),
                (["api", "delete-event", "--base-url", url, "some-id"], "--yes"),
            ]
            for (args, flag) in cases {
                let r = try await run(args)
                #expect(r.status == 64, "\(args): \(r.stderr)")
                #expect(r.stderr.contains(flag), "\(args): \(r.stderr)")
                #expect(r.stdout.isEmpty)
            }
            #expect(try await requestCount(url) == before, "no request was spent on invalid input")
        }
    }

    @Test func failuresAndRefusalsExit65() async throws {
        try await withSimulator { url in
            let unknownUser = try await run(
                [
                    "api", "create-event", "--base-url", url, "--target-user", "nobody@nowhere.example", "--event-type",
                    "t",
                    "--wait",
                ])
            #expect(unknownUser.status == 65, "\(unknownUser.stderr)")
            let status = try object(try unknownUser.json())
            #expect((try object(status["details"])["failures"] as? [Any])?.count == 1)
            #expect(unknownUser.stderr.contains("1 failure(s)"), "\(unknownUser.stderr)")

            // The simulator refuses a source over 255 characters (422); the CLI does not check `source`.
            let refused = try await run(
                [
                    "api", "create-event", "--base-url", url, "--target-user", "a@corp.example", "--event-type", "t",
                    "--source", String(repeating: "s", count: 300),
                ])
            #expect(refused.status == 65, "\(refused.stderr)")
            #expect(refused.stderr.contains("source: longer than 255 characters"), "\(refused.stderr)")

            let noWait = try await run(
                ["api", "create-event", "--base-url", url, "--target-user", "a@corp.example", "--event-type", "t"])
            #expect(noWait.status == 0, "\(noWait.stderr)")
            #expect(try object(try noWait.json())["id"] is String, "without --wait the request id is printed")
        }
    }

    @Test func tablesForPeopleAndNotFoundForEveryKind() async throws {
        try await withSimulator { url in
            let types = try await run(["api", "list-event-types", "--base-url", url, "--output", "table"])
            #expect(types.status == 0, "\(types.stderr)")
            let header = try #require(types.stdout.split(separator: "\n").first)
            #expect(header.hasPrefix("ID") && header.contains("NAME") && header.contains("DESCRIPTION"))

            let page = try await run(["api", "list-events", "--base-url", url, "--per-page", "2", "--output", "table"])
            #expect(page.status == 0, "\(page.stderr)")
            #expect(page.stdout.split(separator: "\n").count == 3, "a header and two rows: \(page.stdout)")
            #expect(page.stderr.contains("more with --page 2"))
            let id = try #require(page.stdout.split(separator: "\n")[1].split(separator: " ").first.map(String.init))

            let event = try await run(["api", "get-event", id, "--base-url", url, "--output", "table"])
            #expect(event.status == 0, "\(event.stderr)")
            #expect(event.stdout.contains("risk.level"))
            #expect(event.stdout.contains("user.email"))

            for (args, subject) in [
                (["get-event-type", "12345"], "event type 12345"), (["get-status", "nope"], "request status nope"),
                (["delete-event", "nope", "--yes"], "event nope"),
            ] {
                let r = try await run(["api"] + args + ["--base-url", url])
                #expect(r.status == 66, "\(args): \(r.stderr)")
                #expect(r.stderr.contains("not found: \(subject)"), "\(r.stderr)")
            }
        }
    }
}

/// Pacing measured where it runs in production: the built binary and `kb4-events simulate` in processes of their own,
/// so the test process's waits (other suites block its cooperative threads on child processes) cannot bunch calls.
@Suite struct PacingCommandTests {
    /// A paced backfill at the API's real allowance (4 requests per second on both sides, 10 events a page): the
    /// simulator answers no 429. The pacer leaves a 3 % margin for the jitter between a call's release and its arrival;
    /// a busy machine can still delay one wake-up past it, so one 429 is tolerated (the pacer then widens its margin);
    /// an unpaced client meets dozens on the same data.
    @Test func aPacedBackfillMeetsNoThrottling() async throws {
        let key = APICommandTests.key
        let (sim, url) = try Process.simulator(
            ["--seed", "21", "--events", "300", "--days", "3", "--today", APICommandTests.today, "--rps", "4",
             "--per-page-max", "10"], key: key)
        defer { sim.stop() }
        try #require(url.hasPrefix("http://127.0.0.1:"))
        let dir = try CommandTests().tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try await CommandTests().run(
            ["backfill", "--base-url", url, "--out", dir + "/lake", "--from", "2026-11-20", "--to", "2026-11-21",
             "--today", APICommandTests.today, "--requests-per-second", "4", "--output", "json"],
            env: ["KB4_EVENTS_API_KEY": key])
        #expect(result.status == 0, "\(result.stderr)")
        let stats = try #require(
            try JSONSerialization.jsonObject(with: try await APICommandTests().control(url, "/_sim/stats")) as? [String: Any])
        let pages = try #require((stats["requests_by_route"] as? [String: Any])?["GET /events"] as? Int)
        let throttled = try #require(stats["too_many_requests"] as? Int)
        #expect(pages > 15, "enough calls to meet the limit: \(pages)")
        #expect(throttled <= 1, "\(throttled) × 429 over \(pages) pages")
    }
}
