import Crypto
import Foundation
import KB4EventsTestSupport
import Testing

@testable import KB4EventsCore
@testable import KB4EventsS3

/// The signer byte for byte against botocore (`S3SigV4Auth` for S3, `SigV4Auth` for STS), over a table of requests.
/// Without python or botocore this FAILS: a signer test that skips proves nothing.
@Suite struct SigV4SignerTests {
    struct Case {
        var name: String
        var service = "s3"
        var region = "us-east-1"
        var scheme = "https"
        var method = "GET"
        var host = "s3.us-east-1.amazonaws.com"
        var bucket: String? = "kb4-lake"
        var key: String? = "events/dt=2026-11-21/part-00000.ndjson.gz"
        var query: [(name: String, value: String)] = []
        var headers: [(name: String, value: String)] = []
        var body: [UInt8] = []
        var accessKey = "AKIDEXAMPLE"
        var secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
        var token: String?
        var epoch: Int = 1_795_910_400  // 2026-11-30T00:00:00Z

        var encodedPath: String {
            guard service == "s3" else { return "/" }
            var path = bucket.map { "/" + AWSURI.encode($0, keepSlash: false) } ?? ""
            if let key { path += "/" + AWSURI.encodePath(key) }
            return path.isEmpty ? "/" : path
        }
    }

    static let cases: [Case] = {
        var c: [Case] = []
        c.append(Case(name: "get, no query, empty body"))
        c.append(
            Case(
                name: "put with body, content type, sha256 checksum", method: "PUT",
                headers: [("Content-Type", "application/gzip"), ("x-amz-checksum-sha256", "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=")],
                body: Array("hello, lake\n".utf8)))
        c.append(Case(name: "key with spaces", method: "PUT", key: "events/dt=2026-11-21/part 0 1.csv.gz", body: [1, 2, 3]))
        c.append(Case(name: "key with unicode", key: "données/été/ü-ñ-日本語-🙂.json"))
        c.append(Case(name: "key with reserved characters", key: "a=b&c+d%e,f;g:h@i$j!k*l'm(n)o~p#q?r[s]t"))
        c.append(Case(name: "key with a percent-encoded-looking part (not decoded, not double-encoded)", key: "a%2Fb/%20c"))
        c.append(Case(name: "key with double and trailing slashes (never normalised)", key: "a//b/./c/../d/"))
        c.append(
            Case(
                name: "ListObjectsV2 with dt= prefix and continuation", key: nil,
                query: [
                    ("list-type", "2"), ("prefix", "lake/events/dt=2026-11-"), ("max-keys", "1000"),
                    ("continuation-token", "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=+"),
                ]))
        c.append(
            Case(
                name: "query with reserved characters and unicode", key: nil,
                query: [
                    ("prefix", "a b*c~d/e=f&g+h%i"), ("delimiter", "/"), ("start-after", "été 日本"),
                    ("encoding-type", "url"),
                ]))
        c.append(Case(name: "repeated query names sort by value", key: nil, query: [("x", "b"), ("x", "a"), ("X", "c"), ("a", "")]))
        c.append(Case(name: "session token", token: "FwoGZXIvYXdzEJr//////////wEaDNuMBER+TOKEN/with=chars"))
        c.append(Case(name: "conditional create", method: "PUT", key: "_manifest.json", headers: [("If-None-Match", "*")], body: Array("{}".utf8)))
        c.append(
            Case(
                name: "compare-and-swap", method: "PUT", key: "_manifest.json",
                headers: [("If-Match", "\"9b2cf535f27731c974343645a3985328\"")], body: Array("{\"v\":2}".utf8),
                token: "tok"))
        c.append(
            Case(
                name: "header values trimmed, runs of spaces squeezed", method: "PUT",
                headers: [("Content-Type", "  text/plain;   charset=utf-8  "), ("x-amz-meta-note", "a \t b")],
                body: Array(" ".utf8)))
        c.append(
            Case(
                name: "multipart part with Content-MD5", method: "PUT",
                query: [("partNumber", "10"), ("uploadId", "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA--")],
                headers: [("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==")], body: Array(repeating: 0x41, count: 100)))
        c.append(Case(name: "create multipart upload", method: "POST", query: [("uploads", "")], headers: [("Content-Type", "application/gzip")]))
        c.append(Case(name: "delete", method: "DELETE", key: ".kb4-events.lock"))
        c.append(Case(name: "head", method: "HEAD", key: "_SUCCESS"))
        c.append(
            Case(
                name: "virtual-hosted, other region", region: "eu-central-1", host: "kb4-lake.s3.eu-central-1.amazonaws.com",
                bucket: nil, key: "events/dt=2026-01-01/x.ndjson.gz", epoch: 1_767_225_599))
        c.append(
            Case(
                name: "loopback http with port (moto, MinIO)", scheme: "http", method: "PUT", host: "127.0.0.1:9000",
                key: "k=v/ü", body: Array(0..<255)))
        c.append(Case(name: "bucket root list", key: nil, query: [("list-type", "2")], epoch: 1_700_000_000))
        var big = [UInt8](repeating: 0, count: 1 << 20)
        for i in big.indices { big[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 7) }
        c.append(Case(name: "1 MiB body", method: "PUT", key: "big.bin", body: big))
        c.append(
            Case(
                name: "STS AssumeRoleWithWebIdentity form body (SigV4Auth)", service: "sts", method: "POST",
                host: "sts.us-east-1.amazonaws.com", bucket: nil, key: nil,
                headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
                body: Array("Action=AssumeRoleWithWebIdentity&Version=2011-06-15".utf8), token: "t"))
        c.append(
            Case(
                name: "STS GET with query (SigV4Auth)", service: "sts", region: "eu-west-1", host: "sts.eu-west-1.amazonaws.com",
                bucket: nil, key: nil, query: [("Action", "GetCallerIdentity"), ("Version", "2011-06-15")]))
        return c
    }()

