import Foundation
@testable import KB4EventsSimulator
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Conformance of the simulator over real loopback HTTP.
@Suite struct SimulatorTests {
    // MARK: Paging

    @Test func defaultPageIsNewestFirstWithKaminariMetaInOrder() async throws {
        try await withSimulator { simulator, client in
            let result = try await client.get("/events")
            #expect(result.status == 200)
            #expect(result.header("Content-Type") == "application/json; charset=utf-8")
            let text = try #require(result.text)
            let metaKeys = [
                "count", "limit_value", "total_pages", "current_page", "next_page", "prev_page", "is_first_page",
                "is_last_page", "is_out_of_range",
            ]
            let metaText = try #require(text.range(of: ",\"meta\":{").map { String(text[$0.upperBound...]) })
            let positions = metaKeys.map { metaText.range(of: "\"\($0)\":")?.lowerBound }
            #expect(positions.allSatisfy { $0 != nil })
            #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())

            let total = simulator.truthLines().count
            let meta = try result.meta()
            #expect(meta["count"] as? Int == 100)
            #expect(meta["limit_value"] as? Int == 100)
            #expect(meta["total_pages"] as? Int == (total + 99) / 100)
            #expect(meta["current_page"] as? Int == 1)
            #expect(meta["next_page"] as? Int == 2)
            #expect(meta["prev_page"] is NSNull)
            #expect(meta["is_first_page"] as? Bool == true)
            #expect(meta["is_last_page"] as? Bool == false)
            let dates = try result.rows().compactMap(\.occurred)
            #expect(dates.count == 100)
            #expect(dates == dates.sorted(by: >))
            #expect(dates.first == (try truthObjects(simulator).last?.occurred))
        }
    }

    @Test func perPageAndPageFallBackOrClampLikeKaminari() async throws {
        let configuration = testConfiguration {
            $0.defaultPerPage = 20
            $0.maxPerPage = 50
        }
        try await withSimulator(configuration) { _, client in
            let cases: [(query: String, limit: Int, page: Int)] = [
                ("per_page=500", 50, 1), ("per_page=0", 20, 1), ("per_page=-3", 20, 1), ("per_page=abc", 20, 1),
                ("per_page=7&page=0", 7, 1), ("per_page=7&page=-2", 7, 1), ("per_page=7&page=zz", 7, 1),
                ("per_page=7&page=3", 7, 3),
            ]
            for item in cases {
                let meta = try await client.get("/events?\(item.query)").meta()
                #expect(meta["limit_value"] as? Int == item.limit, "\(item.query)")
                #expect(meta["current_page"] as? Int == item.page, "\(item.query)")
                #expect(meta["count"] as? Int == item.limit, "\(item.query)")
            }
        }
    }

    @Test func emptyDayIsPageOneOutOfRange() async throws {
        try await withSimulator { _, client in
            let result = try await client.get("/events?occurred_date=2020-02-29")
            #expect(result.status == 200)
            #expect(try result.rows().isEmpty)
            let meta = try result.meta()
            #expect(meta["count"] as? Int == 0)
            #expect(meta["total_pages"] as? Int == 0)
            #expect(meta["current_page"] as? Int == 1)
            #expect(meta["is_first_page"] as? Bool == true)
            expectOutOfRange(meta)
        }
    }

    @Test func lastPageAndPagePastTheEnd() async throws {
        try await withSimulator { simulator, client in
            let total = simulator.truthLines().count
            let pages = (total + 49) / 50
            let last = try await client.get("/events?per_page=50&page=\(pages)").meta()
            #expect(last["count"] as? Int == total - (pages - 1) * 50)
            #expect(last["is_last_page"] as? Bool == true)
            #expect(last["next_page"] is NSNull)
            #expect(last["prev_page"] as? Int == pages - 1)
            #expect(last["is_out_of_range"] as? Bool == false)

            let past = try await client.get("/events?per_page=50&page=\(pages + 1)")
            #expect(try past.rows().isEmpty)
            expectOutOfRange(try past.meta())
        }
    }

