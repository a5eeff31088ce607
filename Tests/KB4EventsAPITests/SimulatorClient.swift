import KB4EventsSimulator
import Logging

@testable import KB4EventsCore
@testable import KB4EventsAPI
import KB4EventsTestSupport

/// Runs `body` with a simulator on loopback (key "k", no rate limit, today 2026-11-22) and an unpaced client
/// with fast retries; the simulator is always stopped.
func withSimulatorClient(
    seed: UInt64, events: Int, days: Int, _ configure: (inout SimulatorConfiguration) -> Void = { _ in },
    _ body: (Simulator, Client) async throws -> Void
) async throws {
    let config = SimulatorConfiguration.unpaced(
        seed: seed, events: events, days: days, today: "2026-11-22", apiKey: "k", configure)
    let sim = Simulator(configuration: config)
    _ = try await sim.start(host: "127.0.0.1", port: 0)
    let client = Client(
        baseURL: try BaseURL(parsing: sim.baseURL), key: APIKey("k")!, transport: AsyncHTTPTransport(requestTimeout: 5),
        pacer: Pacer(requestsPerSecond: nil),
        retry: RetryPolicy(initialBackoff: .milliseconds(5), maxBackoff: .milliseconds(20), budget: .seconds(120)),
        logger: Logger(label: "test"))
    do {
        try await body(sim, client)
    } catch {
        try? await sim.stop()
        throw error
    }
    try await sim.stop()
}
