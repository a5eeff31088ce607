import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A request that got no usable answer, as an operator reads it: a low-cardinality `code` (a metric label) and a
/// sentence naming host:port and the cause. Never holds a header value, a signature or a proxy password.
///
/// Codes (the first five are the ones the API and S3 clients used before, and keep):
/// - `connect`: no connection (refused, unreachable, host not found, the proxy refused the tunnel); nothing was sent;
/// - `timeout`: no answer in time (connect, idle read, or the whole-request deadline);
/// - `connection`: the connection was lost mid-way;
/// - `truncated`: a cut-off or unparsable answer;
/// - `other`: anything else;
/// - `tls`: the TLS handshake failed (untrusted, mismatched, expired…): retrying will not help;
/// - `cancelled`: the caller's task was cancelled;
/// - `config`: a proxy variable or CA file that cannot be used, or a proxy that refuses the credentials (407): retrying
///   will not help.
package struct NetFailure: Error, Sendable, CustomStringConvertible, Equatable {
    package let code: String
    package let message: String
    package var description: String { "\(code): \(message)" }

    package init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    /// Whether another attempt may succeed (`tls`, `config` and `cancelled` will not).
    package var isTransient: Bool { !["tls", "config", "cancelled"].contains(code) }

    /// Whether a person must change something before any request can succeed: a TLS handshake the client refused
    /// (unknown CA, a name that does not match, an expired certificate) or a proxy or CA setting that cannot be used.
    /// The API and S3 errors map it to a configuration failure (exit 78), never to an outage to retry.
    package var isConfiguration: Bool { code == "tls" || code == "config" }
}

/// What a request was doing when it failed: a failure before the answer's head is a connection problem; after it, a
/// cut-off answer.
enum ExchangePhase: Sendable {
    case beforeResponse
    case readingBody
}

/// The numbers a failure sentence quotes.
struct FailureContext: Sendable {
    let target: NetworkTarget
    let proxy: ProxyServer?
    let connectTimeout: Double
    let readTimeout: Double
    let deadline: Double
    /// What to check when the host is not found (`the region or base URL`, `the S3 endpoint`).
    let check: String
}

