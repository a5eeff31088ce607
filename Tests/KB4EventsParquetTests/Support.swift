import Foundation
import KB4EventsParquet
import KB4EventsTestSupport
import Testing

/// The Python that reads our files back: pyarrow and duckdb in the repository's virtual environment.
enum ParquetPython {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Python/check_parquet.py").path
    static var python: String? { TestPython.path }

    /// Reader tests run when the venv is there, and always in CI, where a missing venv fails them.
    static var enabled: Bool { TestPython.enabled }

    /// Runs the checker; returns its JSON report, failing on a non-zero exit (its assertion message included).
    static func run(_ arguments: [String]) throws -> [String: Any] {
        guard let python else {
            throw ReaderFailure(TestPython.missing("the Parquet reader tests need pyarrow and duckdb"))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script] + arguments
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let errors = Thread.detachNewThreadReadingToEnd(stderr)
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ReaderFailure("check_parquet.py \(arguments.joined(separator: " ")) failed: \(errors.wait())")
        }
        let object = try JSONSerialization.jsonObject(with: out)
        return try #require(object as? [String: Any])
    }
}

extension Thread {
    /// Reads a pipe to its end on another thread (so a chatty stderr cannot block the child).
    final class Reading: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var data = Data()
        init(_ pipe: Pipe) {
            Thread.detachNewThread { [self] in
                data = pipe.fileHandleForReading.readDataToEndOfFile()
                done.signal()
            }
        }
        func wait() -> String {
            done.wait()
            return String(decoding: data, as: UTF8.self)
        }
    }

    static func detachNewThreadReadingToEnd(_ pipe: Pipe) -> Reading { Reading(pipe) }
}

struct ReaderFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A temporary directory removed when the value goes.
final class TemporaryDirectory {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("kb4-parquet-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Rows as the test means them, written with the writer and described to the checker as JSON.
struct Fixture {
    var columns: [ParquetColumn]
    var rows: [[ParquetValue]] = []
    var properties: ParquetWriterProperties

    init(_ columns: [ParquetColumn], properties: ParquetWriterProperties = .init(createdBy: "kb4-events tests")) {
        self.columns = columns
        self.properties = properties
    }

    func bytes() throws -> (bytes: [UInt8], summary: ParquetFileSummary) {
        let writer = try ParquetFileWriter(
            schema: ParquetSchema(columns), properties: properties, sink: ParquetMemorySink())
        for row in rows { try writer.appendRow(row) }
        let summary = try writer.close()
        return (writer.sink.bytes, summary)
    }

    /// Writes the file and its expectations into `directory`, runs the checker, returns its report.
    @discardableResult
    func check(in directory: TemporaryDirectory, name: String = "file", duckdb: Bool = false) throws -> [String: Any] {
        let (bytes, summary) = try self.bytes()
        #expect(summary.rows == rows.count)
        #expect(summary.bytes == bytes.count)
        let file = directory.path + "/\(name).parquet"
        let expected = directory.path + "/\(name).json"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        try Data(expectationJSON().utf8).write(to: URL(fileURLWithPath: expected))
        return try ParquetPython.run([file, expected] + (duckdb ? ["--duckdb"] : []))
    }

    func expectationJSON() -> String {
        var out = "{\"created_by\":\(jsonString(properties.createdBy)),\"statistics\":\(properties.statistics),\"kv\":{"
        out += properties.keyValueMetadata.map { "\(jsonString($0.key)):\(jsonString($0.value))" }.joined(
            separator: ",")
        out += "},\"columns\":["
        out += columns.map { "[\(jsonString($0.name)),\"\(kindName($0.kind))\"]" }.joined(separator: ",")
        out += "],\"values\":{"
        out += columns.indices.map { j in
            jsonString(columns[j].name) + ":[" + rows.map { json($0[j]) }.joined(separator: ",") + "]"
        }.joined(separator: ",")
        return out + "}}"
    }

    private func kindName(_ kind: ParquetColumnKind) -> String {
        switch kind {
        case .string: "string"
        case .json: "json"
        case .int64: "int64"
        case .int32: "int32"
        case .double: "double"
        case .boolean: "boolean"
        case .timestampMillis: "timestampMillis"
        case .date: "date"
        }
    }

    private func json(_ value: ParquetValue) -> String {
        switch value {
        case .null: "null"
        case .string(let s): jsonString(s)
        case .int64(let v): String(v)
        case .int32(let v): String(v)
        case .double(let v):
            {
                let hex = String(v.bitPattern, radix: 16)
                return "\"f64:" + String(repeating: "0", count: 16 - hex.count) + hex + "\""
            }()
        case .boolean(let v): v ? "true" : "false"
        }
    }
}

func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case _ where scalar.value < 0x20: out += "\\u" + String(format: "%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

/// The report's row groups' per-column entries.
func reportColumns(_ report: [String: Any]) -> [[[String: Any]]] {
    (report["row_groups"] as? [[String: Any]] ?? []).map { $0["columns"] as? [[String: Any]] ?? [] }
}
