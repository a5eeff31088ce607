import Foundation
import KB4EventsSimulator
import Logging
import Testing

@testable import KB4EventsAPI
@testable import KB4EventsCore

/// Each single action of `Client+Actions` against the simulator over loopback HTTP.
@Suite(.serialized) struct ClientActionsTests {
    func withSimulator(
        // Create requests are processed after 50 ms (the default 200 ms only slows the tests down).
        _ configure: (inout SimulatorConfiguration) -> Void = { $0.processingDelay = .milliseconds(50) },
        _ body: (Simulator, Client) async throws -> Void
    ) async throws {
        try await withSimulatorClient(seed: 21, events: 300, days: 3, configure, body)
    }

    /// The first event of a day listing, to have a real id and a real user.
    func someEvent(_ client: Client) async throws -> JSONObject {
        let page = try await client.listEvents(.day("2026-11-21", perPage: 5))
        return try #require(page.events.first)
    }

    func expectNotFound(_ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("expected a 404")
        } catch let error as APIError {
            #expect(error.kind == .notFound, "\(error)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func getEventReturnsTheListedObjectUnchanged() async throws {
        try await withSimulator { _, client in
            let listed = try await someEvent(client)
            let id = try #require(listed["id"]?.stringValue)
            let fetched = try await client.getEvent(id: id)
            #expect(fetched == listed)
        }
    }

    @Test func unknownIDsAreNotFoundAndIDsArePercentEncoded() async throws {
        try await withSimulator { sim, client in
            await expectNotFound { _ = try await client.getEvent(id: "no-such-id") }
            // A slash in an id stays inside one path segment (the server sees GET /events/{id}, not a deeper path).
            await expectNotFound { _ = try await client.getEvent(id: "a/b c") }
            await expectNotFound { try await client.deleteEvent(id: "no-such-id") }
            await expectNotFound { _ = try await client.getEventType(id: "42") }
            await expectNotFound { _ = try await client.getStatus(id: "no-such-request") }
            #expect(sim.stats.requestsByRoute["GET /events/{id}"] == 2)
            #expect(client.stats.retries == 0, "a 404 is not retried")
        }
    }

    @Test func createWaitGetWithRiskLevelZeroThenDelete() async throws {
        try await withSimulator { _, client in
            let email = try #require((try await someEvent(client))["user"]?["email"]?.stringValue)
            var request = CreateEventRequest(targetUser: email, eventType: "kb4_events_test")
            request.riskLevel = 0
            request.riskDecayMode = 0
            request.externalID = "t-1"
            request.occurredDate = "2026-11-20"
            let requestID = try await client.createEvent(request)
            // Processed after 50 ms; 120 s is only how long to give up: under the whole suite this process's threads
            // are sometimes all held by other suites (it once read the status once in 11.5 s).
            let status = try await client.waitForStatus(
                id: requestID, timeout: .seconds(120), interval: .milliseconds(100))
            #expect(status.id == requestID)
            #expect(status.isProcessed)
            #expect(status.failures.isEmpty)
            let eventID = try #require(status.eventIDs.first)
            #expect(status.eventIDs.count == 1)

            let event = try await client.getEvent(id: eventID)
            #expect(event["risk"]?["level"] == .number("0"), "risk_level 0 was sent and kept")
            #expect(event["risk"]?["decay_mode"] == .number("0"))
            #expect(event["user"]?["email"]?.stringValue == email)
            #expect(event["event_type"]?["name"]?.stringValue == "kb4_events_test")
            #expect(event["external_id"]?.stringValue == "t-1")
            #expect(event["occurred_date"]?.stringValue?.hasPrefix("2026-11-20T") == true)

            try await client.deleteEvent(id: eventID)
            await expectNotFound { _ = try await client.getEvent(id: eventID) }
        }
    }