extension NetFailure {
    /// Maps NIO's, NIOSSL's and AsyncHTTPClient's errors to a code and a sentence. TLS certificate failures get
    /// their reason from `TLSDiagnosis` (done by the caller, which can reach the network).
    static func from(_ error: any Error, phase: ExchangePhase, context: FailureContext) -> NetFailure {
        let target = context.target.hostAndPort
        // Through a proxy, the TCP connection is to the proxy: name it, and the target.
        let peer = context.proxy.map { "\($0) (for \(target))" } ?? target
        let peerHost = context.proxy?.host ?? context.target.host
        func seconds(_ s: Double) -> String {
            s == s.rounded() ? String(Int(s)) : String(s)
        }

        if let failure = error as? NetFailure { return failure }
        if error is CancellationError {
            return NetFailure(code: "cancelled", message: "request to \(target) cancelled")
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .socksHandshakeTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout:
                return NetFailure(
                    code: "timeout",
                    message: "no answer from \(peer): connect timed out after \(seconds(context.connectTimeout)) s")
            case .httpProxyHandshakeTimeout:
                return NetFailure(
                    code: "timeout",
                    message: "no answer from \(peer) to CONNECT: timed out after \(seconds(context.connectTimeout)) s")
            case .readTimeout:
                return NetFailure(
                    code: "timeout",
                    message: "no answer from \(target): timed out after \(seconds(context.readTimeout)) s")
            case .writeTimeout:
                return NetFailure(
                    code: "timeout", message: "\(target) stopped reading the request: timed out")
            case .deadlineExceeded:
                return NetFailure(
                    code: "timeout",
                    message: "no answer from \(target): timed out after \(seconds(context.deadline)) s")
            case .remoteConnectionClosed:
                return phase == .readingBody
                    ? NetFailure(code: "truncated", message: "bad or cut-off response from \(target)")
                    : NetFailure(code: "connection", message: "connection to \(target) lost mid-way")
            case .cancelled, .requestStreamCancelled:
                return NetFailure(code: "cancelled", message: "request to \(target) cancelled")
            case .proxyAuthenticationRequired:
                // Wrong or missing credentials: asking again with the same ones cannot help.
                return NetFailure(
                    code: "config",
                    message: "\(peer) refused the tunnel: proxy authentication required (407); check the credentials in \(context.proxy?.variable ?? "the proxy variable")")
            case .invalidProxyResponse:
                return NetFailure(
                    code: "connect", message: "\(peer) refused the CONNECT tunnel to \(target) (not a 2xx answer)")
            case .invalidURL, .emptyHost, .emptyScheme:
                return NetFailure(code: "other", message: "not a usable URL for \(target)")
            case .alreadyShutdown:
                return NetFailure(code: "other", message: "request to \(target) after the HTTP client was shut down")
            case .bodyLengthMismatch:
                return NetFailure(
                    code: "other", message: "request body to \(target) did not match its declared length")
            default:
                return NetFailure(code: "other", message: "request to \(target) failed: \(error.shortDescription)")
            }
        }
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.isEmpty, let dns = error.dnsAError ?? error.dnsAAAAError {
                return hostNotFound(peerHost, dns, context)
            }
            if let first = error.connectionErrors.first {
                return from(first.error, phase: phase, context: context)
            }
        }
        if let error = error as? SocketAddressError.UnknownHost {
            return hostNotFound(peerHost, error, context)
        }
        if let error = error as? IOError {
            return fromErrno(error.errnoCode, phase: phase, peer: peer, target: target)
        }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout:
                return NetFailure(
                    code: "timeout",
                    message: "no answer from \(peer): connect timed out after \(seconds(context.connectTimeout)) s")
            case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed:
                return phase == .readingBody
                    ? NetFailure(code: "truncated", message: "bad or cut-off response from \(target)")
                    : NetFailure(code: "connection", message: "connection to \(target) lost mid-way")
            default:
                return NetFailure(code: "other", message: "request to \(target) failed: \(error)")
            }
        }
        if error is HTTPParserError {
            return NetFailure(code: "truncated", message: "bad or cut-off response from \(target)")
        }
        if let error = error as? NIOSSLError {
            switch error {
            case .uncleanShutdown:
                return NetFailure(code: "connection", message: "connection to \(target) lost mid-way (TLS cut)")
            default:
                return NetFailure(
                    code: "tls", message: "TLS handshake with \(target) failed (\(TLSDiagnosis.summary(of: error)))")
            }
        }
        if let error = error as? NIOSSLExtraError {
            return NetFailure(code: "tls", message: "TLS handshake with \(target) failed (\(error))")
        }
        return NetFailure(code: "other", message: "request to \(target) failed: \(type(of: error))")
    }

    private static func hostNotFound(_ host: String, _ dns: any Error, _ context: FailureContext) -> NetFailure {
        var cause = "DNS lookup failed"
        if let unknown = dns as? SocketAddressError.UnknownHost { cause = unknown.errorDescription }
        let check = context.proxy == nil ? context.check : "the proxy (\(context.proxy!.variable))"
        return NetFailure(
            code: "connect", message: "host not found: \(host) (\(cause.lowercased()); check \(check) and the resolver)")
    }

    static func fromErrno(_ code: Int32, phase: ExchangePhase, peer: String, target: String) -> NetFailure {
        let cause = String(cString: strerror(code)).lowercased()
        switch code {
        case ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL, ENETDOWN, EACCES, EPERM:
            return NetFailure(code: "connect", message: "cannot connect to \(peer): \(cause)")
        case ETIMEDOUT:
            return NetFailure(code: "timeout", message: "no answer from \(peer): \(cause)")
        case ECONNRESET, EPIPE, ECONNABORTED:
            return phase == .readingBody
                ? NetFailure(code: "truncated", message: "bad or cut-off response from \(target) (\(cause))")
                : NetFailure(code: "connection", message: "connection to \(target) lost mid-way (\(cause))")
        default:
            return NetFailure(code: "other", message: "request to \(target) failed: \(cause)")
        }
    }
}
