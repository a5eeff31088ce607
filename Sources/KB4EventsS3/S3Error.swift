import KB4EventsNet

/// What went wrong talking to S3, naming the bucket, the key and S3's error code; never a secret.
package enum S3Error: Error, Sendable, CustomStringConvertible, Equatable {
    /// `412 Precondition Failed`: `If-Match`/`If-None-Match` did not hold (another writer was first), or (on
    /// `If-Match`) the object is gone.
    case preconditionFailed(bucket: String, key: String)
    /// An error answer from the store: HTTP status, S3 error code (`AccessDenied`, `NoSuchBucket`,
    /// `SignatureDoesNotMatch`, …), its message and request id.
    case service(status: Int, code: String, message: String, bucket: String, key: String?, requestID: String?)
    /// No answer: connection refused or lost, timeout (after the retries).
    case transport(code: String, message: String, bucket: String, key: String?)
    /// No usable credentials, or a credential provider that failed.
    case credentials(String)
    /// A configuration that cannot work (bad URL, plain http to a remote host, …).
    case configuration(String)

    /// S3's error code, `PreconditionFailed`, or the transport code.
    package var code: String {
        switch self {
        case .preconditionFailed: return "PreconditionFailed"
        case .service(_, let code, _, _, _, _): return code
        case .transport(let code, _, _, _): return code
        case .credentials: return "Credentials"
        case .configuration: return "Configuration"
        }
    }

    /// True for errors a retry cannot fix because the setup is wrong (credentials, region, bucket, permissions).
    package var isConfiguration: Bool {
        switch self {
        case .credentials, .configuration: return true
        case .transport(let code, _, _, _): return NetFailure(code: code, message: "").isConfiguration
        case .service(_, let code, _, _, _, _):
            return [
                "AccessDenied", "Forbidden", "NoSuchBucket", "InvalidAccessKeyId", "SignatureDoesNotMatch", "PermanentRedirect",
                "AuthorizationHeaderMalformed", "ExpiredToken", "InvalidToken", "InvalidBucketName",
            ].contains(code)
        default: return false
        }
    }

    package var description: String {
        func object(_ bucket: String, _ key: String?) -> String {
            key.map { "s3://\(bucket)/\($0)" } ?? "bucket \(bucket)"
        }
        switch self {
        case .preconditionFailed(let bucket, let key):
            return "\(object(bucket, key)): PreconditionFailed (412): another writer changed it (or it already exists)"
        case .service(let status, let code, let message, let bucket, let key, let requestID):
            var text = "\(object(bucket, key)): \(code) (HTTP \(status))"
            if !message.isEmpty { text += ": \(message)" }
            if let requestID { text += " [request \(requestID)]" }
            return text
        case .transport(let code, let message, let bucket, let key):
            return "\(object(bucket, key)): \(code): \(message)"
        case .credentials(let message): return "AWS credentials: \(message)"
        case .configuration(let message): return "S3 configuration: \(message)"
        }
    }
}
