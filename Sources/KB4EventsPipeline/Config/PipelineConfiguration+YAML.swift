import Foundation
import KB4EventsAPI
import Yams
import KB4EventsCore

extension PipelineConfiguration {
    /// Reads and validates a pipeline file. Unknown keys, a wrong version and bad values are errors naming the key path.
    package static func load(path: String) throws(ConfigurationError) -> PipelineConfiguration {
        let bytes: [UInt8]
        do { bytes = try FileSystem.read(path) } catch {
            throw ConfigurationError(file: path, keyPath: "", reason: "cannot read: \(error)", line: nil)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigurationError(file: path, keyPath: "", reason: "not UTF-8 text", line: nil)
        }
        return try parse(yaml: text, file: path)
    }

    /// Parses pipeline YAML; `file` names the source in errors.
    package static func parse(yaml: String, file: String) throws(ConfigurationError) -> PipelineConfiguration {
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch {
            throw ConfigurationError(file: file, keyPath: "", reason: "not valid YAML: \(error)", line: nil)
        }
        guard let root else {
            throw ConfigurationError(file: file, keyPath: "", reason: "the file is empty", line: nil)
        }
        let reader = YAMLReader(file: file)
        let configuration = try reader.read(root)
        // Every problem of the file at once, not one per attempt.
        if reader.problems.count == 1 { throw reader.problems[0] }
        if reader.problems.count > 1 {
            let list = reader.problems.map { "\n  \($0.keyPath)\($0.line.map { " (line \($0))" } ?? ""): \($0.reason)" }
            throw ConfigurationError(
                file: file, keyPath: "", reason: "\(reader.problems.count) problems:" + list.joined(), line: nil)
        }
        return configuration
    }
}

private final class YAMLReader {
    let file: String
    /// Problems found so far; reading goes on past a bad key or value so all are reported together.
    var problems: [ConfigurationError] = []

    init(file: String) { self.file = file }

    /// Runs `body`, noting its error instead of stopping.
    func collect(_ body: () throws(ConfigurationError) -> Void) {
        do { try body() } catch { problems.append(error) }
    }

    func fail(_ path: String, _ node: Node?, _ reason: String) -> ConfigurationError {
        ConfigurationError(file: file, keyPath: path, reason: reason, line: node?.mark.map { $0.line })
    }

    func mapping(_ node: Node, _ path: String, allowed: [String]) throws(ConfigurationError) -> [(String, Node)] {
        guard case .mapping(let m) = node else { throw fail(path, node, "expected a mapping of keys") }
        var seen = Set<String>()
        var result: [(String, Node)] = []
        for (k, v) in m {
            guard let key = k.scalar?.string else { throw fail(path, k, "keys must be plain strings") }
            let full = path.isEmpty ? key : "\(path).\(key)"
            guard allowed.contains(key) else {
                let hint = NameSuggestion.nearest(to: key, among: allowed).map { "did you mean '\($0)'? " } ?? ""
                problems.append(
                    fail(full, k, "unknown key (\(hint)expected one of: \(allowed.joined(separator: ", ")))"))
                continue
            }
            guard seen.insert(key).inserted else { throw fail(full, k, "duplicate key") }
            result.append((key, v))
        }
        return result
    }

    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node else { return false }
        return s.style == .plain && ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    /// `source.ca_bundle`, `output.s3.ca_bundle`: the path of a PEM file of extra CA certificates, which must be
    /// readable now (its certificates are checked when the client is built).
    func caBundle(_ node: Node, _ path: String) throws(ConfigurationError) -> String {
        let text = try string(node, path)
        guard !text.isEmpty else { throw fail(path, node, "expected the path of a PEM file of CA certificates") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: text, isDirectory: &isDirectory) else {
            throw fail(path, node, "the CA bundle \(text) does not exist")
        }
        guard !isDirectory.boolValue, FileManager.default.isReadableFile(atPath: text) else {
            throw fail(path, node, "cannot read the CA bundle \(text) (expected a readable PEM file)")
        }
        return text
    }

    func string(_ node: Node, _ path: String) throws(ConfigurationError) -> String {
        guard case .scalar(let s) = node, !isNull(node) else { throw fail(path, node, "expected a text value") }
        return s.string
    }

    func int(_ node: Node, _ path: String, _ range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        let text = try string(node, path)
        guard let v = Int(text.filter { $0 != "_" }), range.contains(v) else {
            throw fail(path, node, "expected a whole number in \(range.lowerBound)…\(range.upperBound), got '\(text)'")
        }
        return v
    }

    func double(_ node: Node, _ path: String, _ range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
        let text = try string(node, path)
        guard let v = Double(text), range.contains(v) else {
            throw fail(path, node, "expected a number in \(range.lowerBound)…\(range.upperBound), got '\(text)'")
        }
        return v
    }

