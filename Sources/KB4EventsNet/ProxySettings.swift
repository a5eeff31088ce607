import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A forward proxy requests go through, from the environment (`http://user:pass@proxy:3128`). Its credentials are
/// sent as `Proxy-Authorization: Basic …` and never printed: `description` and `customMirror` leave them out.
package struct ProxyServer: Sendable, Hashable, CustomStringConvertible, CustomReflectable {
    package let host: String
    package let port: Int
    /// The percent-decoded user and password, when the URL has them.
    package let user: String?
    let password: String?
    /// The variable it came from (`https_proxy`, `HTTP_PROXY`, `ALL_PROXY`…).
    package let variable: String

    /// `proxy proxy.example:3128 (https_proxy, with credentials)`: never the user or the password.
    package var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "proxy \(h):\(port) (\(variable)\(user == nil ? "" : ", with credentials"))"
    }

    package var customMirror: Mirror { Mirror(self, children: ["description": description]) }

    /// `user:password` for `Proxy-Authorization: Basic`, or nil.
    var credentials: (user: String, password: String)? { user.map { ($0, password ?? "") } }

    /// Parses a proxy variable's value as curl does: `[http://][user[:password]@]host[:port][/]`, port 1080 when
    /// none is given. `https://` (TLS to the proxy) and SOCKS proxies are refused with a sentence, not ignored.
    static func parse(_ value: String, variable: String) throws(NetFailure) -> ProxyServer {
        var text = Substring(value.trimmingSpaces())
        if let schemeEnd = text.range(of: "://") {
            let scheme = text[..<schemeEnd.lowerBound].lowercased()
            guard scheme == "http" else {
                throw NetFailure(
                    code: "config",
                    message: "\(variable) uses a \(scheme):// proxy; only http:// proxies are supported (https URLs are tunnelled through them with CONNECT)")
            }
            text = text[schemeEnd.upperBound...]
        }
        if let slash = text.firstIndex(of: "/") {
            guard text[slash...].allSatisfy({ $0 == "/" }) else {
                throw NetFailure(code: "config", message: "\(variable) is not a proxy URL (it has a path)")
            }
            text = text[..<slash]
        }
        var user: String?
        var password: String?
        if let at = text.lastIndex(of: "@") {
            let userInfo = text[..<at]
            text = text[text.index(after: at)...]
            let parts = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let u = PercentEncoding.decode(parts[0]),
                let p = parts.count > 1 ? PercentEncoding.decode(parts[1]) : ""
            else {
                throw NetFailure(code: "config", message: "\(variable): the proxy credentials have a malformed %-escape")
            }
            user = u
            password = parts.count > 1 ? p : nil
        }
        guard let target = NetworkTarget.parse(url: "http://" + text) else {
            throw NetFailure(code: "config", message: "\(variable) is not a proxy URL (expected http://host:port)")
        }
        return ProxyServer(
            host: target.host, port: target.port ?? 1080, user: user, password: password, variable: variable)
    }
}