    @Test func anUnknownUserIsAFailureInTheStatus() async throws {
        try await withSimulator { _, client in
            let requestID = try await client.createEvent(
                CreateEventRequest(targetUser: "nobody@nowhere.example", eventType: "kb4_events_test"))
            let status = try await client.waitForStatus(
                id: requestID, timeout: .seconds(120), interval: .milliseconds(100))
            #expect(status.eventIDs.isEmpty)
            #expect(status.failures.count == 1)
            #expect(status.failures.first?["target_user"]?.stringValue == "nobody@nowhere.example")
        }
    }

    @Test func anInvalidRequestSpendsNoCall() async throws {
        try await withSimulator { sim, client in
            var request = CreateEventRequest(targetUser: "someone@corp.example", eventType: "x")
            request.riskLevel = 11
            do {
                _ = try await client.createEvent(request)
                Issue.record("sent an invalid request")
            } catch let error as CreateEventRequest.Invalid {
                #expect(error.field == "risk_level")
            }
            #expect(client.stats.calls == 0)
            #expect(sim.stats.totalRequests == 0)
        }
    }

    @Test func aRefusalCarriesTheServersMessage() async throws {
        try await withSimulator { _, client in
            // The client does not limit `source`; the simulator refuses more than 255 characters with a 422.
            var request = CreateEventRequest(targetUser: "someone@corp.example", eventType: "x")
            request.source = String(repeating: "s", count: 300)
            do {
                _ = try await client.createEvent(request)
                Issue.record("the simulator accepted a 300-character source")
            } catch let error as APIError {
                #expect(error.kind == .badRequest)
                #expect(error.status == 422)
                #expect(error.message.contains("source: longer than 255 characters"), "\(error.message)")
                #expect(!error.message.contains("{"), "the message, not the raw body: \(error.message)")
            }
            #expect(client.stats.calls == 1, "a refusal is not retried")
        }
    }

    @Test func waitingForAnUnknownRequestTimesOut() async throws {
        try await withSimulator { _, client in
            do {
                _ = try await client.waitForStatus(
                    id: "no-such-request", timeout: .milliseconds(300), interval: .milliseconds(100))
                Issue.record("no timeout")
            } catch let error as StatusWaitTimeout {
                #expect(error.requestID == "no-such-request")
                #expect(error.polls >= 1)
                #expect(client.stats.calls == error.polls)
            }
        }
    }

    @Test func eventTypesByNameAndByID() async throws {
        try await withSimulator { _, client in
            let all = try await client.listEventTypes()
            #expect(all.count > 1)
            let first = try #require(all.first)
            let name = try #require(first["name"]?.stringValue)
            let named = try await client.listEventTypes(name: name)
            #expect(named == [first])
            #expect(try await client.listEventTypes(name: "no such type name").isEmpty)
            let id = try #require(first["id"]?.numberText)
            #expect(try await client.getEventType(id: id) == first)
        }
    }

    @Test func statusesArePagedAndFilteredByProcessedDay() async throws {
        try await withSimulator({
            $0.processingDelay = .milliseconds(50)
            $0.maxPerPage = 2
        }) { _, client in
            var requestIDs: [String] = []
            for n in 0..<3 {
                requestIDs.append(
                    try await client.createEvent(CreateEventRequest(targetUser: "n\(n)@corp.example", eventType: "t")))
            }
            for id in requestIDs {
                _ = try await client.waitForStatus(id: id, timeout: .seconds(120), interval: .milliseconds(100))
            }

            let first = try await client.listStatuses(page: 1, perPage: 10)
            #expect(first.items.count == 2, "per_page is clamped to 2")
            #expect(first.meta.limitValue == 2)

            var pager = client.statusPages(processed: "2026-11-22", perPage: 10)
            var seen: [String] = []
            var pages = 0
            while let page = try await pager.next() {
                pages += 1
                seen += page.items.compactMap { $0["id"]?.stringValue }
            }
            #expect(seen == requestIDs)
            #expect(pages == 2)

            let otherDay = try await client.listStatuses(processed: "2026-11-01")
            #expect(otherDay.items.isEmpty)

            let status = try await client.getStatus(id: requestIDs[1])
            #expect(status.id == requestIDs[1])
            #expect(status.json["api_key"] != nil)
        }
    }
}
