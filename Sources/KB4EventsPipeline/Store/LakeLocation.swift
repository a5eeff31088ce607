import Foundation
import KB4EventsS3

/// Where a lake lives, parsed from `--out` / `output.dir`: a local path, or `s3://bucket[/prefix]`. The one place a
/// lake URL becomes a store.
package enum LakeLocation: Sendable, Equatable, CustomStringConvertible {
    /// A directory on local disk.
    case local(path: String)
    /// A bucket and a key prefix (no leading or trailing slash; may be empty).
    case s3(bucket: String, prefix: String)

    /// S3 settings that are not in the URL (`output.s3` in the pipeline file); nil fields fall back to the
    /// environment (`AWS_REGION`, `AWS_ENDPOINT_URL_S3`, …).
    package struct S3Options: Sendable, Equatable {
        package var region: String?
        package var endpoint: String?
        package var pathStyle: Bool?
        /// `output.s3.ca_bundle`: a PEM file of CA certificates trusted besides the system's for the store.
        package var caBundle: String?
        /// `output.s3.multipart_threshold_mib`: a file larger than this is uploaded in parts (default 16).
        package var multipartThresholdMiB: Int?
        /// `output.s3.part_size_mib`: the size of those parts (default 8; S3's least is 5).
        package var partSizeMiB: Int?

        package init(
            region: String? = nil, endpoint: String? = nil, pathStyle: Bool? = nil, caBundle: String? = nil,
            multipartThresholdMiB: Int? = nil, partSizeMiB: Int? = nil
        ) {
            self.region = region
            self.endpoint = endpoint
            self.pathStyle = pathStyle
            self.caBundle = caBundle
            self.multipartThresholdMiB = multipartThresholdMiB
            self.partSizeMiB = partSizeMiB
        }

        /// The threshold in bytes, the client's default when not set.
        var multipartThreshold: Int { multipartThresholdMiB.map { $0 << 20 } ?? S3Client.defaultMultipartThreshold }
        /// The part size in bytes, the client's default when not set.
        var partSize: Int { partSizeMiB.map { $0 << 20 } ?? S3Client.defaultPartSize }
    }

    /// Parses `text`: `s3://bucket/prefix` (bucket names as S3 allows: 3–63 of `a-z 0-9 . -`), anything else
    /// with a scheme is refused, the rest is a local path.
    package init(_ text: String) throws {
        if text.lowercased().hasPrefix("s3://") {
            let rest = text.dropFirst(5)
            let bucket = String(rest.prefix { $0 != "/" })
            var prefix = String(rest.dropFirst(bucket.count))
            if prefix.hasPrefix("/") { prefix.removeFirst() }  // the separator; a second one is an empty segment
            while prefix.hasSuffix("/") { prefix.removeLast() }
            let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789.-")
            guard (3...63).contains(bucket.count), bucket.allSatisfy(allowed.contains),
                bucket.first != "." && bucket.first != "-", bucket.last != "." && bucket.last != "-"
            else { throw LakeLocationError("\(text): \"\(bucket)\" is not an S3 bucket name") }
            if !prefix.isEmpty { try ObjectStoreError.validate(prefix) }
            self = .s3(bucket: bucket, prefix: prefix)
            return
        }
        if let colon = text.range(of: "://") {
            throw LakeLocationError("\(text): only local paths and s3:// are supported, not \(text[..<colon.lowerBound])://")
        }
        guard !text.isEmpty else { throw LakeLocationError("the lake location is empty") }
        self = .local(path: text)
    }

    /// Whether the lake is a directory on this machine.
    package var isLocal: Bool {
        if case .local = self { return true }
        return false
    }

    package var description: String {
        switch self {
        case .local(let path): return path
        case .s3(let bucket, let prefix): return "s3://\(bucket)" + (prefix.isEmpty ? "" : "/\(prefix)")
        }
    }

    /// The store for this location. For S3, the endpoint and credentials come from `options` and `environment`
    /// (the AWS tools' chain); nothing is contacted yet.
    package func makeStore(
        options: S3Options = S3Options(), environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> any ObjectStore {
        switch self {
        case .local(let path):
            return LocalDirectoryStore(root: path)
        case .s3(let bucket, let prefix):
            let endpoint = try S3Endpoint.resolve(
                environment: environment, region: options.region, endpoint: options.endpoint, pathStyle: options.pathStyle)
            let client = S3Client(
                endpoint: endpoint, credentials: AWSCredentialChain(environment: environment),
                multipartThreshold: options.multipartThreshold, partSize: options.partSize,
                extraCABundle: options.caBundle)
            return S3ObjectStore(client: client, bucket: bucket, prefix: prefix)
        }
    }
}

/// A lake location that cannot be parsed.
struct LakeLocationError: Error, Sendable, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}
