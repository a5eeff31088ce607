import Foundation
import KB4EventsTestSupport
import Testing

@testable import KB4EventsCore
@testable import KB4EventsS3

@Suite struct S3EndpointTests {
    @Test func awsIsVirtualHosted() throws {
        let e = try S3Endpoint(region: "eu-west-1")
        let a = e.address(bucket: "kb4-lake", key: "events/dt=2026-11-21/a b.gz")
        #expect(a.base == "https://kb4-lake.s3.eu-west-1.amazonaws.com")
        #expect(a.host == "kb4-lake.s3.eu-west-1.amazonaws.com")
        #expect(a.path == "/events/dt%3D2026-11-21/a%20b.gz")
        #expect(e.address(bucket: "kb4-lake", key: nil).path == "/")
        // A dotted bucket cannot match the wildcard certificate: path-style.
        #expect(e.address(bucket: "my.lake", key: "k").path == "/my.lake/k")
    }

    @Test func loopbackAndIPAreAutomaticallyPathStyle() throws {
        let moto = try S3Endpoint(region: "us-east-1", endpoint: "http://127.0.0.1:5000")
        #expect(moto.forcePathStyle)
        #expect(moto.address(bucket: "b-1", key: "k").base == "http://127.0.0.1:5000")
        #expect(moto.address(bucket: "b-1", key: "k").path == "/b-1/k")
        #expect(moto.address(bucket: "b-1", key: nil).path == "/b-1")
        #expect(try S3Endpoint(region: "us-east-1", endpoint: "http://localhost:9000").forcePathStyle)
        #expect(try S3Endpoint(region: "us-east-1", endpoint: "https://10.0.0.5").forcePathStyle)
        let minio = try S3Endpoint(region: "us-east-1", endpoint: "https://minio.internal:443")
        #expect(!minio.forcePathStyle)
        #expect(minio.address(bucket: "b-1", key: "k").host == "b-1.minio.internal")
        #expect(try S3Endpoint(region: "auto", endpoint: "https://acct.r2.cloudflarestorage.com", pathStyle: true).forcePathStyle)
    }

    @Test func plainHTTPOnlyForLoopback() {
        #expect(throws: S3Error.self) { try S3Endpoint(region: "us-east-1", endpoint: "http://minio.internal:9000") }
        #expect(throws: S3Error.self) { try S3Endpoint(region: "us-east-1", endpoint: "http://10.0.0.5") }
        #expect(throws: S3Error.self) { try S3Endpoint(region: "us-east-1", endpoint: "ftp://127.0.0.1") }
        #expect(throws: S3Error.self) { try S3Endpoint(region: "us-east-1", endpoint: "https://host/base/path") }
    }

    @Test func environmentOrder() throws {
        let env = [
            "AWS_ENDPOINT_URL": "https://generic.example", "AWS_ENDPOINT_URL_S3": "https://s3.example",
            "AWS_DEFAULT_REGION": "eu-west-1", "HOME": "/nonexistent",
        ]
        let e = try S3Endpoint.resolve(environment: env)
        #expect(e.customHost == "s3.example")
        #expect(e.region == "eu-west-1")
        #expect(try S3Endpoint.resolve(environment: env.merging(["AWS_REGION": "ap-south-1"]) { $1 }).region == "ap-south-1")
        #expect(try S3Endpoint.resolve(environment: env, region: "us-west-2", endpoint: nil).region == "us-west-2")
        #expect(try S3Endpoint.resolve(environment: ["HOME": "/nonexistent"]).region == "us-east-1")
    }
}

