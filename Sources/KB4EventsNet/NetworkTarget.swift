import Foundation

/// Where a request goes, as a network sees it: scheme, host and port.
package struct NetworkTarget: Sendable, Hashable {
    package let scheme: String
    package let host: String
    package let port: Int?

    package init(scheme: String, host: String, port: Int?) {
        self.scheme = scheme.lowercased()
        var h = host
        if h.hasPrefix("[") && h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        self.host = h
        self.port = port
    }

    /// The port a connection uses: the URL's, or the scheme's (443 for https, 80 otherwise).
    package var effectivePort: Int { port ?? (scheme == "https" ? 443 : 80) }

    /// `host:port` as a person would type it into `nc` or a firewall rule (the scheme's port when none is given).
    package var hostAndPort: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "\(h):\(effectivePort)"
    }

    /// The scheme, host and port of an absolute `http`/`https` URL (`http://[::1]:8080/x` → `http`, `::1`, 8080);
    /// nil when `url` is not one. User info before `@` is skipped and never kept.
    package static func parse(url: String) -> NetworkTarget? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = url[schemeEnd.upperBound...]
        var authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { return nil }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { return nil }
        var port: Int?
        if let portText, !portText.isEmpty {
            guard let p = Int(portText), (1...65535).contains(p) else { return nil }
            port = p
        }
        return NetworkTarget(scheme: scheme, host: String(host), port: port)
    }
}