    /// A page past the data: out of range, not the last page, no neighbours.
    func expectOutOfRange(_ meta: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(meta["is_out_of_range"] as? Bool == true, sourceLocation: sourceLocation)
        #expect(meta["is_last_page"] as? Bool == false, sourceLocation: sourceLocation)
        #expect(meta["next_page"] is NSNull, sourceLocation: sourceLocation)
        #expect(meta["prev_page"] is NSNull, sourceLocation: sourceLocation)
    }

    @Test func truthCountsMatchPagingEachDay() async throws {
        try await withSimulator { simulator, client in
            let counts = simulator.truthCounts()
            let truth = try truthObjects(simulator)
            for day in ["2026-11-11", "2026-11-15", "2026-11-20"] {
                let rows = try await client.pageAll(
                    "occurred_date=\(day)&order_by=occurred_date&order_direction=asc",
                    perPage: 17)
                #expect(rows.count == counts[day, default: 0], "\(day)")
                let expected = Set(truth.filter { $0.occurred?.hasPrefix(day) == true }.compactMap(\.id))
                #expect(Set(rows.compactMap(\.id)) == expected, "\(day)")
                #expect(rows.allSatisfy { $0.occurred?.hasPrefix(day) == true })
            }
            #expect(counts.values.reduce(0, +) == truth.count)
        }
    }

    // MARK: Ordering

    /// The first day with several events sharing one millisecond, and that millisecond.
    private func tieDay(_ simulator: Simulator) throws -> (day: String, stamp: String) {
        var seen: [String: Int] = [:]
        for object in try truthObjects(simulator) { seen[object.occurred ?? "", default: 0] += 1 }
        let stamp = try #require(seen.filter { $0.value >= 2 }.keys.sorted().first)
        return (String(stamp.prefix(10)), stamp)
    }

    @Test(arguments: ["asc", "desc"])
    func tiesKeepInsertionOrderInBothDirections(direction: String) async throws {
        try await withSimulator { simulator, client in
            let (day, stamp) = try tieDay(simulator)
            let rows = try await client.pageAll(
                "occurred_date=\(day)&order_by=occurred_date&order_direction=\(direction)")
            let dates = rows.compactMap(\.occurred)
            #expect(dates == (direction == "asc" ? dates.sorted() : dates.sorted(by: >)))
            let tied = rows.filter { $0.occurred == stamp }.compactMap(\.id)
            let ascending = try await client.pageAll("occurred_date=\(day)&order_by=occurred_date&order_direction=asc")
            #expect(tied == ascending.filter { $0.occurred == stamp }.compactMap(\.id))
            #expect(tied.count >= 2)
        }
    }

    @Test func tieOrderIDSortsEqualTimestampsByID() async throws {
        try await withSimulator(testConfiguration { $0.tieOrder = .id }) { simulator, client in
            let (day, stamp) = try tieDay(simulator)
            for direction in ["asc", "desc"] {
                let rows = try await client.pageAll(
                    "occurred_date=\(day)&order_by=occurred_date&order_direction=\(direction)")
                let tied = rows.filter { $0.occurred == stamp }.compactMap(\.id)
                #expect(tied.count >= 2)
                #expect(tied == tied.sorted())
            }
        }
    }

    @Test func tieOrderRandomStillSortsByTheKey() async throws {
        try await withSimulator(testConfiguration { $0.tieOrder = .random }) { simulator, client in
            let (day, stamp) = try tieDay(simulator)
            let rows = try await client.pageAll("occurred_date=\(day)&order_by=occurred_date&order_direction=asc")
            let dates = rows.compactMap(\.occurred)
            #expect(dates == dates.sorted())
            let expected = try truthObjects(simulator).filter { $0.occurred == stamp }.compactMap(\.id)
            #expect(Set(rows.filter { $0.occurred == stamp }.compactMap(\.id)) == Set(expected))
        }
    }

    @Test func orderByIDAndEventType() async throws {
        try await withSimulator { _, client in
            let byID = try await client.get("/events?order_by=id&order_direction=desc&per_page=100").rows()
            let ids = byID.compactMap(\.id)
            #expect(ids.count == 100)
            #expect(ids == ids.sorted(by: >))
            let byType = try await client.get("/events?order_by=event_type&per_page=100").rows()
            let names = byType.compactMap { ($0["event_type"] as? [String: Any])?["name"] as? String }
            #expect(names.count == 100)
            #expect(names == names.sorted())
        }
    }

