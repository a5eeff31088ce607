import Foundation
@testable import KB4EventsSimulator
import Testing
import KB4EventsTestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The key every test simulator accepts.
let testKey = "test-key"

/// A small, fast configuration: 10 days ending 2026-11-20, no per-second limit, short processing delay.
func testConfiguration(_ configure: (inout SimulatorConfiguration) -> Void = { _ in }) -> SimulatorConfiguration {
    .unpaced(seed: 7, events: 600, days: 10, today: "2026-11-20", apiKey: testKey) {
        $0.processingDelay = .milliseconds(100)
        configure(&$0)
    }
}

/// One answer as the test client saw it.
struct HTTPResult {
    var status: Int
    var headers: [String: String]
    var body: Data

    var text: String? { String(data: body, encoding: .utf8) }

    /// The body as a JSON object (fails the test when it is not one).
    func object(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: body)
        return try #require(value as? [String: Any], sourceLocation: sourceLocation)
    }

    func meta() throws -> [String: Any] {
        try #require(try object()["meta"] as? [String: Any])
    }

    func rows() throws -> [[String: Any]] {
        try #require(try object()["data"] as? [[String: Any]])
    }

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// A URLSession client of one simulator over loopback.
struct TestClient: Sendable {
    let base: String
    let session: URLSession

    init(base: String) {
        self.base = base
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 5
        session = URLSession(configuration: configuration)
    }

    func send(
        _ method: String = "GET", _ target: String, key: String? = testKey, authorization: String? = nil,
        body: Data? = nil
    ) async throws -> HTTPResult {
        var request = URLRequest(url: try #require(URL(string: base + target)))
        request.httpMethod = method
        request.timeoutInterval = 5
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let authorization {
            request.setValue(authorization, forHTTPHeaderField: "Authorization")
        } else if let key {
            request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        }
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
        }
        return HTTPResult(status: http.statusCode, headers: headers, body: data)
    }

    func get(_ target: String) async throws -> HTTPResult {
        try await send("GET", target)
    }

    /// POST with a JSON object body.
    func post(_ target: String, json: [String: Any]) async throws -> HTTPResult {
        try await send("POST", target, body: try JSONSerialization.data(withJSONObject: json))
    }

    /// Follows `next_page` from page 1 and returns every row.
    func pageAll(_ query: String, perPage: Int = 100) async throws -> [[String: Any]] {
        var rows: [[String: Any]] = []
        var page: Int? = 1
        var guardCount = 0
        while let current = page, guardCount < 1000 {
            guardCount += 1
            let result = try await get("/events?\(query)&per_page=\(perPage)&page=\(current)")
            try #require(result.status == 200)
            rows += try result.rows()
            page = try result.meta()["next_page"] as? Int
        }
        return rows
    }
}

/// Starts a simulator on a free loopback port, runs `body`, and stops it whatever happens.
func withSimulator(
    _ configuration: SimulatorConfiguration = testConfiguration(),
    _ body: (Simulator, TestClient) async throws -> Void
) async throws {
    let simulator = Simulator(configuration: configuration)
    _ = try await simulator.start()
    let client = TestClient(base: simulator.baseURL)
    do {
        try await body(simulator, client)
    } catch {
        client.session.invalidateAndCancel()
        try await simulator.stop()
        throw error
    }
    client.session.invalidateAndCancel()
    try await simulator.stop()
}

/// Truth lines parsed as JSON objects.
func truthObjects(_ simulator: Simulator) throws -> [[String: Any]] {
    try simulator.truthLines().map { line in
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }
}

extension Dictionary where Key == String, Value == Any {
    var id: String? { self["id"] as? String }
    var occurred: String? { self["occurred_date"] as? String }
}
