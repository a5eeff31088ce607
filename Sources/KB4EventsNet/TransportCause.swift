public import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns a URLSession failure into a sentence that names the host and the operating system's cause
/// (connection refused, host not found, TLS failure, timed out after N s), so an operator can act on it. Shared by
/// the API client and the S3 client.
public enum TransportCause {
    /// `check`: what to look at when the host is not found (`the region or base URL`, `the S3 endpoint`).
    public static func describe(_ error: URLError, target url: NetworkTarget, requestTimeout: TimeInterval, check: String)
        -> String
    {
        let target = url.hostAndPort
        switch error.code {
        case .timedOut:
            return "no answer from \(target): timed out after \(Int(requestTimeout.rounded())) s"
        case .cannotFindHost, .dnsLookupFailed:
            return "host not found: \(url.host) (DNS lookup failed; check \(check) and the resolver)"
        case .notConnectedToInternet:
            return "cannot reach \(target): no network"
        case .cannotConnectToHost:
            return "cannot connect to \(target): \(connectCause(url) ?? "connection failed")"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
            .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected:
            return
                "TLS handshake with \(target) failed (\(tlsReason(error.code))); a proxy that intercepts TLS needs its CA in the system trust store"
        case .networkConnectionLost:
            return "connection to \(target) lost mid-way"
        case .badServerResponse, .cannotParseResponse:
            return "bad or cut-off response from \(target)"
        default:
            return "URL error \(error.code.rawValue) talking to \(target)"
        }
    }

    /// A low-cardinality code for a failure: `timeout`, `connect` (no connection, TLS included), `connection`
    /// (lost mid-way), `truncated` (a cut-off or unparsable answer), `other`.
    public static func code(for error: URLError) -> String {
        switch error.code {
        case .timedOut: return "timeout"
        case .cannotConnectToHost, .notConnectedToInternet, .cannotFindHost, .dnsLookupFailed,
            .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
            .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected:
            return "connect"
        case .networkConnectionLost:
            return "connection"
        case .cannotParseResponse, .badServerResponse, .cannotDecodeRawData, .cannotDecodeContentData,
            .zeroByteResource:
            return "truncated"
        default: return "other"
        }
    }

    private static func tlsReason(_ code: URLError.Code) -> String {
        switch code {
        case .serverCertificateUntrusted, .serverCertificateHasUnknownRoot: return "certificate not trusted"
        case .serverCertificateHasBadDate, .serverCertificateNotYetValid: return "certificate expired or not yet valid"
        case .clientCertificateRejected: return "client certificate rejected"
        default: return "secure connection failed"
        }
    }

    /// libcurl folds every connect failure into one code; one TCP connect of our own (at most 3 s) tells
    /// the operating system's reason: `Connection refused`, `No route to host`, `Network is unreachable`….
    static func connectCause(_ url: NetworkTarget) -> String? {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let port = String(url.port ?? (url.scheme == "https" ? 443 : 80))
        let rc = getaddrinfo(url.host, port, &hints, &list)
        guard rc == 0, let first = list else {
            return rc == 0 ? nil : "host not found (\(String(cString: gai_strerror(rc))))"
        }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        if connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 {
            return "connection failed (a fresh connect now succeeds: the host may be flapping)"
        }
        var code = errno
        if code == EINPROGRESS {
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard poll(&p, 1, 3000) > 0 else {
                return "no answer to a TCP connect within 3 s (a firewall dropping packets?)"
            }
            var soError: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
            if soError == 0 { return "connection failed (a fresh connect now succeeds: the host may be flapping)" }
            code = soError
        }
        return String(cString: strerror(code)).lowercased()
    }
}
