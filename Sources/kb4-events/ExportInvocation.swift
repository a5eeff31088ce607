import ArgumentParser
import Foundation
import KB4EventsAPI
import KB4EventsPipeline
import KB4EventsSimulator
import Logging

/// Builds one export run from the flags and the pipeline file, runs it, prints the summary line and maps
/// failures to the contract's exit codes.
struct ExportInvocation {
    let options: GlobalOptions

    func run(_ request: RunRequest) async throws {
        let logger = LogSetup.bootstrap(format: options.logFormat, quiet: options.quiet, verbose: options.verbose)
        var simulator: Simulator?
        do {
            let file = try options.pipeline.map { path throws(ConfigurationError) in try PipelineConfiguration.load(path: path) }
                ?? PipelineConfiguration()
            let resolved = try ResolvedPipeline.resolve(
                file: file, flags: options.overrides, fileName: options.pipeline, toolVersion: KB4Events.version)
            let today = options.today ?? Day(secondsSinceEpoch: Date().timeIntervalSince1970)
            let settings = resolved.exportSettings(today: today)

            let baseURL: BaseURL
            let key: APIKey
            switch resolved.source {
            case .api(let url):
                baseURL = url
                key = try Secrets.apiKey(file: options.apiKeyFile, env: resolved.apiKeyEnv)
            case .simulator(let source):
                let secret = Secrets.randomToken()
                key = APIKey(secret)!
                var config = SimulatorConfiguration()
                config.seed = source.seed
                config.events = source.events
                config.days = source.days
                config.firstDay = source.firstDay?.description
                config.today = today.description
                config.apiKey = secret
                if let rps = source.requestsPerSecond { config.requestsPerSecond = rps > 0 ? rps : nil }
                let sim = Simulator(configuration: config, logger: Logger(label: "kb4.simulator"))
                _ = try await sim.start(host: "127.0.0.1", port: 0)
                simulator = sim
                baseURL = try BaseURL(parsing: sim.baseURL)
                logger.info("started the embedded simulator", metadata: ["url": "\(sim.baseURL)", "seed": "\(source.seed)"])
            }
            let client = Client(
                baseURL: baseURL, key: key, transport: URLSessionTransport(requestTimeout: resolved.timeoutSecs),
                pacer: Pacer(requestsPerSecond: resolved.requestsPerSecond), logger: Logger(label: "kb4.api"))
            let runner = ExportRunner(
                settings: settings, client: client, logger: Logger(label: "kb4.export"),
                clock: RunClock(today: today, now: { Date().timeIntervalSince1970 }), runID: RunID.make())
            let summary = try await runner.run(request)
            try? await simulator?.stop()
            print(summary.line)
            if simulator != nil {
                let root = settings.lake.root
                print("lake: \(root)")
                print(
                    "query: python3 -c \"import duckdb; print(duckdb.sql(\\\"SELECT dt, count(*) FROM read_json_auto('\(root)/events/*/*.\(settings.format.rawValue).gz', hive_partitioning=true) GROUP BY dt ORDER BY dt\\\"))\""
                )
            }
        } catch {
            try? await simulator?.stop()
            throw ExitStatus.report(error)
        }
    }
}

enum RunID {
    /// `YYYYMMDDTHHMMSSZ-<pid>-<random>`: sortable, unique per run, safe in file names.
    static func make() -> String {
        let now = Date()
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return "\(f.string(from: now))-\(ProcessInfo.processInfo.processIdentifier)-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
    }
}

enum Secrets {
    /// The API key from `--api-key-file` or the environment; the value itself is never shown.
    static func apiKey(file: String?, env: String) throws -> APIKey {
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
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