/// How requests leave this machine, read from the environment as curl reads it:
/// - `https_proxy`/`HTTPS_PROXY` for https URLs, `http_proxy`/`HTTP_PROXY` for http URLs, `all_proxy`/`ALL_PROXY`
///   for either when the scheme's own variable is unset; the lower-case name wins when both are set.
/// - curl ignores upper-case `HTTP_PROXY` (a CGI program receives a request's `Proxy:` header as `HTTP_PROXY`:
///   "httpoxy"). We read it, as Go and Python do, except when `REQUEST_METHOD` is set (we run under CGI), where it is
///   ignored like curl: an operator who exports `HTTP_PROXY` for a cron job gets what they asked for.
/// - `no_proxy`/`NO_PROXY`: a comma (or space) list of hosts that bypass the proxy: `*` (everything), a name matching
///   itself and its subdomains (`example.com` and `.example.com` both match `api.example.com`), an IP literal (IPv6
///   with or without brackets) or a CIDR block (`10.0.0.0/8`, `fd00::/8`), each optionally with `:port`.
/// Names are compared case-insensitively; a trailing dot is ignored. An IP literal matches only the same literal in
/// the URL (no DNS lookups, like curl).
///
/// AsyncHTTPClient sends every proxied request through a `CONNECT host:port` tunnel, plain http included (no
/// absolute-form `GET http://…`): a proxy that only allows CONNECT to port 443 (squid's default `SSL_ports`) refuses
/// plain http to other ports with 403.
package struct ProxySettings: Sendable, Hashable, CustomStringConvertible {
    package let https: ProxyServer?
    package let http: ProxyServer?
    package let noProxy: [NoProxyRule]
    let noProxyVariable: String?

    /// Reads the variables from `environment` (the process environment in production, a dictionary in tests).
    package init(environment: [String: String]) throws(NetFailure) {
        func value(_ names: String...) -> (String, String)? {
            for name in names { if let v = environment[name], !v.trimmingSpaces().isEmpty { return (name, v) } }
            return nil
        }
        let underCGI = environment["REQUEST_METHOD"] != nil
        let all = value("all_proxy", "ALL_PROXY")
        let httpsValue = value("https_proxy", "HTTPS_PROXY") ?? all
        let httpValue = (underCGI ? value("http_proxy") : value("http_proxy", "HTTP_PROXY")) ?? all
        https = try httpsValue.map { v throws(NetFailure) in try ProxyServer.parse(v.1, variable: v.0) }
        http = try httpValue.map { v throws(NetFailure) in try ProxyServer.parse(v.1, variable: v.0) }
        let no = value("no_proxy", "NO_PROXY")
        noProxyVariable = no?.0
        noProxy = (no?.1 ?? "").split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" })
            .compactMap { NoProxyRule(String($0)) }
    }

    /// No proxy at all.
    package static let direct = try! ProxySettings(environment: [:])

    /// The proxy a request to `target` goes through, or nil for a direct connection.
    package func proxy(for target: NetworkTarget) -> ProxyServer? {
        guard let server = target.scheme == "https" ? https : http else { return nil }
        return noProxy.contains { $0.matches(target) } ? nil : server
    }

    /// One line for a `--verbose` log: which proxy each scheme uses and what bypasses it, never credentials.
    package var description: String {
        if https == nil && http == nil { return "proxy: none (direct connections)" }
        var parts: [String] = []
        parts.append("https via " + (https?.description ?? "direct"))
        parts.append("http via " + (http?.description ?? "direct"))
        if let noProxyVariable, !noProxy.isEmpty {
            parts.append("bypassed for \(noProxy.map(\.description).joined(separator: ",")) (\(noProxyVariable))")
        }
        return "proxy: " + parts.joined(separator: "; ")
    }

    /// A description of the route to one target: `direct` or the proxy (without credentials).
    package func routeDescription(for target: NetworkTarget) -> String {
        proxy(for: target).map { "via \($0)" } ?? "direct"
    }
}

/// One entry of `NO_PROXY`.
package struct NoProxyRule: Sendable, Hashable, CustomStringConvertible {
    enum Pattern: Hashable {
        case everything
        case domain(String)
        case address([UInt8], prefixBits: Int)
    }
    let pattern: Pattern
    let port: Int?
    package let description: String

    init?(_ entry: String) {
        let text = entry.lowercased()
        guard !text.isEmpty else { return nil }
        description = text
        if text == "*" {
            pattern = .everything
            port = nil
            return
        }
        var host = Substring(text)
        var port: Int?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let after = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()) else { return nil }
                port = p
            }
        } else if host.filter({ $0 == ":" }).count == 1, let colon = host.firstIndex(of: ":") {
            guard let p = Int(host[host.index(after: colon)...]) else { return nil }
            port = p
            host = host[..<colon]
        }
        self.port = port
        var prefix: Int?
        var addressText = host
        if let slash = host.firstIndex(of: "/") {
            guard let bits = Int(host[host.index(after: slash)...]) else { return nil }
            prefix = bits
            addressText = host[..<slash]
        }
        if let bytes = ipBytes(String(addressText)) {
            let bits = min(max(prefix ?? bytes.count * 8, 0), bytes.count * 8)
            pattern = .address(bytes, prefixBits: bits)
            return
        }
        guard prefix == nil else { return nil }
        while host.hasPrefix(".") { host = host.dropFirst() }
        while host.hasSuffix(".") { host = host.dropLast() }
        if host.hasPrefix("*.") { host = host.dropFirst(2) }
        guard !host.isEmpty else { return nil }
        pattern = .domain(String(host))
    }

    func matches(_ target: NetworkTarget) -> Bool {
        if let port, port != target.effectivePort { return false }
        switch pattern {
        case .everything:
            return true
        case .domain(let domain):
            var host = target.host.lowercased()
            while host.hasSuffix(".") { host.removeLast() }
            return host == domain || host.hasSuffix("." + domain)
        case .address(let bytes, let prefixBits):
            guard let hostBytes = ipBytes(target.host), hostBytes.count == bytes.count else { return false }
            var bits = prefixBits
            for (a, b) in zip(hostBytes, bytes) where bits > 0 {
                let mask: UInt8 = bits >= 8 ? 0xFF : ~(0xFF >> UInt8(bits))
                if a & mask != b & mask { return false }
                bits -= 8
            }
            return true
        }
    }
}

/// The bytes of an IPv4 or IPv6 literal, or nil.
func ipBytes(_ text: String) -> [UInt8]? {
    var v4 = in_addr()
    if inet_pton(AF_INET, text, &v4) == 1 {
        return withUnsafeBytes(of: &v4) { Array($0) }
    }
    var v6 = in6_addr()
    if inet_pton(AF_INET6, text, &v6) == 1 {
        return withUnsafeBytes(of: &v6) { Array($0) }
    }
    return nil
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
