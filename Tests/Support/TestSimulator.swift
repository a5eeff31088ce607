package import KB4EventsSimulator

extension SimulatorConfiguration {
    /// The simulator the tests use: a seeded data set of `events` over `days` ending `today`, answering key `apiKey`
    /// with no per-second limit (the client's pacing is tested on its own); `configure` changes the rest.
    package static func unpaced(
        seed: UInt64, events: Int, days: Int, today: String, apiKey: String,
        _ configure: (inout SimulatorConfiguration) -> Void = { _ in }
    ) -> SimulatorConfiguration {
        var configuration = SimulatorConfiguration(seed: seed, events: events, days: days, today: today, apiKey: apiKey)
        configuration.requestsPerSecond = nil
        configure(&configuration)
        return configuration
    }
}
