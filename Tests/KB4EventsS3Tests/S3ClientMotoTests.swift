import Crypto
import Foundation
import KB4EventsTestSupport
import Testing

@testable import KB4EventsCore
@testable import KB4EventsS3
import KB4EventsNet

/// The client against moto in server mode, where every request after the set-up must be correctly signed.
@Suite(.enabled(if: PythonTools.motoEnabled, "needs moto >= 5.2.5 in a venv (KB4_EVENTS_MOTO_PYTHON or .build-venv)"))
struct S3ClientMotoTests {
    let bucket = "kb4-client"

    @Test func putGetHeadDeleteWithAwkwardKeys() async throws {
        let server = try await Moto.main.server()
        let client = try Moto.client(server)
        let prefix = uniquePrefix("objects")
        for name in ["events/dt=2026-11-21/part-00000.ndjson.gz", "a key with spaces.json", "données/été/日本-🙂.csv.gz", "x=y+z&w%20~!.txt"] {
            let key = "\(prefix)/\(name)"
            let body = Array("body of \(name)\n".utf8)
            let etag = try await client.putObject(bucket: bucket, key: key, body: body)
            #expect(etag.hasPrefix("\""), "\(name): etag \(etag)")
            let got = try #require(try await client.getObject(bucket: bucket, key: key), "\(name)")
            #expect(got.body == body)
            #expect(got.etag == etag)
            let head = try #require(try await client.headObject(bucket: bucket, key: key))
            #expect(head.size == body.count)
            #expect(head.etag == etag)
            try await client.deleteObject(bucket: bucket, key: key)
            #expect(try await client.headObject(bucket: bucket, key: key) == nil)
            #expect(try await client.getObject(bucket: bucket, key: key) == nil)
        }
        try await client.deleteObject(bucket: bucket, key: "\(prefix)/never-existed")
    }