    struct Expected: Decodable {
        let authorization: String
        let path: String
        let content_sha256: String?
        let date: String
        let body_sha256: String
    }

    struct Output: Decodable {
        let botocore: String
        let results: [Expected]
    }

    @Test func matchesBotocoreByteForByte() throws {
        let table: [[String: Any]] = Self.cases.map { c in
            var row: [String: Any] = [
                "service": c.service, "region": c.region, "scheme": c.scheme, "method": c.method, "host": c.host,
                "query": c.query.map { [$0.name, $0.value] }, "headers": c.headers.map { [$0.name, $0.value] },
                "body_hex": hex(c.body), "access_key": c.accessKey, "secret": c.secret, "epoch": c.epoch,
            ]
            if let bucket = c.bucket { row["bucket"] = bucket }
            if let key = c.key { row["key"] = key }
            if let token = c.token { row["token"] = token }
            return row
        }
        let input = try JSONSerialization.data(withJSONObject: table)
        let stdout = try PythonTools.run(
            PythonTools.botocorePython,
            PythonTools.botocorePythonArguments + [PythonTools.directory + "/botocore_sign.py"], input: [UInt8](input))
        let output = try JSONDecoder().decode(Output.self, from: Data(stdout))
        try #require(output.results.count == Self.cases.count)
        var matched = 0
        for (c, expected) in zip(Self.cases, output.results) {
            let payload = hex(SHA256.hash(data: c.body))
            #expect(payload == expected.body_sha256, "\(c.name): body hash")
            #expect(c.encodedPath == expected.path, "\(c.name): path on the wire")
            let signed = SigV4Signer(region: c.region, service: c.service).sign(
                SigV4Signer.Request(
                    method: c.method, host: c.host, encodedPath: c.encodedPath, query: c.query, headers: c.headers,
                    payloadSHA256: payload),
                credentials: AWSCredentials(accessKeyID: c.accessKey, secretAccessKey: c.secret, sessionToken: c.token),
                date: Date(timeIntervalSince1970: TimeInterval(c.epoch)))
            let headers = Dictionary(signed.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
            #expect(headers["x-amz-date"] == expected.date, "\(c.name): x-amz-date")
            #expect(headers["x-amz-content-sha256"] == expected.content_sha256, "\(c.name): x-amz-content-sha256")
            #expect(headers["x-amz-security-token"] == c.token, "\(c.name): token header")
            #expect(headers["authorization"] == expected.authorization, "\(c.name): Authorization")
            if headers["authorization"] == expected.authorization { matched += 1 }
        }
        #expect(matched == Self.cases.count, "\(matched) of \(Self.cases.count) identical to botocore \(output.botocore)")
        print("SigV4: \(matched)/\(Self.cases.count) Authorization headers identical to botocore \(output.botocore)")
    }

    /// The AWS documentation's example (GET Object with a Range header, `examplebucket`), as a fixed point that
    /// needs no python.
    @Test func awsDocumentationExample() {
        let signed = SigV4Signer(region: "us-east-1", service: "s3").sign(
            SigV4Signer.Request(
                method: "GET", host: "examplebucket.s3.amazonaws.com", encodedPath: "/test.txt",
                headers: [("Range", "bytes=0-9")]),
            credentials: AWSCredentials(
                accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            date: Date(timeIntervalSince1970: 1_369_353_600))  // 20130524T000000Z
        let auth = signed.first { $0.name == "Authorization" }?.value
        #expect(
            auth
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test func credentialsNeverPrintTheirSecrets() {
        let creds = AWSCredentials(
            accessKeyID: "AKIAABCDEFGHIJKL1234", secretAccessKey: "SECRETSECRETSECRET", sessionToken: "TOKENTOKENTOKEN",
            expiration: Date(timeIntervalSince1970: 1_800_000_000), source: "environment")
        var dumped = ""
        dump(creds, to: &dumped)
        for text in [creds.description, String(reflecting: creds), "\(creds)", dumped, "\([creds])"] {
            #expect(!text.contains("SECRETSECRET"), "\(text)")
            #expect(!text.contains("TOKENTOKEN"), "\(text)")
            #expect(!text.contains("AKIAABCDEFGHIJKL"), "\(text)")
        }
        #expect(creds.description.contains("…1234"))
    }
}
