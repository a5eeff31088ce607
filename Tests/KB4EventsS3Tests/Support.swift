@testable import KB4EventsCore
import Foundation
import KB4EventsTestSupport
@testable import KB4EventsS3
import Testing

/// The Python helpers beside these tests, and the interpreters that run them.
enum PythonTools {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Python").path
    static let repository = BuiltBinary.root

    /// The virtual environment's python with moto ≥ 5.2.5 (`TestPython`).
    static var motoPython: String? { TestPython.path }

    /// Moto tests run when the venv is there, and always in CI, where a missing venv must fail them, not skip them.
    static var motoEnabled: Bool { TestPython.enabled }

    /// A python with botocore: the moto venv's, else `python3`. Never optional: without it the signer test fails.
    static var botocorePython: String { motoPython ?? "/usr/bin/env" }
    static var botocorePythonArguments: [String] { motoPython == nil ? ["python3"] : [] }

    /// Runs `script` with `input` on stdin; returns stdout, failing on a non-zero exit.
    static func run(
        _ executable: String, _ arguments: [String], input: [UInt8], environment: [String: String] = [:]
    ) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let handle = stdin.fileHandleForWriting
        let writer = Thread {
            handle.write(Data(input))
            try? handle.close()
        }
        writer.start()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestFailure(
                "\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): "
                    + String(decoding: err, as: UTF8.self))
        }
        return [UInt8](out)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A moto server (S3, IAM, STS) started by `Python/moto_server.py`: every request after its set-up must be
/// correctly SigV4-signed. One per mode per test process; it exits when this process does (its stdin closes).
actor Moto {
    struct Server: Sendable {
        let endpoint: String
        let accessKey: String
        let secret: String
        let roleARN: String
        /// The same moto on `[::1]` (`--ipv6`) and over HTTPS (`--tls`), when asked for.
        var endpointIPv6: String? = nil
        var endpointTLS: String? = nil
    }

    static let main = Moto(mode: "main", buckets: ["kb4-client", "kb4-contract", "kb4-lake"])
    static let webIdentity = Moto(mode: "webidentity", buckets: ["kb4-pod"])

    let mode: String
    let buckets: [String]
    /// `moto_server.py`'s options: `--ipv6`, `--tls CERT KEY`.
    let options: [String]
    private var started: Server?
    private var process: Process?
    private var stdin: Pipe?

    init(mode: String, buckets: [String], options: [String] = []) {
        self.mode = mode
        self.buckets = buckets
        self.options = options
    }

    func server() async throws -> Server {
        if let started { return started }
        guard let python = PythonTools.motoPython else {
            throw TestFailure(TestPython.missing("the S3 tests need moto >= 5.2.5"))
        }
        let (process, input, object) = try await startHelper(
            python: python, arguments: [PythonTools.directory + "/moto_server.py"] + options + [mode] + buckets,
            name: "moto-\(mode)")
        self.process = process
        stdin = input
        let server = Server(
            endpoint: object["endpoint"]!, accessKey: object["access_key"] ?? "", secret: object["secret"] ?? "",
            roleARN: object["role_arn"] ?? "", endpointIPv6: object["endpoint_ipv6"], endpointTLS: object["endpoint_tls"])
        started = server
        return server
    }

    /// A client with the server's IAM user (or another secret), small parts so a multipart upload stays cheap.
    static func client(_ server: Server, secret: String? = nil, maxAttempts: Int = 3) throws -> S3Client {
        S3Client(
            endpoint: try S3Endpoint(region: "us-east-1", endpoint: server.endpoint),
            credentials: AWSCredentialChain(providers: [
                StaticCredentialProvider(
                    AWSCredentials(accessKeyID: server.accessKey, secretAccessKey: secret ?? server.secret))
            ]), multipartThreshold: 6 << 20, partSize: 5 << 20, maxAttempts: maxAttempts, baseDelay: 0.05)
    }
}

/// Starts a helper that prints one JSON line when ready and serves until its stdin closes (this process ended).
/// Keep the returned process and pipe alive as long as the helper is needed.
func startHelper(python: String, arguments: [String], name: String) async throws
    -> sending (Process, Pipe, [String: String])
{
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = arguments
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    let log = NSTemporaryDirectory() + "kb4-\(name)-\(ProcessInfo.processInfo.processIdentifier).log"
    _ = FileManager.default.createFile(atPath: log, contents: nil)
    process.standardError = FileHandle(forWritingAtPath: log)
    try process.run()
    let reader = output.fileHandleForReading
    let line: Data = await withCheckedContinuation { continuation in
        Thread {
            var data = Data()
            while !data.contains(UInt8(ascii: "\n")) {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                data.append(chunk)
            }
            continuation.resume(returning: data)
        }.start()
    }
    guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any], object["endpoint"] is String
    else {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        throw TestFailure("\(name) did not start (\(python)): \(text.suffix(2000))")
    }
    return (process, input, object.mapValues { "\($0)" })
}

/// `Python/fake_metadata.py`: a container credentials endpoint and an IMDSv2 on loopback.
actor FakeMetadata {
    static let shared = FakeMetadata()
    private var endpoint: String?
    private var process: Process?
    private var stdin: Pipe?

    func start() async throws -> String {
        if let endpoint { return endpoint }
        let (process, input, object) = try await startHelper(
            python: PythonTools.botocorePython,
            arguments: PythonTools.botocorePythonArguments + [PythonTools.directory + "/fake_metadata.py"],
            name: "metadata")
        self.process = process
        stdin = input
        endpoint = object["endpoint"]
        return object["endpoint"]!
    }
}

/// A fresh key prefix per test, so tests sharing a bucket never see each other's objects.
func uniquePrefix(_ name: String) -> String { "\(name)-\(UUID().uuidString.prefix(8).lowercased())" }
