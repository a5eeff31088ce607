package import Logging
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
package import NIOSSL
package import KB4EventsCore

/// A local, faithful twin of the KnowBe4 User Event API, served over HTTP/1.1 on loopback.
///
/// Its data is generated from the configuration's seed at init; `truthLines()` is exactly what the API would
/// return for every event. Control methods change the running scenario (today, faults, page drift, inserts).
package final class Simulator: Sendable {
    private let state: LockedBox<SimulatorState>
    private let server = LockedBox<Running?>(nil)
    private let logger: Logger

    private struct Running {
        var group: MultiThreadedEventLoopGroup
        var channel: any Channel
        var host: String
        var port: Int
        var scheme: String
    }

    /// Generates the data of `configuration`. An invalid configuration makes `start` throw.
    package init(configuration: SimulatorConfiguration, logger: Logger = Logger(label: "kb4.simulator")) {
        self.logger = logger
        state = LockedBox(SimulatorState(configuration: configuration, realToday: Self.realToday()))
        logger.debug(
            "simulator data generated",
            metadata: [
                "seed": "\(configuration.seed)", "events": "\(state.withLock { $0.eventsByID.count })",
            ])
    }

    /// Binds `host:port` (port 0 picks a free one; `host` an IPv4 or IPv6 address or a name), starts serving (over
    /// TLS with `tls`, a server configuration), and returns the bound port.
    package func start(host: String = "127.0.0.1", port: Int = 0, tls: TLSConfiguration? = nil) async throws -> Int {
        try state.withLock { $0.configuration }.validate()
        guard server.withLock({ $0 == nil }) else { throw SimulatorError.alreadyRunning }
        let sslContext = try tls.map { try NIOSSLContext(configuration: $0) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                    }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(HTTPHandler(simulator: self))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: host, port: port).get()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        let boundPort = channel.localAddress?.port ?? port
        let running = Running(
            group: group, channel: channel, host: host, port: boundPort, scheme: tls == nil ? "http" : "https")
        server.withLock { $0 = running }
        logger.debug("simulator listening", metadata: ["url": "\(baseURL)"])
        return boundPort
    }

    /// `SCHEME://HOST:PORT` of the running server, e.g. `http://127.0.0.1:40123`, `https://[::1]:40123` (an IPv6
    /// address in brackets; `http://127.0.0.1:0` before `start`).
    package var baseURL: String {
        server.withLock { running in
            let host = running?.host ?? "127.0.0.1"
            let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
            return "\(running?.scheme ?? "http")://\(bracketed):\(running?.port ?? 0)"
        }
    }

    /// Closes the listening socket and every open connection.
    package func stop() async throws {
        guard
            let running = server.withLock({ value -> Running? in
                defer { value = nil }
                return value
            })
        else { return }
        try? await running.channel.close()
        try await running.group.shutdownGracefully()
        logger.debug("simulator stopped")
    }

    // MARK: Control

    /// Moves the simulated UTC day (`YYYY-MM-DD`); the daily quota starts afresh when the day changes.
    /// Invalid text is ignored (and logged).
    package func setToday(_ day: String) {
        guard let number = Day(day)?.ordinal else {
            logger.warning("setToday ignored: not a YYYY-MM-DD date", metadata: ["day": "\(day)"])
            return
        }
        state.withLock { $0.setToday(number) }
    }

    /// Replaces the fault rates.
    package func setFaults(_ faults: FaultConfiguration) {
        state.withLock { $0.configuration.faults = faults }
    }

    /// Switches the page-drift scenario on or off.
    package func setPageDrift(_ on: Bool) {
        state.withLock { $0.configuration.pageDrift = on }
    }

    /// Adds an event created now with the given (usually past) occurred time `YYYY-MM-DDTHH:MM:SS.mmmZ`,
    /// other fields random; returns its id. An unparsable time falls back to the start of simulated today.
    @discardableResult
    package func insertEvent(occurredAt: String, description: String? = nil) -> String {
        let wall = Self.wallMillis()
        return state.withLock { state in
            let millis =
                UTCTime.parseMillis(occurredAt)
                ?? Int64(state.today(realToday: Day(millis: wall).ordinal)) * UTCTime.millisPerDay
            return state.insertEvent(millis: millis, description: description)
        }
    }

    /// Deletes an event; false when there is none with this id.
    package func deleteEvent(id: String) -> Bool {
        state.withLock { $0.removeEvent(id: id) }
    }

    /// Counters of what was served so far.
    package var stats: SimulatorStats {
        let today = Day(millis: Self.wallMillis()).ordinal
        return state.withLock { $0.currentStats(realToday: today) }
    }

    // MARK: Ground truth

    /// The NDJSON line of every event exactly as the API returns it, sorted by (occurred_date, id).
    package func truthLines() -> [String] {
        settled { state in state.truthEvents().map { String(decoding: $0.json, as: UTF8.self) } }
    }

    /// Events per UTC day `YYYY-MM-DD` (days without events are absent).
    package func truthCounts() -> [String: Int] {
        settled { state in
            var counts: [String: Int] = [:]
            for (day, ids) in state.eventIDsByDay where !ids.isEmpty {
                counts[Day(ordinal: day).description] = ids.count
            }
            return counts
        }
    }

    /// The first and last generated days `YYYY-MM-DD` (nil when the range is empty).
    var generatedRange: (first: String, last: String)? {
        state.withLock { state in
            state.range.map { (Day(ordinal: $0.lowerBound).description, Day(ordinal: $0.upperBound).description) }
        }
    }

    /// Writes `truthLines()` as an NDJSON file (one line each, `\n`-terminated).
    package func writeTruth(to path: String) throws {
        var data = Data()
        settled { state in
            for event in state.truthEvents() {
                data.append(contentsOf: event.json)
                data.append(0x0A)
            }
        }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw SimulatorError.cannotWriteTruth(path: path, reason: "\(error.localizedDescription)")
        }
    }

    // MARK: Internals

    /// How long the answer to a request just received waits before it is sent, counting the request as in flight
    /// until `answered()` (control requests under `/_sim` are not delayed or counted).
    func received(_ request: SimRequest) -> Duration? {
        guard !request.path.hasPrefix("/_sim") else { return nil }
        return state.withLock { state in
            state.stats.inFlight += 1
            state.stats.peakInFlight = max(state.stats.peakInFlight, state.stats.inFlight)
            let base = state.configuration.latency
            let jitter = state.configuration.latencyJitter
            guard jitter > .zero else { return base }
            let spread = Double(jitter.components.attoseconds) / 1e18 + Double(jitter.components.seconds)
            return max(.zero, base + .milliseconds(Int64((Double.random(in: -spread...spread) * 1000).rounded())))
        }
    }

    /// The answer to a request counted by `received` went out.
    func answered() {
        state.withLock { $0.stats.inFlight -= 1 }
    }

    /// The connection of a request counted by `received` closed before its answer went out (the client gave up on
    /// it: a cancelled request).
    func abandoned() {
        state.withLock {
            $0.stats.inFlight -= 1
            $0.stats.abandoned += 1
        }
    }

    /// Answers one parsed request (called on an event loop).
    func respond(to request: SimRequest) -> SimResponse {
        let now = ContinuousClock.now
        let wall = Self.wallMillis()
        let response = state.withLock { $0.respond(to: request, now: now, wallMillis: wall) }
        logger.debug(
            "served",
            metadata: [
                "method": "\(request.method)", "path": "\(request.path)", "status": "\(response.status)",
            ])
        return response
    }

    private func settled<T>(_ body: (inout SimulatorState) -> T) -> T {
        let now = ContinuousClock.now
        let wall = Self.wallMillis()
        return state.withLock { state in
            state.settle(now: now, wallMillis: wall)
            return body(&state)
        }
    }

    static func wallMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    static func realToday() -> Int {
        Day(millis: wallMillis()).ordinal
    }
}
