public import KB4EventsAPI

/// A pipeline file (`pipelines/*.yaml`, version 1) as written, every value optional; flags override it.
public struct PipelineConfiguration: Sendable, Equatable {
    /// The only version this tool reads.
    public static let currentVersion = 1

    /// Where events come from.
    public enum Source: Sendable, Equatable {
        /// The real API: a region or a base URL.
        case api
        /// The built-in simulator, started in-process on loopback.
        case simulator(SimulatorSource)
    }

    /// Settings of the embedded simulator source.
    public struct SimulatorSource: Sendable, Equatable {
        public var seed: UInt64 = 1
        public var events: Int = 2_000
        public var days: Int = 14
        public var firstDay: Day?
        /// The simulator's own per-second limit (nil: the simulator's default).
        public var requestsPerSecond: Double?
        /// Milliseconds every answer waits (to show a real API's answer times).
        public var latencyMs: Int = 0
        public init() {}
    }

    public var source: Source = .api
    public var region: Region?
    public var baseURL: String?
    public var apiKeyEnv: String?
    public var seats: Int?
    public var requestsPerSecond: Double?
    public var perPage: Int?
    public var pageOrder: PageOrder?
    public var timeoutSecs: Double?
    /// Requests that may wait for their answers at once (1 … `maxInFlightLimit`).
    public var maxInFlight: Int?
    /// The clock of the API's `occurred_date` filter (`+00:00` by default).
    public var dayFilter: DayFilterSetting?
    /// The largest `max_in_flight` (the transport keeps this many connections per host).
    public static let maxInFlightLimit = 8
    public var dailyCallBudget: Int?
    public var apiReserveCalls: Int?
    public var retryBudgetSecs: Double?
    public var initialBackoffSecs: Double?
    public var maxBackoffSecs: Double?
    public var throttleSpanSecs: Double?
    public var startDate: Day?
    public var lookbackDays: Int?
    public var outputDir: String?
    /// `output.s3`: settings of an S3-compatible store that are not in `output.dir`'s URL.
    public var outputS3: LakeLocation.S3Options?
    public var format: OutputFormat?
    public var compressionLevel: Int?
    public var keepRaw: Bool?

    /// An empty configuration (everything from flags and defaults).
    public init() {}
}

/// A pipeline-file problem: the file, the key path and why.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let keyPath: String
    public let reason: String
    public let line: Int?

    public var description: String {
        let at = line.map { " (line \($0))" } ?? ""
        return keyPath.isEmpty ? "\(file)\(at): \(reason)" : "\(file): \(keyPath)\(at): \(reason)"
    }
}
