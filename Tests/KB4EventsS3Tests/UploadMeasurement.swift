import Foundation
import KB4EventsTestSupport
@testable import KB4EventsPipeline
import Testing

@testable import KB4EventsCore
@testable import KB4EventsS3

/// Not a check, a measurement (run on demand): `KB4_EVENTS_S3_MEASURE=<MiB> swift test --filter UploadMeasurement`.
/// Uploads a file of that size to moto (multipart, 8 MiB parts) and to a local store, and prints the times and this
/// process's peak RSS before and after (the upload should add about a part or two, not the file).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["KB4_EVENTS_S3_MEASURE"] != nil, "on demand"))
struct UploadMeasurement {
    static func peakRSSMiB() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
    }

    @Test func measure() async throws {
        let mib = Int(ProcessInfo.processInfo.environment["KB4_EVENTS_S3_MEASURE"] ?? "") ?? 256
        let path = NSTemporaryDirectory() + "kb4-measure-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try #require(FileHandle(forWritingAtPath: { _ = FileManager.default.createFile(atPath: path, contents: nil); return path }()))
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        for i in 0..<mib {
            for j in stride(from: 0, to: chunk.count, by: 512) { chunk[j] = UInt8(truncatingIfNeeded: i &+ j) }
            handle.write(Data(chunk))
        }
        try handle.close()
        let server = try await Moto.main.server()
        let client = S3Client(
            endpoint: try S3Endpoint(region: "us-east-1", endpoint: server.endpoint),
            credentials: AWSCredentialChain(providers: [
                StaticCredentialProvider(AWSCredentials(accessKeyID: server.accessKey, secretAccessKey: server.secret))
            ]))
        let before = Self.peakRSSMiB()
        let start = Date()
        let etag = try await client.uploadFile(bucket: "kb4-lake", key: uniquePrefix("measure") + "/big.bin", path: path)
        let s3Seconds = Date().timeIntervalSince(start)
        let after = Self.peakRSSMiB()
        let dir = NSTemporaryDirectory() + "kb4-measure-store-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let localStart = Date()
        try await LocalDirectoryStore(root: dir).putFile(path, key: "big.bin")
        let localSeconds = Date().timeIntervalSince(localStart)
        print(
            "UploadMeasurement: \(mib) MiB → moto multipart \(etag) in \(String(format: "%.2f", s3Seconds)) s "
                + "(\(String(format: "%.0f", Double(mib) / s3Seconds)) MiB/s); local store putFile "
                + "\(String(format: "%.2f", localSeconds)) s; peak RSS \(before) MiB before, \(after) MiB after")
    }
}
