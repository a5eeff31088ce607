import Foundation
import KB4EventsTestSupport
import Testing

@testable import KB4EventsNet

@Suite("Proxies from the environment, as curl reads them")
struct ProxySettingsTests {
    func target(_ url: String) -> NetworkTarget { NetworkTarget.parse(url: url)! }

    @Test("https URLs use https_proxy, http URLs http_proxy; the lower-case name wins")
    func schemes() throws {
        let settings = try ProxySettings(environment: [
            "HTTPS_PROXY": "http://upper:1111", "https_proxy": "lower:2222", "HTTP_PROXY": "http://plain:3333",
        ])
        #expect(settings.proxy(for: target("https://api.example.com/x"))?.host == "lower")
        #expect(settings.proxy(for: target("https://api.example.com/x"))?.port == 2222)
        #expect(settings.proxy(for: target("http://api.example.com/x"))?.host == "plain")
        #expect(settings.proxy(for: target("http://api.example.com/x"))?.variable == "HTTP_PROXY")
    }

    @Test("Upper-case HTTP_PROXY is ignored under CGI (REQUEST_METHOD set), as curl ignores it: httpoxy")
    func httpoxy() throws {
        let settings = try ProxySettings(environment: ["HTTP_PROXY": "http://evil:80", "REQUEST_METHOD": "GET"])
        #expect(settings.proxy(for: target("http://api.example.com/x")) == nil)
        let lower = try ProxySettings(environment: ["http_proxy": "http://good:80", "REQUEST_METHOD": "GET"])
        #expect(lower.proxy(for: target("http://api.example.com/x"))?.host == "good")
    }

    @Test("ALL_PROXY covers a scheme without its own variable; no port means 1080, as curl")
    func allProxy() throws {
        let settings = try ProxySettings(environment: ["ALL_PROXY": "http://fallback", "https_proxy": "http://s:8443"])
        #expect(settings.proxy(for: target("http://a.example/"))?.port == 1080)
        #expect(settings.proxy(for: target("https://a.example/"))?.host == "s")
    }

    @Test("Credentials are percent-decoded, sent, and never printed")
    func credentials() throws {
        let settings = try ProxySettings(environment: ["https_proxy": "http://us%40er:p%3Ass@proxy.corp:3128/"])
        let proxy = try #require(settings.proxy(for: target("https://s3.example.com/")))
        #expect(proxy.user == "us@er")
        #expect(proxy.credentials?.password == "p:ss")
        #expect(proxy.description == "proxy proxy.corp:3128 (https_proxy, with credentials)")
        #expect(!"\(settings)".contains("p:ss") && !"\(settings)".contains("p%3Ass"))
        var dumped = ""
        dump(proxy, to: &dumped)
        #expect(!dumped.contains("p:ss"))
    }

    @Test("NO_PROXY: exact host, domain suffix with or without a dot, *, IP literals, IPv6, CIDR, ports")
    func noProxy() throws {
        let settings = try ProxySettings(environment: [
            "https_proxy": "http://p:1", "http_proxy": "http://p:1",
            "no_proxy": "localhost, .internal.example,corp.example ,10.1.2.3,::1,[fd00::1]:8443,192.168.0.0/16,svc.example:8080",
        ])
        func bypassed(_ url: String) -> Bool { settings.proxy(for: target(url)) == nil }
        #expect(bypassed("http://localhost:8080/"))
        #expect(bypassed("https://a.internal.example/"))
        #expect(bypassed("https://internal.example/"))
        #expect(bypassed("https://corp.example/"))
        #expect(bypassed("https://x.y.corp.example/"))
        #expect(!bypassed("https://notcorp.example/"))
        #expect(bypassed("http://10.1.2.3:9000/"))
        #expect(!bypassed("http://10.1.2.4:9000/"))
        #expect(bypassed("http://[::1]:9000/"))
        #expect(bypassed("https://[fd00::1]:8443/"))
        #expect(!bypassed("https://[fd00::1]:443/"))
        #expect(bypassed("http://192.168.44.5/"))
        #expect(!bypassed("http://192.169.0.1/"))
        #expect(bypassed("http://svc.example:8080/"))
        #expect(!bypassed("http://svc.example:8081/"))
        #expect(!bypassed("https://example.com/"))
        let everything = try ProxySettings(environment: ["https_proxy": "http://p:1", "NO_PROXY": "*"])
        #expect(everything.proxy(for: target("https://anything.example/")) == nil)
        // The lower-case name wins.
        let both = try ProxySettings(environment: ["https_proxy": "http://p:1", "NO_PROXY": "a.example", "no_proxy": "b.example"])
        #expect(both.proxy(for: target("https://a.example/")) != nil)
        #expect(both.proxy(for: target("https://b.example/")) == nil)
    }

    @Test("A proxy URL that cannot be used is a configuration error that names the variable, not the password")
    func badProxy() {
        #expect(throws: NetFailure.self) { try ProxySettings(environment: ["https_proxy": "socks5://u:secret@h:1080"]) }
        do throws(NetFailure) {
            _ = try ProxySettings(environment: ["https_proxy": "https://u:secret@h:1080"])
            Issue.record("accepted an https:// proxy")
        } catch {
            #expect(error.code == "config")
            #expect(error.message.contains("https_proxy"))
            #expect(!error.message.contains("secret"))
        }
    }

