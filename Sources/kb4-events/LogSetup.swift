import Foundation
import KB4EventsAPI
import KB4EventsPipeline
import Logging
import KB4EventsCore

/// Logs go to stderr, as text or JSON lines; the level follows --quiet / --verbose.
enum LogSetup {
    static func bootstrap(_ options: LogOptions) -> Logger {
        let level: Logger.Level = options.quiet ? .warning : options.verbose ? .debug : .info
        LoggingSystem.bootstrap { label in
            var handler = StderrLogHandler(label: label, json: options.logFormat == .json)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "kb4.cli")
    }
}

/// A small stderr handler: `time level label message key=value…` or one JSON object per line.
struct StderrLogHandler: LogHandler {
    let label: String
    let json: Bool
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let time = Self.timestamp()
        var line: [UInt8] = []
        if json {
            var o = JSONObject()
            o.append("time", .string(time))
            o.append("level", .string(event.level.rawValue))
            o.append("logger", .string(label))
            o.append("message", .string("\(event.message)"))
            for key in all.keys.sorted() { o.append(key, Self.jsonValue("\(all[key]!)")) }
            JSONValue.object(o).write(into: &line)
        } else {
            var text = "\(time) \(event.level.rawValue) \(label): \(event.message)"
            for key in all.keys.sorted() { text += " \(key)=\(all[key]!)" }
            line = Array(text.utf8)
        }
        line.append(UInt8(ascii: "\n"))
        ProgressLine.writeLog(line)
    }

    /// A metadata value as JSON: a plain decimal number (`235`, `0.5`, `-3`) as a number, anything else as a string.
    static func jsonValue(_ text: String) -> JSONValue {
        var rest = Substring(text)
        if rest.first == "-" { rest = rest.dropFirst() }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        let digits = parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
        let leadingZero = parts[0].count > 1 && parts[0].first == "0"
        return digits && parts.count <= 2 && !leadingZero ? .number(text) : .string(text)
    }

    static func timestamp() -> String { isoSeconds(Date().timeIntervalSince1970) }
}