    func bool(_ node: Node, _ path: String) throws(ConfigurationError) -> Bool {
        switch try string(node, path).lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw fail(path, node, "expected true or false, got '\(other)'")
        }
    }

    func day(_ node: Node, _ path: String) throws(ConfigurationError) -> Day {
        let text = try string(node, path)
        guard let d = Day(text) else { throw fail(path, node, "expected a date YYYY-MM-DD, got '\(text)'") }
        return d
    }

    func read(_ root: Node) throws(ConfigurationError) -> PipelineConfiguration {
        var c = PipelineConfiguration()
        let top = try mapping(root, "", allowed: ["version", "name", "source", "window", "output"])
        guard let version = top.first(where: { $0.0 == "version" })?.1 else {
            throw fail("version", root, "missing (this tool reads version \(PipelineConfiguration.currentVersion))")
        }
        let v = try int(version, "version", 0...Int.max)
        guard v == PipelineConfiguration.currentVersion else {
            throw fail(
                "version", version,
                "is \(v); this tool reads version \(PipelineConfiguration.currentVersion)\(v > 1 ? " (a newer kb4-events wrote it?)" : "")"
            )
        }
        for (key, node) in top {
            collect { () throws(ConfigurationError) in try readSection(key, node, into: &c) }
        }
        return c
    }

    func readSection(_ key: String, _ node: Node, into c: inout PipelineConfiguration) throws(ConfigurationError) {
        switch key {
        case "name":
            let text = try string(node, "name")
            if let problem = AccountName.problem(text) { throw fail("name", node, problem) }
            c.name = text
        case "source": try readSource(node, into: &c)
        case "window":
            for (k, n) in try mapping(node, "window", allowed: ["start_date", "lookback_days"]) where !isNull(n) {
                collect { () throws(ConfigurationError) in
                    switch k {
                    case "start_date": c.startDate = try day(n, "window.start_date")
                    default: c.lookbackDays = try int(n, "window.lookback_days", 0...366)
                    }
                }
            }
        case "output":
            for (k, n) in try mapping(node, "output", allowed: [
                "dir", "format", "compression_level", "parquet_compression", "keep_raw", "s3",
            ])
            where !isNull(n) {
                collect { () throws(ConfigurationError) in
                    switch k {
                    case "dir": c.outputDir = try string(n, "output.dir")
                    case "s3": c.outputS3 = try readS3(n)
                    case "format":
                        let text = try string(n, "output.format")
                        guard let f = OutputFormat(rawValue: text) else {
                            throw fail("output.format", n, "expected ndjson, csv or parquet, got '\(text)'")
                        }
                        c.format = f
                    case "compression_level": c.compressionLevel = try int(n, "output.compression_level", 1...9)
                    case "parquet_compression":
                        let text = try string(n, "output.parquet_compression")
                        guard let codec = ParquetCodec(rawValue: text) else {
                            throw fail("output.parquet_compression", n, "expected zstd or gzip, got '\(text)'")
                        }
                        c.parquetCodec = codec
                    default: c.keepRaw = try bool(n, "output.keep_raw")
                    }
                }
            }
        default: break
        }
    }

    /// `output.s3`: region, endpoint and addressing of an S3-compatible store (the URL is `output.dir`).
    func readS3(_ node: Node) throws(ConfigurationError) -> LakeLocation.S3Options {
        var options = LakeLocation.S3Options()
        for (k, n) in try mapping(node, "output.s3", allowed: [
            "region", "endpoint", "path_style", "ca_bundle", "multipart_threshold_mib", "part_size_mib",
        ]) where !isNull(n) {
            collect { () throws(ConfigurationError) in
                let path = "output.s3.\(k)"
                switch k {
                case "region":
                    let text = try string(n, path)
                    guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                        throw fail(path, n, "expected a region name such as eu-west-1, got '\(text)'")
                    }
                    options.region = text
                case "endpoint":
                    let text = try string(n, path)
                    guard text.hasPrefix("https://") || text.hasPrefix("http://") else {
                        throw fail(path, n, "expected an https:// URL (http:// only for a loopback address), got '\(text)'")
                    }
                    options.endpoint = text
                case "ca_bundle": options.caBundle = try caBundle(n, path)
                // S3 takes parts from 5 MiB; 512 keeps one request within the client's 600 s deadline at ~1 MB/s.
                case "multipart_threshold_mib": options.multipartThresholdMiB = try int(n, path, 5...512)
                case "part_size_mib": options.partSizeMiB = try int(n, path, 5...512)
                default: options.pathStyle = try bool(n, path)
                }
            }
        }
        if options.multipartThreshold < options.partSize {
            throw fail(
                "output.s3.multipart_threshold_mib", node,
                "\(options.multipartThreshold >> 20) MiB is below the part size (part_size_mib: \(options.partSize >> 20)"
                    + " MiB): a file is sent in parts only"
                    + " when it is larger than one part; set multipart_threshold_mib to at least part_size_mib")
        }
        return options
    }

    func readSource(_ node: Node, into c: inout PipelineConfiguration) throws(ConfigurationError) {
        if case .scalar = node {
            let text = try string(node, "source")
            guard text == "simulator" else {
                throw fail("source", node, "expected 'simulator' or a mapping with region/base_url, got '\(text)'")
            }
            c.source = .simulator(.init())
            return
        }
        let keys = [
            "region", "base_url", "api_key_env", "seats", "requests_per_second", "per_page", "page_order",
            "timeout_secs", "max_in_flight", "day_filter_offset",
            "daily_call_budget", "api_reserve_calls", "retry_budget_secs", "initial_backoff_secs", "max_backoff_secs",
            "throttle_span_secs", "ca_bundle", "simulator",
        ]
        for (k, n) in try mapping(node, "source", allowed: keys) where !isNull(n) {
            collect { () throws(ConfigurationError) in try readSourceKey(k, n, into: &c) }
        }
        if case .simulator = c.source, c.region != nil || c.baseURL != nil {
            throw fail("source", node, "give either simulator or region/base_url, not both")
        }
        if c.region != nil && c.baseURL != nil {
            throw fail("source", node, "give either region or base_url, not both")
        }
    }

    func readSourceKey(_ k: String, _ n: Node, into c: inout PipelineConfiguration) throws(ConfigurationError) {
        let path = "source.\(k)"
        switch k {
        case "region":
            let text = try string(n, path)
            guard let r = Region(rawValue: text.lowercased()) else {
                throw fail(path, n, "expected one of us, eu, ca, uk, de, got '\(text)'")
            }
            c.region = r
        case "base_url":
            let text = try string(n, path)
            do { _ = try BaseURL(parsing: text) } catch { throw fail(path, n, error.reason) }
            c.baseURL = text
        case "api_key_env":
            let text = try string(n, path)
            guard !text.isEmpty, text.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }),
                text.first?.isNumber == false
            else { throw fail(path, n, "expected an environment variable name, got '\(text)'") }
            c.apiKeyEnv = text
        case "seats": c.seats = try int(n, path, 1...10_000_000)
        case "requests_per_second": c.requestsPerSecond = try double(n, path, 0.01...1000)
        case "per_page": c.perPage = try int(n, path, 1...1000)
        case "page_order":
            let text = try string(n, path)
            guard let order = PageOrder(rawValue: text) else {
                throw fail(path, n, "expected occurred_date or id, got '\(text)'")
            }
            c.pageOrder = order
        case "timeout_secs": c.timeoutSecs = try double(n, path, 0.1...3600)
        case "ca_bundle": c.caBundle = try caBundle(n, path)
        case "max_in_flight": c.maxInFlight = try int(n, path, 1...PipelineConfiguration.maxInFlightLimit)
        case "day_filter_offset":
            let text = try string(n, path)
            guard let setting = DayFilterSetting(text) else {
                throw fail(path, n, "expected an offset such as \"+00:00\", \"-05:00\" or \"+05:30\" (quoted), or auto, got '\(text)'")
            }
            c.dayFilter = setting
        case "daily_call_budget": c.dailyCallBudget = try int(n, path, 1...100_000_000)
        case "api_reserve_calls": c.apiReserveCalls = try int(n, path, 0...100_000_000)
        case "retry_budget_secs": c.retryBudgetSecs = try double(n, path, 0...86_400)
        case "initial_backoff_secs": c.initialBackoffSecs = try double(n, path, 0.001...3600)
        case "max_backoff_secs": c.maxBackoffSecs = try double(n, path, 0.001...3600)
        case "throttle_span_secs": c.throttleSpanSecs = try double(n, path, 0...86_400)
        default:
            var sim = PipelineConfiguration.SimulatorSource()
            if case .mapping = n {
                for (sk, sn) in try mapping(
                    n, path, allowed: ["seed", "events", "days", "first_day", "requests_per_second", "latency_ms"])
                where !isNull(sn) {
                    let sp = "\(path).\(sk)"
                    switch sk {
                    case "seed": sim.seed = UInt64(try int(sn, sp, 0...Int.max))
                    case "events": sim.events = try int(sn, sp, 0...10_000_000)
                    case "days": sim.days = try int(sn, sp, 1...3660)
                    case "first_day": sim.firstDay = try day(sn, sp)
                    case "latency_ms": sim.latencyMs = try int(sn, sp, 0...60_000)
                    default: sim.requestsPerSecond = try double(sn, sp, 0...1000)
                    }
                }
            } else if !isNull(n) {
                throw fail(path, n, "expected a mapping (seed, events, days, first_day, requests_per_second, latency_ms)")
            }
            c.source = .simulator(sim)
        }
    }
}