    @Test("The description for --verbose names each scheme's route and what bypasses it")
    func description() throws {
        #expect(ProxySettings.direct.description == "proxy: none (direct connections)")
        let settings = try ProxySettings(environment: ["HTTPS_PROXY": "http://u:pw@p.corp:3128", "no_proxy": "localhost"])
        #expect(
            settings.description
                == "proxy: https via proxy p.corp:3128 (HTTPS_PROXY, with credentials); http via direct; bypassed for localhost (no_proxy)")
    }

    @Test("URLs: IPv6 literals, ports, user info skipped")
    func parseURL() {
        #expect(NetworkTarget.parse(url: "http://[::1]:8080/x?y") == NetworkTarget(scheme: "http", host: "::1", port: 8080))
        #expect(NetworkTarget.parse(url: "https://u:p@h.example/x")?.hostAndPort == "h.example:443")
        #expect(NetworkTarget.parse(url: "ftp://h/") == nil)
        #expect(NetworkTarget.parse(url: "http://h:99999/") == nil)
    }

    @Test("One percent-encoder: unreserved characters pass, everything else is %XX, slashes kept on request")
    func percentEncoding() {
        #expect(PercentEncoding.encode("a b/c~d_e.f-g+h=ü") == "a%20b%2Fc~d_e.f-g%2Bh%3D%C3%BC")
        #expect(PercentEncoding.encode("day=2026-01-02/part 1.gz", keepSlash: true) == "day%3D2026-01-02/part%201.gz")
        #expect(PercentEncoding.decode("p%3As%40%2f") == "p:s@/")
        #expect(PercentEncoding.decode("bad%2") == nil)
    }
}

@Suite("Through a forward proxy (Debian's squid)", .serialized)
struct ForwardProxyTests {
    /// Squid, or nil when it is not installed (then the test is skipped locally and fails under CI=true).
    func squid(user: String? = nil, password: String? = nil) async throws -> Squid? {
        try await Squid.startForTest(user: user, password: password)
    }

    @Test("http and https requests go through the proxy (its access log shows them); NO_PROXY bypasses it")
    func throughProxy() async throws {
        guard let squid = try await squid() else { return }
        defer { squid.stop() }
        let pki = try TestPKI()
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let bundle = try dir.write("ca.pem", try pki.caPEM)
        let plain = try await TestServer.start()
        let secure = try await TestServer.start(tls: TestPKI.serverConfiguration(try pki.leaf()))
        let proxyURL = "http://127.0.0.1:\(squid.port)"
        let (client, clients) = try makeClient(
            environment: ["http_proxy": proxyURL, "https_proxy": proxyURL], extraCABundle: bundle)
        let response = try await client.execute(NetRequest(method: "GET", url: plain.url("/ok")))
        #expect(response.status == 200)
        let tlsResponse = try await client.execute(NetRequest(method: "GET", url: secure.url("/ok", scheme: "https")))
        #expect(tlsResponse.status == 200)
        await clients.shutdown()  // closes the tunnels, so squid logs them
        let log = await squid.accessLog(containing: "127.0.0.1:\(secure.port)")
        // AsyncHTTPClient tunnels plain http through CONNECT too.
        #expect(log.contains("CONNECT 127.0.0.1:\(plain.port)"), "\(log)")
        #expect(log.contains("CONNECT 127.0.0.1:\(secure.port)"), "\(log)")

        let (bypassing, bypassClients) = try makeClient(
            environment: ["http_proxy": proxyURL, "no_proxy": "127.0.0.1"])
        let direct = try await bypassing.execute(NetRequest(method: "GET", url: plain.url("/ok")))
        #expect(direct.status == 200)
        await bypassClients.shutdown()
        #expect(plain.requests.count == 2)
        let after = await squid.accessLog(containing: "never-there")
        #expect(after.components(separatedBy: "127.0.0.1:\(plain.port)").count - 1 == 1, "\(after)")
        await plain.stop()
        await secure.stop()
    }

    @Test("Proxy credentials are sent (Proxy-Authorization) and never appear in errors or descriptions")
    func credentials() async throws {
        guard let squid = try await squid(user: "kb4", password: "s3cr%t:pw") else { return }
        defer { squid.stop() }
        let server = try await TestServer.start()
        let good = "http://kb4:s3cr%25t%3Apw@127.0.0.1:\(squid.port)"
        let (client, clients) = try makeClient(environment: ["http_proxy": good])
        let response = try await client.execute(NetRequest(method: "GET", url: server.url("/ok")))
        #expect(response.status == 200)
        #expect(!client.routeDescription.contains("s3cr"))
        await clients.shutdown()

        let bad = "http://kb4:wrong-secret@127.0.0.1:\(squid.port)"
        let (refused, refusedClients) = try makeClient(environment: ["http_proxy": bad])
        let error = await failure { () async throws(NetFailure) in
            try await refused.execute(NetRequest(method: "GET", url: server.url("/ok")))
        }
        #expect(error?.code == "config", "wrong credentials are not retried")
        #expect(error?.message.contains("proxy 127.0.0.1:\(squid.port) (http_proxy, with credentials)") == true, "\(String(describing: error))")
        #expect(error?.message.contains("wrong-secret") == false)
        #expect(!refused.routeDescription.contains("wrong-secret"))
        await refusedClients.shutdown()
        #expect(server.requests.count == 1)
        await server.stop()
    }

    @Test("A proxy that is not there: the sentence names the proxy and the target")
    func proxyRefused() async throws {
        let port = try await freePort()
        let (client, clients) = try makeClient(environment: ["https_proxy": "http://u:hidden@127.0.0.1:\(port)"])
        let error = await failure { () async throws(NetFailure) in
            try await client.execute(NetRequest(method: "GET", url: "https://api.example.com/x"))
        }
        #expect(error?.code == "connect")
        #expect(
            error?.message
                == "cannot connect to proxy 127.0.0.1:\(port) (https_proxy, with credentials) (for api.example.com:443): connection refused")
        await clients.shutdown()
    }
}
