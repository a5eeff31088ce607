import Foundation
import KB4EventsSimulator
import Logging
import Testing

@testable import KB4EventsAPI
@testable import KB4EventsCore
import KB4EventsNet

@Suite(.serialized) struct ClientTests {
    func withSimulator(
        _ configure: (inout SimulatorConfiguration) -> Void = { _ in },
        _ body: (Simulator, Client) async throws -> Void
    ) async throws {
        try await withSimulatorClient(seed: 11, events: 600, days: 4, configure, body)
    }

    func allIDs(_ client: Client, day: String, perPage: Int = 100) async throws -> ([String], Int) {
        var pager = EventPager(client: client, query: .day(day, perPage: perPage), label: "day \(day)")
        var ids: [String] = []
        var pages = 0
        while let page = try await pager.next() {
            pages += 1
            ids += page.events.compactMap { $0["id"]?.stringValue }
        }
        return (ids, pages)
    }

    func truthIDs(_ sim: Simulator, day: String) -> [String] {
        sim.truthLines().filter { $0.contains("\"occurred_date\":\"\(day)T") }.map {
            try! JSONParser.parse(Array($0.utf8))["id"]!.stringValue!
        }
    }

    @Test func pagesFollowNextPageWhenTheServerClampsPerPage() async throws {
        try await withSimulator({ $0.maxPerPage = 13 }) { sim, client in
            let day = "2026-11-21"
            let (ids, pages) = try await allIDs(client, day: day, perPage: 100)
            let truth = truthIDs(sim, day: day)
            #expect(Set(ids) == Set(truth))
            #expect(ids.count == truth.count)
            #expect(pages == (truth.count + 12) / 13)
            #expect(client.stats.calls == pages)
        }
    }

    @Test func emptyDayIsOneCall() async throws {
        try await withSimulator { sim, client in
            let (ids, pages) = try await allIDs(client, day: "2020-01-01")
            #expect(ids.isEmpty && pages == 1)
            #expect(client.stats.calls == 1)
        }
    }

    @Test func driftRepeatsARowThatDedupByIDRemoves() async throws {
        try await withSimulator({ $0.maxPerPage = 10; $0.pageDrift = true }) { sim, client in
            let (ids, _) = try await allIDs(client, day: "2026-11-21")
            #expect(ids.count > Set(ids).count, "an insert between pages shows a row twice")
        }
    }

    @Test func wrongKeyIsAnAuthenticationError() async throws {
        for mode in [AuthFailureMode.unauthorized, .edge500] {
            try await withSimulator({ $0.apiKey = "other"; $0.authFailure = mode }) { _, client in
                do {
                    _ = try await allIDs(client, day: "2026-11-21")
                    Issue.record("accepted a wrong key")
                } catch let e as APIError {
                    #expect(e.kind == .authentication)
                    #expect(e.message.contains("key"))
                    #expect(!e.description.contains("Bearer"))
                }
            }
        }
    }

    @Test func quotaExhaustionStopsAtOnce() async throws {
        try await withSimulator({ $0.dailyQuota = 2; $0.maxPerPage = 5 }) { _, client in
            do {
                _ = try await allIDs(client, day: "2026-11-21")
                Issue.record("quota ignored")
            } catch let e as APIError {
                #expect(e.kind == .quotaExhausted)
                #expect(client.stats.calls == 3, "two pages, then one refused call, no retries")
            }
        }
    }

    @Test func transientFaultsAreRetried() async throws {
        try await withSimulator({ $0.faults = try! FaultConfiguration(spec: "5xx=0.2,truncate=0.1,malformed=0.1") }) {
            sim, client in
            let day = "2026-11-21"
            let (ids, _) = try await allIDs(client, day: day, perPage: 20)
            #expect(Set(ids) == Set(truthIDs(sim, day: day)))
            #expect(client.stats.retries > 0)
        }
    }
}

/// A transport that answers from a script, for rules that need exact responses.
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    private var responses: [Result<HTTPResponse, TransportError>]
    private(set) var sent = 0
    init(_ responses: [Result<HTTPResponse, TransportError>]) { self.responses = responses }
    func send(_ request: HTTPRequest, to baseURL: BaseURL, authorization: String) async throws(TransportError) -> HTTPResponse {
        sent += 1
        let next = responses.count > 1 ? responses.removeFirst() : responses[0]
        return try next.get()
    }
}

@Suite struct ClientRuleTests {
    func client(_ t: ScriptedTransport, span: Duration = .seconds(900)) -> Client {
        Client(
            baseURL: try! BaseURL(parsing: "http://127.0.0.1:9"), key: APIKey("k")!, transport: t,
            pacer: Pacer(requestsPerSecond: nil),
            retry: RetryPolicy(initialBackoff: .milliseconds(2), maxBackoff: .milliseconds(5), budget: .seconds(2), throttleSpan: span),
            logger: Logger(label: "t"))
    }

    @Test func persistent429sWithoutLimitExceededBecomeQuota() async throws {
        let t = ScriptedTransport([.success(HTTPResponse(status: 429, body: Array(#"{"message":"Too Many Requests"}"#.utf8)))])
        do {
            _ = try await client(t, span: .milliseconds(50)).send(HTTPRequest(method: "GET", path: "/events"), expecting: [200])
            Issue.record("no error")
        } catch let e as APIError {
            #expect(e.kind == .quotaExhausted)
            #expect(t.sent >= 2, "retried at least once before giving up")
        }
    }

    @Test func aPostIsNotRetriedAfterAServerError() async throws {
        let t = ScriptedTransport([
            .success(HTTPResponse(status: 200, body: Array("{}".utf8))),
            .success(HTTPResponse(status: 503, body: [])),
        ])
        let c = client(t)
        _ = try await c.send(HTTPRequest(method: "GET", path: "/event_types"), expecting: [200])
        await #expect(throws: APIError.self) {
            _ = try await c.send(HTTPRequest(method: "POST", path: "/events", body: []), expecting: [201])
        }
        #expect(t.sent == 2, "the POST went out once")
    }

    @Test func waitingForAStatusStopsAtTheTimeoutWhileTheServerFails() async throws {
        // Every poll meets a 503; with a retry budget of an hour only the wait's timeout can end it.
        let t = ScriptedTransport([.success(HTTPResponse(status: 503, body: []))])
        let c = Client(
            baseURL: try BaseURL(parsing: "http://127.0.0.1:9"), key: APIKey("k")!, transport: t,
            pacer: Pacer(requestsPerSecond: nil),
            retry: RetryPolicy(initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(50), budget: .seconds(3600),
                               firstCallServerErrorRetries: 1_000),
            logger: Logger(label: "t"))
        let started = ContinuousClock.now
        await #expect(throws: StatusWaitTimeout.self) {
            _ = try await c.waitForStatus(id: "r", timeout: .milliseconds(300))
        }
        // The full suite on two cores can starve this test's tasks for over a minute (processes waited for by other
        // suites hold the cooperative threads); the retry budget (an hour) stays far beyond the bound.
        #expect(ContinuousClock.now - started < .seconds(300), "ended by the wait's timeout, not the retry budget")
        #expect(t.sent >= 1)
    }

    @Test func aPostIsRetriedWhenNothingWasSent() async throws {
        let t = ScriptedTransport([
            .failure(TransportError(code: "connect", message: "cannot connect")),
            .success(HTTPResponse(status: 201, body: Array(#"{"data":{"id":"r"}}"#.utf8))),
        ])
        let r = try await client(t).send(HTTPRequest(method: "POST", path: "/events", body: []), expecting: [201])
        #expect(r.status == 201 && t.sent == 2)
    }
}
