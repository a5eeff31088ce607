package import Foundation

/// Where a bucket's requests go: AWS (`https://<bucket>.s3.<region>.amazonaws.com`) or a custom endpoint (MinIO,
/// Ceph, R2, B2, GCS XML API, moto). Path-style (`https://host/<bucket>/<key>`) is used when asked, for an IP-address
/// or `localhost` endpoint, and for a bucket name with dots over https (its certificate cannot match). Plain `http`
/// only for a loopback endpoint.
package struct S3Endpoint: Sendable, Equatable, CustomStringConvertible {
    /// The signing region.
    package let region: String
    /// `https` (or `http` for loopback).
    package let scheme: String
    /// The custom endpoint's host (no port, IPv6 in brackets), nil for AWS.
    let customHost: String?
    /// The custom endpoint's port when not the scheme's default.
    package let port: Int?
    /// Path-style forced.
    let forcePathStyle: Bool

    /// Resolves an endpoint. `endpoint` is a URL (`https://minio.internal:9000`); nil means AWS in `region`.
    package init(region: String, endpoint: String? = nil, pathStyle: Bool? = nil) throws(S3Error) {
        self.region = region
        guard let endpoint else {
            scheme = "https"
            customHost = nil
            port = nil
            forcePathStyle = pathStyle ?? false
            return
        }
        guard let parts = URLComponents(string: endpoint), let scheme = parts.scheme?.lowercased(),
            var host = parts.host?.lowercased(), !host.isEmpty
        else { throw S3Error.configuration("endpoint \(endpoint) is not a URL like https://host[:port]") }
        guard parts.path.isEmpty || parts.path == "/", parts.query == nil, parts.user == nil else {
            throw S3Error.configuration("endpoint \(endpoint): a path, query or user in the endpoint is not supported")
        }
        if host.contains(":") && !host.hasPrefix("[") { host = "[\(host)]" }
        switch scheme {
        case "https": break
        case "http":
            guard Self.isLoopback(host) else {
                throw S3Error.configuration(
                    "endpoint \(endpoint): plain http is allowed only for a loopback endpoint (127.0.0.1, ::1, localhost)")
            }
        default: throw S3Error.configuration("endpoint \(endpoint): the scheme must be https (or http for loopback)")
        }
        self.scheme = scheme
        customHost = host
        if let p = parts.port, !(p == 443 && scheme == "https"), !(p == 80 && scheme == "http") {
            port = p
        } else {
            port = nil
        }
        forcePathStyle = pathStyle ?? (Self.isIPAddress(host) || host == "localhost")
    }

    /// The endpoint the environment describes, as the AWS tools read it: `explicitRegion`, else `AWS_REGION`,
    /// `AWS_DEFAULT_REGION`, the profile's `region` in the config file, `us-east-1`; `explicitEndpoint`, else
    /// `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, else AWS.
    package static func resolve(
        environment: [String: String] = ProcessInfo.processInfo.environment, region explicitRegion: String? = nil,
        endpoint explicitEndpoint: String? = nil, pathStyle: Bool? = nil
    ) throws(S3Error) -> S3Endpoint {
        let profile = environment["AWS_PROFILE"].flatMap(nonEmpty) ?? "default"
        let region =
            explicitRegion.flatMap(nonEmpty) ?? environment["AWS_REGION"].flatMap(nonEmpty)
            ?? environment["AWS_DEFAULT_REGION"].flatMap(nonEmpty)
            ?? SharedConfigFiles(environment: environment).region(profile: profile) ?? "us-east-1"
        let endpoint =
            explicitEndpoint.flatMap(nonEmpty) ?? environment["AWS_ENDPOINT_URL_S3"].flatMap(nonEmpty)
            ?? environment["AWS_ENDPOINT_URL"].flatMap(nonEmpty)
        return try S3Endpoint(region: region, endpoint: endpoint, pathStyle: pathStyle)
    }

    /// The address of a bucket (and a key): base URL (`scheme://host[:port]`), `Host` header, encoded path.
    func address(bucket: String, key: String?) -> (base: String, host: String, path: String) {
        let keyPath = key.map { "/" + AWSURI.encodePath($0) }
        let baseHost = customHost ?? "s3.\(region).amazonaws.com"
        let portSuffix = port.map { ":\($0)" } ?? ""
        let pathStyle = forcePathStyle || (scheme == "https" && bucket.contains("."))
        if pathStyle {
            let host = baseHost + portSuffix
            return ("\(scheme)://\(host)", host, "/" + AWSURI.encode(bucket, keepSlash: false) + (keyPath ?? ""))
        }
        let host = "\(bucket).\(baseHost)\(portSuffix)"
        return ("\(scheme)://\(host)", host, keyPath ?? "/")
    }

    package var description: String {
        guard let customHost else { return "AWS S3 \(region)" }
        return "\(scheme)://\(customHost)\(port.map { ":\($0)" } ?? "") (\(region)\(forcePathStyle ? ", path-style" : ""))"
    }

    /// `localhost`, `127.0.0.0/8`, `::1`.
    package static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased()
        if h == "localhost" || h == "::1" || h == "[::1]" { return true }
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// An IPv4 dotted quad or a (bracketed) IPv6 address.
    static func isIPAddress(_ host: String) -> Bool {
        if host.contains(":") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }
}
