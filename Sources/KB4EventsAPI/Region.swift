package import KB4EventsNet
/// A KnowBe4 data region and the User Event API host that serves it.
package enum Region: String, Sendable, CaseIterable {
    case us, eu, ca, uk, de

    /// The API's base URL for this region (no path prefix, no version segment).
    package var baseURL: BaseURL {
        let host: String
        switch self {
        case .us: host = "api.events.knowbe4.com"
        case .eu: host = "api-eu.events.knowbe4.com"
        case .ca: host = "api-ca.events.knowbe4.com"
        case .uk: host = "api-uk.events.knowbe4.com"
        case .de: host = "api-de.events.knowbe4.com"
        }
        return BaseURL(scheme: "https", host: host, port: nil)
    }
}

/// A validated API base URL: `https://host[:port]`, or `http://` only for a loopback host.
package struct BaseURL: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https`.
    package let scheme: String
    /// Host name or IP literal (IPv6 without brackets).
    package let host: String
    /// Explicit port, if any.
    package let port: Int?

    init(scheme: String, host: String, port: Int?) {
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// Parses and checks a base URL; plain `http` is refused unless the host is loopback.
    package init(parsing text: String) throws(BaseURLError) {
        let pieces = text.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
        guard pieces.count == 2 else { throw BaseURLError(text: text, reason: "expected scheme://host") }
        let scheme = pieces[0].lowercased()
        var rest = pieces[1]
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        guard scheme == "https" || scheme == "http" else {
            throw BaseURLError(text: text, reason: "scheme must be https (or http for a loopback host)")
        }
        if rest.contains("/") || rest.contains("?") || rest.contains("#") || rest.contains("@") {
            throw BaseURLError(text: text, reason: "give only scheme, host and port (the API has no path prefix)")
        }
        var host = String(rest)
        var port: Int?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw BaseURLError(text: text, reason: "unclosed IPv6 bracket") }
            let after = host[host.index(after: close)...]
            let inner = String(host[host.index(after: host.startIndex)..<close])
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else {
                    throw BaseURLError(text: text, reason: "bad port")
                }
                port = p
            } else if !after.isEmpty {
                throw BaseURLError(text: text, reason: "unexpected text after the IPv6 host")
            }
            host = inner
        } else if let colon = host.lastIndex(of: ":") {
            guard let p = Int(host[host.index(after: colon)...]), (1...65535).contains(p) else {
                throw BaseURLError(text: text, reason: "bad port")
            }
            port = p
            host = String(host[..<colon])
        }
        guard !host.isEmpty else { throw BaseURLError(text: text, reason: "missing host") }
        let parsed = BaseURL(scheme: scheme, host: host.lowercased(), port: port)
        if scheme == "http" && !parsed.isLoopback {
            throw BaseURLError(
                text: text, reason: "plain http is only allowed for a loopback host (127.0.0.0/8, ::1, localhost); use https")
        }
        self = parsed
    }

    /// Whether the host is on this machine (127.0.0.0/8, ::1 or localhost).
    package var isLoopback: Bool {
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// The URL text without a trailing slash, e.g. `https://api.events.knowbe4.com`.
    package var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return port.map { "\(scheme)://\(h):\($0)" } ?? "\(scheme)://\(h)"
    }
}

/// A base URL that cannot be used, with the reason.
package struct BaseURLError: Error, Sendable, CustomStringConvertible {
    /// The text as given.
    package let text: String
    /// Why it was refused.
    package let reason: String
    package var description: String { "base URL '\(text)': \(reason)" }
}

extension BaseURL {
    /// The scheme, host and port requests go to.
    var networkTarget: NetworkTarget { NetworkTarget(scheme: scheme, host: host, port: port) }
    /// `host:port` (the scheme's port when none is given).
    package var hostAndPort: String { networkTarget.hostAndPort }
}
