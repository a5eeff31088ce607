package import KB4EventsAPI
package import KB4EventsCore

/// A pipeline file (`pipelines/*.yaml`, version 1) as written, every value optional; flags override it.
package struct PipelineConfiguration: Sendable, Equatable {
    /// The only version this tool reads.
    static let currentVersion = 1

    /// Where events come from.
    package enum Source: Sendable, Equatable {
        /// The real API: a region or a base URL.
        case api
        /// The built-in simulator, started in-process on loopback.
        case simulator(SimulatorSource)
    }

    /// Settings of the embedded simulator source.
    package struct SimulatorSource: Sendable, Equatable {
        package var seed: UInt64 = 1
        package var events: Int = 2_000
        package var days: Int = 14
        package var firstDay: Day?
        /// The simulator's own per-second limit (nil: the simulator's default).
        package var requestsPerSecond: Double?
        /// Milliseconds every answer waits (to show a real API's answer times).
        package var latencyMs: Int = 0
        package init() {}
    }

    /// `name`: the account's name, the `account` label of its metrics (checked by `AccountName.problem`).
    package var name: String?
    package var source: Source = .api
    package var region: Region?
    package var baseURL: String?
    package var apiKeyEnv: String?
    package var seats: Int?
    package var requestsPerSecond: Double?
    package var perPage: Int?
    var pageOrder: PageOrder?
    package var timeoutSecs: Double?
    /// `source.ca_bundle`: a PEM file of CA certificates trusted besides the system's for the API.
    package var caBundle: String?
    /// Requests that may wait for their answers at once (1 … `maxInFlightLimit`).
    var maxInFlight: Int?
    /// The clock of the API's `occurred_date` filter (`+00:00` by default).
    package var dayFilter: DayFilterSetting?
    /// The largest `max_in_flight` (the transport keeps this many connections per host).
    static let maxInFlightLimit = 8
    package var dailyCallBudget: Int?
    package var apiReserveCalls: Int?
    package var retryBudgetSecs: Double?
    var initialBackoffSecs: Double?
    var maxBackoffSecs: Double?
    var throttleSpanSecs: Double?
    package var startDate: Day?
    package var lookbackDays: Int?
    package var outputDir: String?
    /// `output.s3`: settings of an S3-compatible store that are not in `output.dir`'s URL.
    var outputS3: LakeLocation.S3Options?
    package var format: OutputFormat?
    var compressionLevel: Int?
    var parquetCodec: ParquetCodec?
    package var keepRaw: Bool?

    /// An empty configuration (everything from flags and defaults).
    package init() {}
}

/// A pipeline-file problem: the file, the key path and why.
package struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    package let file: String
    package let keyPath: String
    package let reason: String
    package let line: Int?
    /// `.configuration` (a wrong setting), or `.usage` when the command was called without something it needs
    /// (no lake given at all).
    package var category: PipelineError.Category = .configuration

    package var description: String {
        let at = line.map { " (line \($0))" } ?? ""
        return keyPath.isEmpty ? "\(file)\(at): \(reason)" : "\(file): \(keyPath)\(at): \(reason)"
    }
}