@Suite struct CredentialChainTests {
    func files(credentials: String, config: String) throws -> (dir: String, env: [String: String]) {
        let dir = NSTemporaryDirectory() + "kb4-aws-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/.aws", withIntermediateDirectories: true)
        try credentials.write(toFile: dir + "/.aws/credentials", atomically: true, encoding: .utf8)
        try config.write(toFile: dir + "/.aws/config", atomically: true, encoding: .utf8)
        return (dir, ["HOME": dir, "AWS_EC2_METADATA_DISABLED": "true"])
    }

    let credentialsFile = """
        [default]
        aws_access_key_id = AKIDDEFAULT
        aws_secret_access_key = secret-default
        ; a comment
        [prod]
        aws_access_key_id=AKIDPROD
        aws_secret_access_key=secret-prod
        aws_session_token = token-prod
        """
    let configFile = """
        [default]
        region = eu-west-1
        [profile staging]
        region = eu-central-1
        aws_access_key_id = AKIDSTAGING
        aws_secret_access_key = secret-staging
        s3 =
          addressing_style = path
        [sso-session corp]
        aws_access_key_id = NOTAPROFILE
        """

    @Test func environmentComesFirst() async throws {
        let (dir, env) = try files(credentials: credentialsFile, config: configFile)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let chain = AWSCredentialChain(
            environment: env.merging(["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"]) { $1 })
        let c = try await chain.credentials()
        #expect(c.accessKeyID == "AKIDENV")
        #expect(c.sessionToken == "t")
        #expect(c.source == "environment")
    }

    @Test func sharedFilesByProfile() async throws {
        let (dir, env) = try files(credentials: credentialsFile, config: configFile)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try await AWSCredentialChain(environment: env).credentials().accessKeyID == "AKIDDEFAULT")
        let prod = try await AWSCredentialChain(environment: env.merging(["AWS_PROFILE": "prod"]) { $1 }).credentials()
        #expect(prod.accessKeyID == "AKIDPROD")
        #expect(prod.sessionToken == "token-prod")
        let staging = try await AWSCredentialChain(environment: env.merging(["AWS_PROFILE": "staging"]) { $1 }).credentials()
        #expect(staging.accessKeyID == "AKIDSTAGING", "from the config file")
        #expect(try S3Endpoint.resolve(environment: env.merging(["AWS_PROFILE": "staging"]) { $1 }).region == "eu-central-1")
        #expect(try S3Endpoint.resolve(environment: env).region == "eu-west-1")
        await #expect(throws: S3Error.self) {
            try await AWSCredentialChain(environment: env.merging(["AWS_PROFILE": "corp"]) { $1 }).credentials()
        }
    }

    @Test func movedFiles() async throws {
        let (dir, _) = try files(credentials: "", config: "")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "[default]\naws_access_key_id = AKIDMOVED\naws_secret_access_key = x\n".write(
            toFile: dir + "/creds", atomically: true, encoding: .utf8)
        let env = ["HOME": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": dir + "/creds", "AWS_EC2_METADATA_DISABLED": "true"]
        #expect(try await AWSCredentialChain(environment: env).credentials().accessKeyID == "AKIDMOVED")
    }

    @Test func halfConfiguredEnvironmentIsAnError() async {
        await #expect(throws: S3Error.self) {
            try await AWSCredentialChain(environment: ["AWS_ACCESS_KEY_ID": "x", "HOME": "/nonexistent"]).credentials()
        }
    }

    @Test func nothingConfiguredSaysWhereItLooked() async {
        do {
            _ = try await AWSCredentialChain(environment: ["HOME": "/nonexistent", "AWS_EC2_METADATA_DISABLED": "true"])
                .credentials()
            Issue.record("expected no credentials")
        } catch {
            #expect(error.description.contains("AWS_ACCESS_KEY_ID"))
        }
    }

    /// Temporary credentials are reloaded before they expire; long-term ones are cached.
    actor Counting: AWSCredentialProvider {
        var loads = 0
        let lifetime: TimeInterval?
        init(lifetime: TimeInterval?) { self.lifetime = lifetime }
        func load() async throws(S3Error) -> AWSCredentials? {
            loads += 1
            return AWSCredentials(
                accessKeyID: "AKID\(loads)", secretAccessKey: "s", sessionToken: lifetime == nil ? nil : "t",
                expiration: lifetime.map { Date().addingTimeInterval($0) })
        }
    }

    @Test func refreshesBeforeExpiry() async throws {
        let soon = Counting(lifetime: 200)  // inside the 300 s margin: reloaded each time
        let chain = AWSCredentialChain(providers: [soon])
        _ = try await chain.credentials()
        _ = try await chain.credentials()
        #expect(await soon.loads == 2)
        let later = Counting(lifetime: 3600)
        let cached = AWSCredentialChain(providers: [later])
        _ = try await cached.credentials()
        _ = try await cached.credentials()
        #expect(await later.loads == 1)
        let fixed = Counting(lifetime: nil)
        let longTerm = AWSCredentialChain(providers: [fixed])
        _ = try await longTerm.credentials()
        _ = try await longTerm.credentials()
        #expect(await fixed.loads == 1)
    }
}

