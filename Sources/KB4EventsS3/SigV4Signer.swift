package import Foundation
import Crypto
import KB4EventsNet
package import KB4EventsCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`) for requests sent in headers, as botocore's `S3SigV4Auth` (service
/// `s3`: the path is signed as sent, never encoded twice, and `x-amz-content-sha256` is added) and `SigV4Auth` (other
/// services: the path is encoded once more for the canonical request). Proven byte for byte against botocore by
/// `SigV4SignerTests`.
struct SigV4Signer: Sendable {
    /// The region in the credential scope, e.g. `eu-west-1`.
    package let region: String
    /// The service in the credential scope: `s3` or `sts`.
    package let service: String

    /// Headers never signed (hop-by-hop or rewritten by proxies): botocore's `SIGNED_HEADERS_BLACKLIST`.
    static let unsignedHeaders: Set<String> = [
        "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id", "authorization",
    ]

    /// The hex SHA-256 of an empty payload.
    static let emptyPayloadSHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// Creates a signer for one region and service.
    package init(region: String, service: String) {
        self.region = region
        self.service = service
    }

    /// What the canonical request is made of.
    struct Request: Sendable {
        /// `GET`, `PUT`, …
        package var method: String
        /// The `Host` header as sent: lower-case host, `:port` only when not the scheme's default.
        package var host: String
        /// The path exactly as on the wire, already URI-encoded (see `AWSURI.encodePath`).
        var encodedPath: String
        /// Query parameters, not encoded; a parameter without a value has the value `""`.
        package var query: [(name: String, value: String)]
        /// Headers to sign besides `host`, `x-amz-date`, `x-amz-security-token` and (S3) `x-amz-content-sha256`.
        package var headers: [(name: String, value: String)]
        /// Hex SHA-256 of the body.
        var payloadSHA256: String

        /// Creates a request description.
        package init(
            method: String, host: String, encodedPath: String, query: [(name: String, value: String)] = [],
            headers: [(name: String, value: String)] = [], payloadSHA256: String = SigV4Signer.emptyPayloadSHA256
        ) {
            self.method = method
            self.host = host
            self.encodedPath = encodedPath
            self.query = query
            self.headers = headers
            self.payloadSHA256 = payloadSHA256
        }
    }

    /// The headers to add to the request: `x-amz-date`, `x-amz-content-sha256` (S3), `x-amz-security-token` (with a
    /// session token) and `Authorization`.
    package func sign(_ request: Request, credentials: AWSCredentials, date: Date) -> [(name: String, value: String)] {
        let timestamp = Self.timestamp(date)
        var added: [(name: String, value: String)] = [("X-Amz-Date", timestamp)]
        if service == "s3" { added.append(("X-Amz-Content-SHA256", request.payloadSHA256)) }
        if let token = credentials.sessionToken { added.append(("X-Amz-Security-Token", token)) }
        let (canonical, signedHeaders) = canonicalRequest(request, extraHeaders: added)
        let day = String(timestamp.prefix(8))
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = "AWS4-HMAC-SHA256\n\(timestamp)\n\(scope)\n\(hex(SHA256.hash(data: Array(canonical.utf8))))"
        var key = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        let signature = hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
        added.append(
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), "
                    + "Signature=\(signature)"
            ))
        return added
    }

    /// The canonical request and the signed-header list (exposed for tests and debugging; holds no secret).
    func canonicalRequest(_ request: Request, extraHeaders: [(name: String, value: String)]) -> (String, String) {
        var headers: [String: [String]] = ["host": [request.host]]
        for (name, value) in request.headers + extraHeaders {
            let lower = name.lowercased()
            guard !Self.unsignedHeaders.contains(lower) else { continue }
            if lower == "host" {
                headers["host"] = [value]
            } else {
                headers[lower, default: []].append(value)
            }
        }
        let names = headers.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let canonicalHeaders = names.map { name in
            "\(name):" + headers[name]!.map(Self.trimAll).joined(separator: ",") + "\n"
        }.joined()
        let signedHeaders = names.joined(separator: ";")
        let path = service == "s3" ? request.encodedPath : AWSURI.encode(request.encodedPath, keepSlash: true)
        let lines = [
            request.method.uppercased(), path.isEmpty ? "/" : path, AWSURI.canonicalQuery(request.query),
            canonicalHeaders, signedHeaders, request.payloadSHA256,
        ]
        return (lines.joined(separator: "\n"), signedHeaders)
    }

    /// `Trimall`: no leading or trailing white space, runs of white space become one space.
    static func trimAll(_ value: String) -> String {
        value.split(whereSeparator: { " \t\n\r\u{0B}\u{0C}".contains($0) }).joined(separator: " ")
    }

    /// `YYYYMMDDTHHMMSSZ` in UTC.
    package static func timestamp(_ date: Date) -> String { UTCTime.compactSeconds(date.timeIntervalSince1970) }
}

/// URI encoding as SigV4 defines it: every byte but `A-Z a-z 0-9 - . _ ~` becomes `%XX` (upper-case hex).
enum AWSURI {
    /// Encodes `text`; `/` is kept when `keepSlash` (object keys in a path), encoded otherwise (query values).
    static func encode(_ text: String, keepSlash: Bool) -> String {
        PercentEncoding.encode(text, keepSlash: keepSlash)
    }

    /// The path of an object: `/` + the key encoded with its slashes kept (an S3 key is never normalised).
    static func encodePath(_ path: String) -> String { encode(path, keepSlash: true) }

    /// The canonical query: names and values encoded, sorted by encoded name then value, joined with `&`. The same
    /// string is sent on the wire, so what is signed is what arrives.
    static func canonicalQuery(_ query: [(name: String, value: String)]) -> String {
        query.map { (encode($0.name, keepSlash: false), encode($0.value, keepSlash: false)) }
            .sorted { a, b in
                a.0 == b.0 ? a.1.utf8.lexicographicallyPrecedes(b.1.utf8) : a.0.utf8.lexicographicallyPrecedes(b.0.utf8)
            }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }
}