    @Test func conditionalPutCreateUpdateAnd412() async throws {
        let server = try await Moto.main.server()
        let client = try Moto.client(server)
        let key = uniquePrefix("cas") + "/_manifest.json"
        let first = try await client.putObject(bucket: bucket, key: key, body: Array("v1".utf8), condition: .ifNoneMatch)
        await #expect(throws: S3Error.preconditionFailed(bucket: bucket, key: key)) {
            try await client.putObject(bucket: bucket, key: key, body: Array("other".utf8), condition: .ifNoneMatch)
        }
        let second = try await client.putObject(bucket: bucket, key: key, body: Array("v2".utf8), condition: .ifMatch(first))
        #expect(second != first)
        await #expect(throws: S3Error.preconditionFailed(bucket: bucket, key: key)) {
            try await client.putObject(bucket: bucket, key: key, body: Array("stale".utf8), condition: .ifMatch(first))
        }
        #expect(try await client.getObject(bucket: bucket, key: key)?.body == Array("v2".utf8), "nothing lost")
        do {
            try await client.putObject(bucket: bucket, key: key, body: [], condition: .ifMatch(first))
            Issue.record("a stale If-Match must fail")
        } catch {
            #expect(error.code == "PreconditionFailed")
            #expect(error.description.contains("s3://\(bucket)/\(key)"))
        }
    }

    @Test func listsDayPrefixesAcrossPages() async throws {
        let server = try await Moto.main.server()
        let client = try Moto.client(server)
        let root = uniquePrefix("lake")
        var expected: [String] = []
        for day in ["2026-10-31", "2026-11-01", "2026-11-02", "2026-11-21"] {
            for name in ["part-00000.ndjson.gz", "_SUCCESS"] {
                let key = "\(root)/events/dt=\(day)/\(name)"
                try await client.putObject(bucket: bucket, key: key, body: Array(key.utf8))
                if day.hasPrefix("2026-11") { expected.append(key) }
            }
        }
        try await client.putObject(bucket: bucket, key: "\(root)/_manifest.json", body: [])
        let listed = try await client.listObjects(bucket: bucket, prefix: "\(root)/events/dt=2026-11-", pageSize: 2)
        #expect(listed.map(\.key) == expected.sorted())
        #expect(listed.allSatisfy { $0.size == $0.key.utf8.count && $0.etag.hasPrefix("\"") })
        let all = try await client.listObjects(bucket: bucket, prefix: "\(root)/", pageSize: 3)
        #expect(all.count == 9)
        #expect(try await client.listObjects(bucket: bucket, prefix: "\(root)/nothing/").isEmpty)
    }

    @Test func multipartUploadFromAFile() async throws {
        let server = try await Moto.main.server()
        let client = try Moto.client(server)
        let path = NSTemporaryDirectory() + "kb4-multipart-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var bytes = [UInt8](repeating: 0, count: 12 << 20 + 12345)
        for i in stride(from: 0, to: bytes.count, by: 4096) { bytes[i] = UInt8(truncatingIfNeeded: i / 4096) }
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let key = uniquePrefix("multipart") + "/events/dt=2026-11-21/part-00000.ndjson.gz"
        let etag = try await client.uploadFile(bucket: bucket, key: key, path: path)
        #expect(etag.hasSuffix("-3\""), "3 parts of 5 MiB: \(etag)")
        let got = try #require(try await client.getObject(bucket: bucket, key: key))
        #expect(got.body.count == bytes.count)
        #expect(Array(SHA256.hash(data: got.body)) == Array(SHA256.hash(data: bytes)))
        // Create-only also applies to the multipart completion.
        await #expect(throws: S3Error.preconditionFailed(bucket: bucket, key: key)) {
            try await client.uploadFile(bucket: bucket, key: key, path: path, condition: .ifNoneMatch)
        }
    }

    /// A cancelled multipart upload (what SIGINT/SIGTERM does to a run) stops at once and aborts the upload, so no
    /// incomplete multipart upload is left: the store sits behind a proxy that lets 256 KiB/s through, so the
    /// upload cannot have finished when it is cancelled.
    @Test func aCancelledMultipartUploadIsAborted() async throws {
        let server = try await Moto.main.server()
        let python = try #require(PythonTools.motoPython)
        let target = try #require(URL(string: server.endpoint))
        let (proxy, input, object) = try await startHelper(
            python: python,
            arguments: [PythonTools.directory + "/throttle_proxy.py", target.host!, String(target.port!), String(256 << 10)],
            name: "throttle")
        defer { withExtendedLifetime((proxy, input)) {} }
        let slow = Moto.Server(
            endpoint: object["endpoint"]!, accessKey: server.accessKey, secret: server.secret, roleARN: server.roleARN)
        let client = try Moto.client(slow)
        let direct = try Moto.client(server)
        let path = NSTemporaryDirectory() + "kb4-cancelled-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = FileManager.default.createFile(atPath: path, contents: Data(repeating: 7, count: 12 << 20))
        let prefix = uniquePrefix("cancelled")
        let key = prefix + "/events/dt=2026-11-21/part-00000.ndjson.gz"
        func uploads() async throws -> [String] {
            let listed = try await direct.send("GET", bucket: bucket, key: nil, query: [("prefix", prefix), ("uploads", "")])
            #expect(listed.status == 200, "\(String(decoding: listed.body, as: UTF8.self))")
            return XMLScan.all("UploadId", in: String(decoding: listed.body, as: UTF8.self))
        }
        let upload = Task { try await client.uploadFile(bucket: bucket, key: key, path: path) }
        var started: [String] = []
        for _ in 0..<400 where started.isEmpty {
            started = try await uploads()
            if started.isEmpty { try await Task.sleep(for: .milliseconds(25)) }
        }
        #expect(started.count == 1, "the multipart upload was created")
        upload.cancel()
        let result = await upload.result
        guard case .failure(let error) = result, case S3Error.transport(let code, _, _, _) = error else {
            Issue.record("a cancelled upload fails as cancelled: \(result)")
            return
        }
        #expect(code == "cancelled")
        #expect(try await uploads().isEmpty, "no incomplete multipart upload is left")
        #expect(try await direct.headObject(bucket: bucket, key: key) == nil, "no object")
    }

    @Test func wrongSecretIsAClearErrorWithoutTheSecret() async throws {
        let server = try await Moto.main.server()
        let wrong = "WRONGwrongWRONGwrongWRONGwrong1234567890"
        let client = try Moto.client(server, secret: wrong)
        do {
            try await client.putObject(bucket: bucket, key: "denied/x.json", body: [1])
            Issue.record("a wrong secret must be rejected")
        } catch {
            #expect(error.code == "SignatureDoesNotMatch")
            #expect(error.isConfiguration)
            let text = "\(error) \(String(reflecting: error))"
            #expect(text.contains("kb4-client"), "\(text)")
            #expect(text.contains("denied/x.json"), "\(text)")
            #expect(!text.contains(wrong) && !text.contains(server.secret), "\(text)")
        }
        // And a listing and a HEAD fail the same way (no silent "absent").
        await #expect(throws: S3Error.self) { try await client.listObjects(bucket: bucket, prefix: "x") }
        await #expect(throws: S3Error.self) { try await client.headObject(bucket: bucket, key: "x") }
    }

    @Test func missingBucketIsNamed() async throws {
        let server = try await Moto.main.server()
        let client = try Moto.client(server)
        do {
            _ = try await client.getObject(bucket: "kb4-no-such-bucket", key: "_manifest.json")
            Issue.record("a missing bucket must be an error")
        } catch {
            #expect(error.code == "NoSuchBucket")
            #expect(error.description.contains("kb4-no-such-bucket"))
        }
        await #expect(throws: S3Error.self) { try await client.headObject(bucket: "kb4-no-such-bucket", key: "k") }
    }

    @Test func uploadsCarryTheirSHA256() async throws {
        let server = try await Moto.main.server()
        let client = try Moto.client(server)
        // The PUT carries x-amz-checksum-sha256 (S3 rejects a body that does not match it with BadDigest); the store
        // keeps it and returns it on a HEAD in checksum mode. (moto 5.2.5 stores and returns the value but does not
        // verify it, so a damaged body can only be proven rejected against real S3 or MinIO.)
        let key = uniquePrefix("checksum") + "/events/dt=2026-11-21/part-00000.ndjson.gz"
        let body = Array("{\"id\":1}\n".utf8)
        try await client.putObject(bucket: bucket, key: key, body: body)
        let head = try await client.send("HEAD", bucket: bucket, key: key, headers: [("x-amz-checksum-mode", "ENABLED")])
        #expect(head.status == 200)
        #expect(head.headers["x-amz-checksum-sha256"] == Data(SHA256.hash(data: body)).base64EncodedString())
    }

    @Test func webIdentityThroughMotoSTS() async throws {
        let server = try await Moto.webIdentity.server()
        let dir = NSTemporaryDirectory() + "kb4-wi-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJrYjQifQ.c2ln".write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        let environment = [
            "AWS_ROLE_ARN": server.roleARN, "AWS_WEB_IDENTITY_TOKEN_FILE": dir + "/token",
            "AWS_ROLE_SESSION_NAME": "kb4-test", "AWS_ENDPOINT_URL": server.endpoint, "AWS_REGION": "us-east-1",
            "HOME": dir, "AWS_EC2_METADATA_DISABLED": "true",
        ]
        let chain = AWSCredentialChain(environment: environment)
        let creds = try await chain.credentials()
        #expect(creds.source == "web identity")
        #expect(creds.sessionToken != nil)
        #expect(creds.expiration != nil)
        let client = S3Client(endpoint: try S3Endpoint.resolve(environment: environment), credentials: chain, maxAttempts: 1)
        let key = "events/dt=2026-11-21/from-a-pod.json"
        try await client.putObject(bucket: "kb4-pod", key: key, body: Array("{}".utf8), condition: .ifNoneMatch)
        #expect(try await client.getObject(bucket: "kb4-pod", key: key)?.body == Array("{}".utf8))
        // The same temporary key with a forged token is refused: the signature and token are really checked.
        let forged = S3Client(
            endpoint: try S3Endpoint.resolve(environment: environment),
            credentials: AWSCredentialChain(providers: [
                StaticCredentialProvider(
                    AWSCredentials(
                        accessKeyID: creds.accessKeyID, secretAccessKey: creds.secretAccessKey, sessionToken: "forged"))
            ]), maxAttempts: 1)
        await #expect(throws: S3Error.self) { try await forged.getObject(bucket: "kb4-pod", key: key) }
    }
}