/// The container and IMDSv2 providers against a loopback stand-in speaking their documented protocols.
@Suite struct MetadataCredentialTests {
    @Test func containerCredentialsWithAuthorizationToken() async throws {
        let endpoint = try await FakeMetadata.shared.start()
        let env = [
            "HOME": "/nonexistent", "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint + "/container/creds",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "container-secret",
        ]
        let c = try await AWSCredentialChain(environment: env).credentials()
        #expect(c.accessKeyID == "ASIACONTAINER")
        #expect(c.sessionToken == "fake-token")
        #expect(c.expiration == parseISO8601("2099-01-01T00:00:00Z"))
        #expect(c.source == "container")
        var wrong = env
        wrong["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "nope"
        await #expect(throws: S3Error.self) { try await AWSCredentialChain(environment: wrong).credentials() }
        var remote = env
        remote["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://metadata.example.com/creds"
        await #expect(throws: S3Error.self) { try await AWSCredentialChain(environment: remote).credentials() }
    }

    @Test func instanceMetadataV2() async throws {
        let endpoint = try await FakeMetadata.shared.start()
        let env = ["HOME": "/nonexistent", "AWS_EC2_METADATA_SERVICE_ENDPOINT": endpoint + "/"]
        let c = try await AWSCredentialChain(environment: env).credentials()
        #expect(c.accessKeyID == "ASIAINSTANCE")
        #expect(c.source == "imds")
        #expect(c.sessionToken == "fake-token")
    }
}

/// Retries against a bucket that answers SlowDown, 500 or nothing at first (signatures not checked here).
@Suite struct S3RetryTests {
    func client(maxAttempts: Int, requestTimeout: TimeInterval = 10) async throws -> S3Client {
        let endpoint = try await FakeMetadata.shared.start()
        return S3Client(
            endpoint: try S3Endpoint(region: "us-east-1", endpoint: endpoint),
            credentials: AWSCredentialChain(providers: [StaticCredentialProvider(AWSCredentials(accessKeyID: "AKID", secretAccessKey: "s"))]),
            maxAttempts: maxAttempts, baseDelay: 0.01, requestTimeout: requestTimeout)
    }

    @Test func slowDownAnd5xxAreRetried() async throws {
        let c = try await client(maxAttempts: 3)
        let slow = try await c.getObject(bucket: "flaky", key: "slowdown-2/\(uniquePrefix("a"))")
        #expect(slow.map { String(decoding: $0.body, as: UTF8.self) } == "3", "two SlowDown, then the answer")
        let internalError = try await c.getObject(bucket: "flaky", key: "internal-1/\(uniquePrefix("b"))")
        #expect(internalError.map { String(decoding: $0.body, as: UTF8.self) } == "2")
    }

    @Test func givesUpNamingTheCode() async throws {
        let c = try await client(maxAttempts: 2)
        let key = "slowdown-5/\(uniquePrefix("c"))"
        do {
            _ = try await c.getObject(bucket: "flaky", key: key)
            Issue.record("expected SlowDown")
        } catch {
            #expect(error.code == "SlowDown")
            #expect(error.description.contains("s3://flaky/\(key)"))
        }
    }

    @Test func timeoutsAreRetried() async throws {
        let c = try await client(maxAttempts: 3, requestTimeout: 1)
        let got = try await c.getObject(bucket: "flaky", key: "timeout-1/\(uniquePrefix("d"))")
        #expect(got.map { String(decoding: $0.body, as: UTF8.self) } == "2")
    }

    /// A conditional PUT whose first attempt was applied but not answered: the retry's 412 is its own write.
    @Test func aRetriedConditionalPutRecognisesItsOwnWrite() async throws {
        let c = try await client(maxAttempts: 3, requestTimeout: 1)
        let etag = try await c.putObject(
            bucket: "flaky", key: "lost-mine/\(uniquePrefix("lease"))", body: Array("lease".utf8), condition: .ifNoneMatch)
        #expect(etag == "\"stored\"")
        let key = "lost-other/\(uniquePrefix("lease"))"
        await #expect(throws: S3Error.preconditionFailed(bucket: "flaky", key: key)) {
            try await c.putObject(bucket: "flaky", key: key, body: Array("lease".utf8), condition: .ifNoneMatch)
        }
    }

    @Test func accessDeniedIsNotRetried() async throws {
        let c = try await client(maxAttempts: 5)
        do {
            _ = try await c.getObject(bucket: "flaky", key: "denied/\(uniquePrefix("e"))")
            Issue.record("expected AccessDenied")
        } catch {
            #expect(error.code == "AccessDenied")
            #expect(error.isConfiguration)
            #expect(error.description.contains("(attempt 1)"), "\(error)")
        }
    }
}