    // MARK: Filters

    @Test func everyFilterMatchesTheTruth() async throws {
        try await withSimulator { simulator, client in
            let truth = try truthObjects(simulator)
            let sample = try #require(
                truth.first {
                    $0["external_id"] is String && $0["source"] is String
                        && (($0["risk"] as? [String: Any])?["expire_date"] is String)
                })
            let user = try #require(sample["user"] as? [String: Any])
            let type = try #require(sample["event_type"] as? [String: Any])
            let risk = try #require(sample["risk"] as? [String: Any])
            let filters: [(name: String, value: String, matches: ([String: Any]) -> Bool)] = [
                (
                    "event_type", type["name"] as! String,
                    {
                        ($0["event_type"] as? [String: Any])?["name"] as? String == type["name"] as? String
                    }
                ),
                (
                    "target_user", user["email"] as! String,
                    {
                        ($0["user"] as? [String: Any])?["email"] as? String == user["email"] as? String
                    }
                ),
                (
                    "external_id", sample["external_id"] as! String,
                    { $0["external_id"] as? String == sample["external_id"] as? String }
                ),
                ("source", sample["source"] as! String, { $0["source"] as? String == sample["source"] as? String }),
                (
                    "occurred_date", String(sample.occurred!.prefix(10)),
                    { $0.occurred?.hasPrefix(String(sample.occurred!.prefix(10))) == true }
                ),
                ("risk_level", "0", { ($0["risk"] as? [String: Any])?["level"] as? Int == 0 }),
                ("risk_level", "-3", { ($0["risk"] as? [String: Any])?["level"] as? Int == -3 }),
                ("risk_decay_mode", "1", { ($0["risk"] as? [String: Any])?["decay_mode"] as? Int == 1 }),
                (
                    "risk_expire_date", risk["expire_date"] as! String,
                    {
                        ($0["risk"] as? [String: Any])?["expire_date"] as? String == risk["expire_date"] as? String
                    }
                ),
            ]
            for filter in filters {
                let encoded = try #require(filter.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
                let rows = try await client.pageAll("\(filter.name)=\(encoded)")
                let expected = Set(truth.filter(filter.matches).compactMap(\.id))
                #expect(!expected.isEmpty, "\(filter.name)")
                #expect(Set(rows.compactMap(\.id)) == expected, "\(filter.name)=\(filter.value)")
            }
        }
    }

    @Test func badFilterValuesAre400() async throws {
        try await withSimulator { _, client in
            for query in [
                "occurred_date=2026-13-01", "occurred_date=2026-02-30", "occurred_date=yesterday", "risk_level=11",
                "risk_level=high", "risk_decay_mode=2", "risk_expire_date=2026/11/01", "order_by=name",
                "order_direction=up",
            ] {
                let result = try await client.get("/events?\(query)")
                #expect(result.status == 400, "\(query)")
                #expect(try result.object()["message"] is String, "\(query)")
            }
        }
    }

    // MARK: Auth and limits

    @Test func missingOrWrongKeyIs401() async throws {
        try await withSimulator { _, client in
            for authorization in ["", "Bearer wrong", "Bearer: \(testKey)", "Basic \(testKey)", testKey] {
                let result = try await client.send("GET", "/events", authorization: authorization)
                #expect(result.status == 401, "\(authorization)")
                #expect(result.text == "{\"message\":\"Unauthorized\"}")
            }
            let none = try await client.send("GET", "/events", key: nil)
            #expect(none.status == 401)
            let control = try await client.send("GET", "/_sim/stats", key: nil)
            #expect(control.status == 401)
            #expect(try await client.get("/events?per_page=1").status == 200)
        }
    }

    @Test func edgeModeAnswersABadKeyWith500() async throws {
        try await withSimulator(testConfiguration { $0.authFailure = .edge500 }) { simulator, client in
            let result = try await client.send("GET", "/events", key: "nope")
            #expect(result.status == 500)
            #expect(result.text == "{\"message\":\"Internal Server Error\"}")
            #expect(simulator.stats.authFailures == 1)
        }
    }

    @Test func forbiddenModeAnswers403() async throws {
        try await withSimulator(testConfiguration { $0.authFailure = .forbidden }) { _, client in
            let result = try await client.send("GET", "/events", key: "nope")
            #expect(result.status == 403)
        }
    }

    @Test func perSecondLimitAnswers429WithoutRetryAfter() async throws {
        try await withSimulator(testConfiguration { $0.requestsPerSecond = 1 }) { simulator, client in
            var statuses: [Int] = []
            var limited: HTTPResult?
            for _ in 0..<5 {
                let result = try await client.get("/event_types")
                statuses.append(result.status)
                if result.status == 429 { limited = result }
            }
            #expect(statuses.first == 200)
            let refused = try #require(limited)
            #expect(refused.text == "{\"message\":\"Too Many Requests\"}")
            #expect(refused.header("Retry-After") == nil)
            #expect(simulator.stats.rateLimited >= 1)
        }
    }

    @Test func dailyQuotaAnswersLimitExceededUntilTheDayChanges() async throws {
        let configuration = testConfiguration {
            $0.dailyQuota = 3
            $0.retryAfterSeconds = 7
        }
        try await withSimulator(configuration) { simulator, client in
            for _ in 0..<3 { #expect(try await client.get("/event_types").status == 200) }
            let refused = try await client.get("/event_types")
            #expect(refused.status == 429)
            #expect(refused.text?.contains("Limit Exceeded") == true)
            #expect(refused.header("Retry-After") == "7")
            #expect(try await client.get("/events/x").status == 429)
            // Control calls are not counted and still work.
            let stats = try await client.get("/_sim/stats").object()
            #expect(stats["quota_exceeded"] as? Int == 2)
            #expect(simulator.stats.quotaUsedToday == 5)

            simulator.setToday("2026-11-21")
            #expect(try await client.get("/event_types").status == 200)
            #expect(simulator.stats.quotaUsedToday == 1)
            let moved = try await client.send("POST", "/_sim/today?day=2026-11-22")
            #expect(moved.status == 200)
            for _ in 0..<3 { #expect(try await client.get("/event_types").status == 200) }
            #expect(try await client.get("/event_types").status == 429)
        }
    }

    // MARK: Create, status, get, delete

    private func waitForProcessed(_ client: TestClient, _ requestID: String) async throws -> [String: Any] {
        for _ in 0..<120 {
            let status = try #require(try await client.get("/statuses/\(requestID)").object()["data"] as? [String: Any])
            if !(status["processed"] is NSNull) { return status }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("request \(requestID) was never processed")
        return [:]
    }

    @Test func createThenStatusThenListGetAndDelete() async throws {
        try await withSimulator(testConfiguration { $0.processingDelay = .seconds(2) }) { simulator, client in
            let email = try #require(
                try truthObjects(simulator).compactMap { ($0["user"] as? [String: Any])?["email"] as? String }.first)
            let sentAt = ContinuousClock.now
            let created = try await client.post(
                "/events",
                json: [
                    "target_user": email, "event_type": "brand_new_type", "external_id": "create-test-1",
                    "source": "tests", "description": "Created by a test, with \"quotes\"",
                    "occurred_date": "2026-11-18",
                    "risk_level": 0, "risk_decay_mode": 1,
                ])
            #expect(created.status == 201)
            let requestID = try #require((try created.object()["data"] as? [String: Any])?["id"] as? String)
            let notYetListed = try await client.get("/events?external_id=create-test-1").rows().isEmpty
            let pending = try #require(
                try await client.get("/statuses/\(requestID)").object()["data"] as? [String: Any])
            // Before the processing delay has passed (a loaded machine can take longer than that to get here).
            if ContinuousClock.now - sentAt < .milliseconds(1900) {
                #expect(notYetListed)
                #expect(pending["processed"] is NSNull)
            }
            #expect(pending["api_key"] as? String != testKey)

            let status = try await waitForProcessed(client, requestID)
            let details = try #require(status["details"] as? [String: Any])
            let eventIDs = try #require(details["events"] as? [String])
            #expect(eventIDs.count == 1)
            #expect((details["failures"] as? [Any])?.isEmpty == true)
            let eventID = try #require(eventIDs.first)

            let listed = try await client.get("/events?external_id=create-test-1").rows()
            #expect(listed.compactMap(\.id) == [eventID])
            let fetched = try await client.get("/events/\(eventID)")
            #expect(fetched.status == 200)
            let event = try #require(try fetched.object()["data"] as? [String: Any])
            #expect(event.occurred == "2026-11-18T00:00:00.000Z")
            let risk = try #require(event["risk"] as? [String: Any])
            #expect(risk["level"] as? Int == 0)
            #expect(risk["decay_mode"] as? Int == 1)
            #expect(risk["expire_date"] as? String == "2026-12-18")
            #expect((event["event_type"] as? [String: Any])?["name"] as? String == "brand_new_type")
            let types = try await client.get("/event_types?name=brand_new_type").object()
            #expect((types["data"] as? [Any])?.count == 1)
            #expect(simulator.truthLines().contains { $0.contains(eventID) })

            #expect(try await client.send("DELETE", "/events/\(eventID)").status == 204)
            #expect(try await client.get("/events/\(eventID)").status == 404)
            #expect(try await client.send("DELETE", "/events/\(eventID)").status == 404)
            #expect(!simulator.truthLines().contains { $0.contains(eventID) })
        }
    }

    @Test func createForAnUnknownUserEndsAsAFailure() async throws {
        try await withSimulator { _, client in
            let created = try await client.post(
                "/events", json: ["target_user": "nobody@nowhere.example", "event_type": "phish_reported"])
            #expect(created.status == 201)
            let requestID = try #require((try created.object()["data"] as? [String: Any])?["id"] as? String)
            let status = try await waitForProcessed(client, requestID)
            let details = try #require(status["details"] as? [String: Any])
            #expect((details["events"] as? [Any])?.isEmpty == true)
            let failures = try #require(details["failures"] as? [[String: Any]])
            #expect(failures.first?["target_user"] as? String == "nobody@nowhere.example")
        }
    }

    @Test func invalidCreateBodiesAreRefused() async throws {
        try await withSimulator { simulator, client in
            let email = "ana.silva@corp.example"
            let cases: [(body: String, status: Int)] = [
                ("{\"event_type\":\"x\"}", 400),
                ("{\"target_user\":\"not-an-email\",\"event_type\":\"x\"}", 422),
                ("{\"target_user\":\"\(email)\"}", 400),
                ("{\"target_user\":\"\(email)\",\"event_type\":\"x\",\"risk_level\":11}", 422),
                ("{\"target_user\":\"\(email)\",\"event_type\":\"x\",\"risk_level\":1.5}", 422),
                ("{\"target_user\":\"\(email)\",\"event_type\":\"x\",\"risk_decay_mode\":2}", 422),
                ("{\"target_user\":\"\(email)\",\"event_type\":\"x\",\"occurred_date\":\"2026-11-31\"}", 422),
                ("{\"target_user\":\"\(email)\",\"event_type\":\"x\",\"risk_expire_date\":\"soon\"}", 422),
                (
                    "{\"target_user\":\"\(email)\",\"event_type\":\"x\",\"external_id\":\"\(String(repeating: "e", count: 65))\"}",
                    422
                ),
                (
                    "{\"target_user\":\"\(email)\",\"event_type\":\"x\",\"description\":\"\(String(repeating: "é", count: 256))\"}",
                    422
                ),
                ("{\"target_user\":", 400),
                ("[1,2]", 400),
            ]
            for item in cases {
                let result = try await client.send("POST", "/events", body: Data(item.body.utf8))
                #expect(result.status == item.status, "\(item.body.prefix(80))")
                #expect(try result.object()["message"] is String)
            }
            let ok =
                "{\"target_user\":\"\(email)\",\"event_type\":\"x\",\"description\":\"\(String(repeating: "é", count: 255))\"}"
            #expect(try await client.send("POST", "/events", body: Data(ok.utf8)).status == 201)
            #expect(simulator.stats.requestsByRoute["POST /events"] == cases.count + 1)
        }
    }

    // MARK: Event types and statuses

    @Test func eventTypesListAndGet() async throws {
        try await withSimulator { _, client in
            let list = try await client.get("/event_types").object()
            let types = try #require(list["data"] as? [[String: Any]])
            #expect(types.count >= 8)
            #expect((list["meta"] as? [String: Any])?["count"] as? Int == types.count)
            let first = try #require(types.first)
            #expect(Set(first.keys) == ["id", "account_id", "name", "description"])
            let id = try #require(first["id"] as? Int)
            let fetched = try await client.get("/event_types/\(id)")
            #expect(fetched.status == 200)
            #expect((try fetched.object()["data"] as? [String: Any])?["name"] as? String == first["name"] as? String)
            #expect(try await client.get("/event_types/1").status == 404)
            #expect(try await client.get("/event_types/abc").status == 404)
            let named = try await client.get("/event_types?name=\(first["name"] as! String)").object()
            #expect((named["meta"] as? [String: Any])?["count"] as? Int == 1)
            let none = try await client.get("/event_types?name=no_such_type").object()
            #expect((none["meta"] as? [String: Any])?["count"] as? Int == 0)
        }
    }

    @Test func statusesArePagedAndFilteredByProcessedDay() async throws {
        try await withSimulator(testConfiguration { $0.processingDelay = .zero }) { _, client in
            var ids: [String] = []
            for index in 0..<3 {
                let created = try await client.post(
                    "/events",
                    json: [
                        "target_user": "ana.silva@corp.example", "event_type": "phish_reported",
                        "external_id": "s\(index)",
                    ])
                ids.append(try #require((try created.object()["data"] as? [String: Any])?["id"] as? String))
            }
            let first = try await client.get("/statuses?per_page=2")
            #expect(try first.meta()["total_pages"] as? Int == 2)
            #expect(try first.rows().compactMap(\.id) == Array(ids.prefix(2)))
            let second = try await client.get("/statuses?per_page=2&page=2")
            #expect(try second.rows().compactMap(\.id) == [ids[2]])
            #expect(try second.meta()["is_last_page"] as? Bool == true)
            #expect(try await client.get("/statuses?processed=2026-11-20").meta()["count"] as? Int == 3)
            #expect(try await client.get("/statuses?processed=2026-11-19").meta()["total_pages"] as? Int == 0)
            #expect(try await client.get("/statuses?processed=today").status == 400)
            #expect(try await client.get("/statuses/\(UUID().uuidString.lowercased())").status == 404)
        }
    }

    // MARK: Faults

    @Test func serverErrorFault() async throws {
        try await withSimulator(testConfiguration { $0.faults = FaultConfiguration(serverError: 1) }) {
            simulator, client in
            for _ in 0..<4 {
                let result = try await client.get("/events?per_page=1")
                #expect([500, 502, 503].contains(result.status))
            }
            #expect(simulator.stats.faultsInjected[.serverError] == 4)
            #expect(try await client.get("/_sim/stats").status == 200)
        }
    }

    @Test func truncatedBodyFault() async throws {
        try await withSimulator(testConfiguration { $0.faults = FaultConfiguration(truncatedBody: 1) }) {
            simulator, client in
            await #expect(throws: (any Error).self) { try await client.get("/events?per_page=5") }
            #expect(simulator.stats.faultsInjected[.truncatedBody] == 1)
        }
    }

    @Test func stallFault() async throws {
        let configuration = testConfiguration { $0.faults = FaultConfiguration(stall: 1, stallSeconds: 0.3) }
        try await withSimulator(configuration) { simulator, client in
            await #expect(throws: (any Error).self) { try await client.get("/events?per_page=5") }
            #expect(simulator.stats.faultsInjected[.stall] == 1)
        }
    }

    @Test func malformedJSONFault() async throws {
        try await withSimulator(testConfiguration { $0.faults = FaultConfiguration(malformedJSON: 1) }) {
            simulator, client in
            let result = try await client.get("/events?per_page=5")
            #expect(result.status == 200)
            #expect(!result.body.isEmpty)
            #expect(throws: (any Error).self) { try JSONSerialization.jsonObject(with: result.body) }
            #expect(simulator.stats.faultsInjected[.malformedJSON] == 1)
        }
    }

    @Test func invalidUTF8Fault() async throws {
        try await withSimulator(testConfiguration { $0.faults = FaultConfiguration(invalidUTF8: 1) }) {
            simulator, client in
            let result = try await client.get("/events?per_page=5")
            #expect(result.status == 200)
            #expect(String(data: result.body, encoding: .utf8) == nil)
            #expect(simulator.stats.faultsInjected[.invalidUTF8] == 1)
        }
    }

    @Test func faultsCanBeSwitchedWhileRunning() async throws {
        try await withSimulator { simulator, client in
            #expect(try await client.get("/events?per_page=1").status == 200)
            simulator.setFaults(FaultConfiguration(serverError: 1))
            #expect(try await client.get("/events?per_page=1").status >= 500)
            let reset = try await client.send("POST", "/_sim/faults?spec=none")
            #expect(reset.status == 200)
            #expect(try await client.get("/events?per_page=1").status == 200)
            #expect(try await client.send("POST", "/_sim/faults?spec=boom%3D1").status == 400)
        }
    }

    // MARK: Scenarios

    @Test func pageDriftShiftsTheNextPage() async throws {
        try await withSimulator(testConfiguration { $0.pageDrift = true }) { simulator, client in
            let busiest = try #require(simulator.truthCounts().max { $0.value < $1.value })
            let day = busiest.key
            let before = busiest.value
            try #require(before >= 4)
            let query = "/events?occurred_date=\(day)&order_by=occurred_date&order_direction=asc&per_page=2"
            let first = try await client.get(query + "&page=1").rows().compactMap(\.id)
            let second = try await client.get(query + "&page=2").rows().compactMap(\.id)
            #expect(second.first == first.last)
            #expect(simulator.truthCounts()[day] == before + 2)

            simulator.setPageDrift(false)
            let third = try await client.get(query + "&page=3").rows()
            #expect(third.count == 2)
            #expect(simulator.truthCounts()[day] == before + 2)
        }
    }

    @Test func backdatedInsertAppearsInItsDay() async throws {
        try await withSimulator { simulator, client in
            let id = simulator.insertEvent(occurredAt: "2026-11-12T08:00:00.000Z", description: "late, \"backdated\"")
            let rows = try await client.pageAll("occurred_date=2026-11-12")
            let row = try #require(rows.first { $0.id == id })
            #expect(row["description"] as? String == "late, \"backdated\"")
            let viaControl = try await client.send("POST", "/_sim/insert?occurred=2026-11-13T23:59:59.999Z").object()
            let otherID = try #require(viaControl["id"] as? String)
            #expect(try await client.get("/events/\(otherID)").status == 200)
            #expect(simulator.deleteEvent(id: otherID))
            #expect(!simulator.deleteEvent(id: otherID))
            #expect(try await client.send("POST", "/_sim/insert?occurred=yesterday").status == 400)
        }
    }

    // MARK: Bytes and truth

    @Test func singleEventBodyIsTheTruthLineByteForByte() async throws {
        try await withSimulator { simulator, client in
            for line in simulator.truthLines().prefix(40) {
                let id = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]).id
                let result = try await client.get("/events/\(try #require(id))")
                #expect(result.body == Data(("{\"data\":" + line + "}").utf8))
                #expect(line.hasPrefix("{\"id\":\"\(id!)\",\"account_id\":"))
            }
        }
    }

    @Test func controlEndpointsServeTruthAndStatsWithoutCounting() async throws {
        try await withSimulator { simulator, client in
            _ = try await client.get("/events?per_page=1")
            let truth = try await client.get("/_sim/truth")
            #expect(truth.status == 200)
            #expect(truth.text == simulator.truthLines().joined(separator: "\n") + "\n")
            let stats = try await client.get("/_sim/stats").object()
            #expect(stats["total_requests"] as? Int == 1)
            #expect(simulator.stats.totalRequests == 1)
            #expect(simulator.stats.requestsByRoute["GET /_sim/truth"] == 1)
            #expect(try await client.send("POST", "/_sim/page_drift?on=1").status == 200)
            #expect(try await client.get("/_sim/nothing").status == 404)
        }
    }

    @Test func truthFileHasOneLinePerEvent() async throws {
        let simulator = Simulator(configuration: testConfiguration())
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("truth-\(UUID().uuidString).ndjson")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try simulator.writeTruth(to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == simulator.truthLines().joined(separator: "\n") + "\n")
    }

    @Test func startRefusesAnInvalidConfiguration() async throws {
        let simulator = Simulator(configuration: testConfiguration { $0.today = "2026-11-31" })
        await #expect(throws: SimulatorError.self) { _ = try await simulator.start() }
    }
}
