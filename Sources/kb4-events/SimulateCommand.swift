import ArgumentParser
import Foundation
import KB4EventsPipeline
import KB4EventsSimulator
import Logging
import NIOSSL

/// `kb4-events simulate`: serves the local twin of the User Event API until SIGINT or SIGTERM.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Serve a local simulator of the KnowBe4 User Event API on loopback.",
        discussion: """
            Prints one line to stdout when listening: 'kb4-events simulator listening on http://HOST:PORT'
            (https with --tls-cert and --tls-key; an IPv6 host in brackets).
            The Bearer key is read from the environment variable named by --api-key-env; when it is unset,
            the key is 'sim-key'. Control endpoints under /_sim (today, faults, insert, page_drift, stats, truth)
            need the same key.
            With --accounts the simulator serves many accounts, each with its own key, data set, rate limit, quota
            and counters (the key of a request, /_sim ones included, chooses the account): --accounts N gives keys
            sim-key-0 … sim-key-<N-1>, account i with seed --seed + i and account id 1000000 + i; --accounts FILE
            reads lines 'KEY ACCOUNT_ID SEED [EVENTS [DAYS]]' (ACCOUNT_ID '-' draws one from the seed; EVENTS and
            DAYS default to --events and --days; '#' starts a comment line). An account's data is generated when it
            is first asked for.
            """)

    @Option(help: "Address to bind (IPv4 or IPv6, e.g. ::1).") var host = "127.0.0.1"
    @Option(help: "Port to listen on; 0 picks a free one.") var port = 0
    @Option(help: "Seed of the generated data.") var seed: UInt64 = 1
    @Option(help: "Approximate number of events over the range.") var events = 10_000
    @Option(help: "Number of generated days, ending on today.") var days = 30
    @Option(name: .customLong("first-day"), help: "First generated day YYYY-MM-DD (overrides --days).")
    var firstDay: String?
    @Option(help: "The simulator's today YYYY-MM-DD (default: the real UTC day).") var today: String?
    @Option(name: .customLong("api-key-env"), help: "Environment variable holding the accepted key.")
    var apiKeyEnv = "KB4_EVENTS_API_KEY"
    @Option(name: .customLong("auth-failure"), help: "Answer to a bad key: 401, 403 or 500.")
    var authFailure = "401"
    @Option(name: .customLong("per-page-default"), help: "per_page when none is sent.") var perPageDefault = 100
    @Option(name: .customLong("per-page-max"), help: "Largest per_page (larger ones are clamped).")
    var perPageMax = 100
    @Option(help: "Requests per second before 429; 0 turns the limit off.") var rps: Double = 4
    @Option(name: .customLong("daily-quota"), help: "Calls per simulated UTC day before 429 'API Limit Exceeded'.")
    var dailyQuota: Int?
    @Option(name: .customLong("retry-after"), help: "Seconds sent in Retry-After on 429s.") var retryAfter: Int?
    @Option(name: .customLong("tie-order"), help: "Order of equal sort keys: insertion, id or random.")
    var tieOrder = "insertion"
    @Option(help: "Fault rates, e.g. 5xx=0.1,truncate=0.05,stall=0.01,stall_secs=2,malformed=0.02,utf8=0.01.")
    var faults: String?
    @Flag(name: .customLong("page-drift"), help: "Insert an event between page requests of one day.")
    var pageDrift = false
    @Flag(name: .customLong("ignore-order"), help: "Ignore order_by/order_direction and serve newest first.")
    var ignoreOrder = false
    @Option(name: .customLong("latency-ms"), help: "Milliseconds every API answer waits before it is sent.")
    var latencyMs = 0
    @Option(name: .customLong("latency-jitter-ms"), help: "Each answer waits latency ± up to this many milliseconds.")
    var latencyJitterMs = 0
    @Option(
        name: .customLong("day-filter-offset"),
        help: "The clock of the occurred_date filter: +00:00 (UTC days) or an account's local days, e.g. -05:00.")
    var dayFilterOffset = "+00:00"
    @Option(name: .customLong("dump-truth"), help: "Write every event as NDJSON to this file before serving.")
    var dumpTruth: String?
    @Option(help: "Serve many accounts: a number N (keys sim-key-0 …) or a file of 'KEY ACCOUNT_ID SEED [EVENTS [DAYS]]' lines.")
    var accounts: String?
    @Option(
        name: .customLong("tls-cert"),
        help: "Serve HTTPS with this PEM certificate chain (the server's certificate first); needs --tls-key.")
    var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "The PEM private key of --tls-cert.") var tlsKey: String?

    func validate() throws {
        _ = try simulatorConfiguration(apiKey: "validation")
        if accounts != nil, dumpTruth != nil {
            throw ValidationError("--dump-truth: not with --accounts (GET /_sim/truth with an account's key instead)")
        }
        _ = try simulatedAccounts()
        guard (tlsCert == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
    }

    /// The accounts of `--accounts`; nil without it. Throws a `ValidationError` naming the flag or the file's line.
    func simulatedAccounts() throws -> [SimulatedAccount]? {
        guard let accounts else { return nil }
        do {
            return try SimulatedAccount.accounts(spec: accounts, seed: seed, events: events, days: days)
        } catch {
            throw ValidationError("--accounts: \(error.description)")
        }
    }

    /// The server side of TLS from --tls-cert/--tls-key (nil: plain HTTP); a file that cannot be read is named.
    func tlsConfiguration() throws -> TLSConfiguration? {
        guard let tlsCert, let tlsKey else { return nil }
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do { chain = try NIOSSLCertificate.fromPEMFile(tlsCert) } catch {
            throw ValidationError("--tls-cert \(tlsCert): not a readable PEM certificate file (\(error))")
        }
        guard !chain.isEmpty else { throw ValidationError("--tls-cert \(tlsCert): no certificate in it") }
        do { key = try NIOSSLPrivateKey(file: tlsKey, format: .pem) } catch {
            throw ValidationError("--tls-key \(tlsKey): not a readable PEM private key (\(error))")
        }
        return TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
    }

    func run() async throws {
        var logger = Logger(label: "kb4.simulator", factory: { label in StreamLogHandler.standardError(label: label) })
        logger.logLevel = .info
        let simulator: Simulator
        if let accounts = try simulatedAccounts() {
            simulator = Simulator(
                configuration: try simulatorConfiguration(apiKey: "per-account"), accounts: accounts, logger: logger)
            logger.info("serving \(accounts.count) accounts; each account's data is generated on its first request")
        } else {
            let key: String
            if let value = ProcessInfo.processInfo.environment[apiKeyEnv], !value.isEmpty {
                key = value
            } else {
                key = "sim-key"
                logger.notice("\(apiKeyEnv) is not set: the simulator accepts the key 'sim-key'")
            }
            simulator = Simulator(configuration: try simulatorConfiguration(apiKey: key), logger: logger)
        }
        let tls = try tlsConfiguration()
        if let dumpTruth {
            try simulator.writeTruth(to: dumpTruth)
            logger.info(
                "truth written", metadata: ["file": "\(dumpTruth)", "events": "\(simulator.truthLines().count)"])
        }
        // Catch SIGINT/SIGTERM before announcing the port: a caller that stops us right after reading the line
        // must not hit the moment between ignoring the signal and watching for it.
        let termination = TerminationSignals()
        _ = try await simulator.start(host: host, port: port, tls: tls)
        FileHandle.standardOutput.write(Data("kb4-events simulator listening on \(simulator.baseURL)\n".utf8))
        let signal = await termination.wait()
        logger.info("stopping", metadata: ["signal": "\(signal)"])
        try await simulator.stop()
    }

    /// The library configuration of these flags; throws a `ValidationError` naming a bad flag.
    func simulatorConfiguration(apiKey: String) throws -> SimulatorConfiguration {
        var configuration = SimulatorConfiguration(
            seed: seed, events: events, days: days, firstDay: firstDay, today: today, apiKey: apiKey)
        switch authFailure {
        case "401": configuration.authFailure = .unauthorized
        case "403": configuration.authFailure = .forbidden
        case "500": configuration.authFailure = .edge500
        default: throw ValidationError("--auth-failure: '\(authFailure)' is not 401, 403 or 500")
        }
        guard (0...65_535).contains(port) else { throw ValidationError("--port: \(port) is not within 0…65535") }
        configuration.defaultPerPage = perPageDefault
        configuration.maxPerPage = perPageMax
        guard rps >= 0, rps.isFinite else { throw ValidationError("--rps: must be 0 (off) or more, got \(rps)") }
        configuration.requestsPerSecond = rps == 0 ? nil : rps
        configuration.dailyQuota = dailyQuota
        configuration.retryAfterSeconds = retryAfter
        guard let order = TieOrder(rawValue: tieOrder) else {
            throw ValidationError("--tie-order: '\(tieOrder)' is not insertion, id or random")
        }
        configuration.tieOrder = order
        if let faults {
            do {
                configuration.faults = try FaultConfiguration(spec: faults)
            } catch {
                throw ValidationError("--faults: \(error.description)")
            }
        }
        configuration.pageDrift = pageDrift
        configuration.ignoresRequestedOrder = ignoreOrder
        configuration.latency = .milliseconds(latencyMs)
        guard let offset = DayFilterOffset(dayFilterOffset) else {
            throw ValidationError("--day-filter-offset: '\(dayFilterOffset)' is not an offset such as +00:00, -05:00 or +05:30")
        }
        configuration.dayFilterOffsetMinutes = offset.minutes
        configuration.latencyJitter = .milliseconds(latencyJitterMs)
        do {
            try configuration.validate()
        } catch {
            throw ValidationError(error.description)
        }
        return configuration
    }

    /// Suspends until SIGINT or SIGTERM arrives; returns its name.
}

/// Watches SIGINT and SIGTERM from its creation on; `wait()` returns the first one, even if it came earlier.
private final class TerminationSignals: @unchecked Sendable {
    private let lock = NSLock()
    private var received: String?
    private var continuation: CheckedContinuation<String, Never>?
    private var sources: [any DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "kb4.simulator.signals")

    init() {
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in self?.fire(name) }
            source.resume()
            sources.append(source)
        }
    }

    func wait() async -> String {
        await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            let early = lock.withLock { () -> String? in
                if let received { return received }
                self.continuation = continuation
                return nil
            }
            if let early { continuation.resume(returning: early) }
        }
    }

    private func fire(_ name: String) {
        let pending = lock.withLock { () -> CheckedContinuation<String, Never>? in
            if received == nil { received = name }
            defer { continuation = nil }
            return continuation
        }
        pending?.resume(returning: name)
    }
}
