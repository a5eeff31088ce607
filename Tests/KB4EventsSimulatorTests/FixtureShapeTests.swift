@testable import KB4EventsSimulator
import Foundation
import Testing

/// The simulator's responses have exactly the key structure (names and order) of the composed fixtures.
@Suite struct FixtureShapeTests {
    private static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures")

    private func fixture(_ name: String) throws -> JSONValue {
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent(name))
        return try JSONParser.parse(Array(data))
    }

    /// Ordered key paths; arrays contribute their first element; free-form `metadata` is not descended into.
    private func keyPaths(_ value: JSONValue, _ prefix: String = "") -> [String] {
        switch value {
        case .object(let members):
            return members.flatMap { member -> [String] in
                let path = prefix.isEmpty ? member.key : prefix + "." + member.key
                return member.key == "metadata" ? [path] : [path] + keyPaths(member.value, path)
            }
        case .array(let items):
            return items.first.map { keyPaths($0, prefix + "[]") } ?? []
        default:
            return []
        }
    }

    private func simulator() -> Simulator {
        Simulator(configuration: testConfiguration())
    }

    @Test func eventKeysMatchTheFixtureEvent() throws {
        let line = try #require(simulator().truthLines().first)
        let event = try JSONParser.parse(Array(line.utf8))
        let fixtureEvent = try #require(try fixture("event.json")["data"])
        #expect(keyPaths(event) == keyPaths(fixtureEvent))
        #expect(keyPaths(event).first == "id")
    }

    @Test func listPagesMatchTheFixturePages() throws {
        let lines = simulator().truthLines().prefix(3).map { Array($0.utf8) }
        let (_, meta) = PageMeta.paginate(Array(lines), page: 1, limit: 50)
        let page = try JSONParser.parse(PageMeta.listBody(rows: lines, meta: meta))
        #expect(keyPaths(page) == keyPaths(try fixture("events-page.json")))

        let (_, emptyMeta) = PageMeta.paginate([[UInt8]](), page: 1, limit: 100)
        let empty = PageMeta.listBody(rows: [[UInt8]](), meta: emptyMeta)
        let fixtureEmpty = try fixture("events-empty.json")
        #expect(String(decoding: empty, as: UTF8.self) == String(decoding: fixtureEmpty.compactBytes, as: UTF8.self))
    }

    @Test func eventTypesAndStatusMatchTheirFixtures() throws {
        let generator = DataGenerator(seed: 1)
        let types = try JSONParser.parse(generator.eventTypes[0].json(accountID: generator.accountID))
        let fixtureTypes = try fixture("event-types.json")
        guard case .array(let items)? = fixtureTypes["data"] else {
            Issue.record("event-types.json has no data array")
            return
        }
        #expect(keyPaths(types) == keyPaths(try #require(items.first)))

        let submission = RequestStatus.Submission(targetUser: "a@b.example", eventType: "x")
        var status = RequestStatus(id: "r", submission: submission, dueAt: .now)
        status.createdEventIDs = ["e"]
        status.processedMillis = 0
        let statusValue = try JSONParser.parse(status.json(apiKeyLabel: "label"))
        #expect(keyPaths(statusValue) == keyPaths(try #require(try fixture("status.json")["data"])))
    }

    @Test func limitExceededFixtureSaysLimitExceeded() throws {
        guard case .string(let message)? = try fixture("limit-exceeded.json")["message"] else {
            Issue.record("limit-exceeded.json has no message")
            return
        }
        #expect(message.contains("Limit Exceeded"))
        guard case .object(let data)? = try fixture("create-response.json")["data"] else {
            Issue.record("create-response.json has no data object")
            return
        }
        #expect(data.map(\.key) == ["id"])
    }
}
