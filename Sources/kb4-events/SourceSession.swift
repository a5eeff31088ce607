import Foundation
import KB4EventsAPI
import KB4EventsPipeline
import KB4EventsSimulator
import Logging
import KB4EventsCore

/// What a command talks to: the real API with the operator's key, or an embedded simulator it started on
/// loopback (pipeline `source: simulator`). Close it when done.
struct SourceSession {
    let client: Client
    let resolved: ResolvedPipeline
    let simulator: Simulator?
    /// The lake's shared daily call budget, when a lake is known.
    let budget: CallBudget?

    /// Reads the pipeline file (if any), applies `overrides`, finds the key and builds the client.
    /// `requireOutput` is false for commands that write no lake.
    static func open(
        source: SourceOptions, overrides: Overrides, today: Day, requireOutput: Bool, logger: Logger
    ) async throws -> SourceSession {
        let resolved = try resolve(source: source, overrides: overrides, requireOutput: requireOutput)
        return try await open(source: source, resolved: resolved, today: today, requireOutput: requireOutput, logger: logger)
    }

    /// Reads the pipeline file (if any) and applies `overrides`.
    static func resolve(source: SourceOptions, overrides: Overrides, requireOutput: Bool) throws -> ResolvedPipeline {
        var flags = overrides
        flags.lakeOptional = !requireOutput
        return try ResolvedPipeline.load(pipeline: source.pipeline, flags: flags, toolVersion: KB4Events.version)
    }

    /// Finds the key and builds the client for settings already resolved.
    static func open(
        source: SourceOptions, resolved: ResolvedPipeline, today: Day, requireOutput: Bool, logger: Logger
    ) async throws -> SourceSession {
        // The run's first line at --verbose: the proxy requests go through (never its credentials) and the trust roots.
        let transport = AsyncHTTPTransport(requestTimeout: resolved.timeoutSecs, extraCABundle: resolved.caBundle)
        logger.debug("network: \(transport.routeDescription)")
        let baseURL: BaseURL
        let key: APIKey
        var simulator: Simulator?
        switch resolved.source {
        case .api(let url):
            baseURL = url
            key = try Secrets.apiKey(file: source.apiKeyFile, env: resolved.apiKeyEnv)
        case .simulator(let settings):
            let secret = Secrets.randomToken()
            key = APIKey(secret)!
            var config = SimulatorConfiguration(
                seed: settings.seed, events: settings.events, days: settings.days,
                firstDay: settings.firstDay?.description, today: today.description, apiKey: secret)
            if let rps = settings.requestsPerSecond { config.requestsPerSecond = rps > 0 ? rps : nil }
            config.latency = .milliseconds(settings.latencyMs)
            let sim = Simulator(configuration: config, logger: Logger(label: "kb4.simulator"))
            _ = try await sim.start(host: "127.0.0.1", port: 0)
            simulator = sim
            baseURL = try BaseURL(parsing: sim.baseURL)
            logger.info("started the embedded simulator", metadata: ["url": "\(sim.baseURL)", "seed": "\(settings.seed)"])
        }
        // Calls are counted per UTC day in the lake, shared by every run; exports leave a reserve for `api`.
        var budget: CallBudget?
        if resolved.lakeIsGiven {
            let ledger = try await CallLedger.load(layout: resolved.export.lake)
            ledger.startFlushing()
            budget = CallBudget(
                limit: resolved.dailyCallBudget, reserve: resolved.apiReserveCalls, day: today, ledger: ledger)
        }
        let client = Client(
            baseURL: baseURL, key: key, transport: transport,
            pacer: Pacer(requestsPerSecond: resolved.requestsPerSecond), retry: resolved.retry,
            logger: Logger(label: "kb4.api"), gate: budget?.gate(useReserve: !requireOutput))
        return SourceSession(client: client, resolved: resolved, simulator: simulator, budget: budget)
    }

    /// Writes the calls not yet recorded in a lake in object storage, and stops the embedded simulator, if one
    /// was started. A ledger that cannot be written is a warning: the calls were made, the lake is intact.
    func close() async {
        do { try await budget?.ledger.close() } catch {
            ExitStatus.printWarning("cannot record the calls made: \(error)")
        }
        try? await simulator?.stop()
    }
}

enum Secrets {
    /// The API key from `--api-key-file` or the environment; the value itself is never shown.
    static func apiKey(file: String?, env: String) throws -> APIKey {
        if let file {
            // Read through a handle, not FileManager.contents: a pipe or process substitution (<(pass show …)) works too.
            guard let handle = FileHandle(forReadingAtPath: file) else {
                throw UsageProblem("cannot read the API key file \(file)")
            }
            defer { try? handle.close() }
            let data: Data
            do { data = try handle.readToEnd() ?? Data() } catch {
                throw UsageProblem("cannot read the API key file \(file)")
            }
            guard let key = APIKey(String(decoding: data, as: UTF8.self)) else {
                throw UsageProblem("the API key file \(file) is empty")
            }
            return key
        }
        guard let value = ProcessInfo.processInfo.environment[env], let key = APIKey(value) else {
            throw UsageProblem(
                "no API key: set the environment variable \(env) (or source.api_key_env in the pipeline file), or give --api-key-file PATH"
            )
        }
        return key
    }

    /// A throwaway key for the embedded simulator.
    static func randomToken() -> String {
        (0..<4).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16) }.joined()
    }
}

/// A problem with how the tool was called (exit 64).
struct UsageProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Day {
    /// Today in UTC by the system clock.
    static var utcToday: Day { Day(secondsSinceEpoch: Date().timeIntervalSince1970) }
}
