import Foundation
import KB4EventsTestSupport
import Testing

/// The built binary's network with its lake in moto: the store on an IPv6 literal and over HTTPS with a CA made at
/// test time (`output.s3.ca_bundle`, `SSL_CERT_FILE`), the store and the API through a forward proxy (squid) with
/// credentials, and a storm of SIGINT/SIGTERM.
@Suite(.serialized, .enabled(if: PythonTools.motoEnabled)) struct NetworkOnS3Tests {
    typealias Lakes = LakeCommandsOnS3Tests.Lakes
    static let today = LakeCommandsOnS3Tests.today
    static let bucket = "kb4-net"

    /// One moto for these tests, served on 127.0.0.1, on [::1] and over HTTPS (a certificate for localhost,
    /// 127.0.0.1 and ::1 from a CA made when it starts): one state behind the three listeners.
    actor NetMoto {
        static let shared = NetMoto()
        private var started: (server: Moto.Server, ca: String, moto: Moto)?

        func start() async throws -> (server: Moto.Server, ca: String) {
            if let started { return (started.server, started.ca) }
            let dir = NSTemporaryDirectory() + "kb4-netmoto-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let pki = try TestPKI(name: "kb4-events moto CA")
            let leaf = try pki.leafPEM()
            let ca = dir + "/ca.pem", cert = dir + "/leaf.pem", key = dir + "/leaf.key"
            try pki.caPEM.write(toFile: ca, atomically: true, encoding: .utf8)
            try leaf.certificate.write(toFile: cert, atomically: true, encoding: .utf8)
            try leaf.key.write(toFile: key, atomically: true, encoding: .utf8)
            let moto = Moto(mode: "main", buckets: [NetworkOnS3Tests.bucket], options: ["--ipv6", "--tls", cert, key])
            let server = try await moto.server()
            started = (server, ca, moto)
            return (server, ca)
        }
    }

    /// The pipeline of `lakes` with the store's endpoint replaced by `endpoint` and, when given, a CA bundle for it.
    static func pipeline(_ lakes: Lakes, endpoint: String, caBundle: String? = nil, name: String) throws -> String {
        var text = try String(contentsOfFile: try lakes.pipeline(), encoding: .utf8).replacingOccurrences(
            of: "endpoint: \(lakes.server.endpoint)", with: "endpoint: \(endpoint)")
        if let caBundle { text += "    ca_bundle: \(caBundle)\n" }
        let path = lakes.dir + "/\(name).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func sync(
        _ pipeline: String, env: [String: String], _ extra: [String] = ["--quiet"]
    ) async throws -> CommandResult {
        await BuiltBinary.finished(
            try BuiltBinary.start(["sync", "--pipeline", pipeline, "--today", today] + extra, environment: env))
    }

    /// The local twin of `lakes`, written by the same pipeline with `--out`.
    static func reference(_ lakes: Lakes) async throws {
        let local = try await sync(try lakes.pipeline(), env: lakes.env, ["--quiet", "--out", lakes.local])
        #expect(local.status == 0, "\(local.stderr)")
    }

    // MARK: - IPv6 and TLS

    @Test func theStoreAnswersOnAnIPv6Literal() async throws {
        let (server, _) = try await NetMoto.shared.start()
        let ipv6 = try #require(server.endpointIPv6, "moto serves [::1]")
        #expect(ipv6.hasPrefix("http://[::1]:"))
        let lakes = try Lakes("net-ipv6", server: server, bucket: Self.bucket)
        defer { lakes.cleanup() }
        try await Self.reference(lakes)
        let result = try await Self.sync(try Self.pipeline(lakes, endpoint: ipv6, name: "ipv6"), env: lakes.env)
        #expect(result.status == 0, "\(result.stderr)")
        try lakes.expectSameDataAsLocal()
    }

    @Test func theStoreOverHTTPSIsTrustedThroughItsCABundleKeyOrSSLCertFileAndRefusedWithoutIt() async throws {
        let (server, ca) = try await NetMoto.shared.start()
        let https = try #require(server.endpointTLS, "moto serves https")
        let port = https.split(separator: ":").last!
        let lakes = try Lakes("net-tls", server: server, bucket: Self.bucket)
        defer { lakes.cleanup() }
        try await Self.reference(lakes)

        let refused = try await Self.sync(try Self.pipeline(lakes, endpoint: https, name: "untrusted"), env: lakes.env)
        #expect(refused.status == 78, "\(refused.stderr)")
        #expect(
            refused.stderr.contains(
                "TLS handshake with 127.0.0.1:\(port) failed (certificate issued by an unknown CA (kb4-events moto CA)"),
            "\(refused.stderr)")
        // Not retried as if transient: S3Client names the attempts of a request it retried to exhaustion. (A bound on
        // the run's time said the same until a loaded CI machine took 22 s for one attempt.)
        #expect(!refused.stderr.contains("attempts)"), "not retried as if transient: \(refused.stderr)")
        #expect(try lakes.objects().isEmpty, "nothing written")

        let trusted = try await Self.sync(try Self.pipeline(lakes, endpoint: https, caBundle: ca, name: "trusted"), env: lakes.env)
        #expect(trusted.status == 0, "\(trusted.stderr)")
        try lakes.expectSameDataAsLocal()

        var env = lakes.env
        env["SSL_CERT_FILE"] = ca
        let viaEnv = try await Self.sync(
            try Self.pipeline(lakes, endpoint: https, name: "env"), env: env, ["--quiet", "--output", "json"])
        #expect(viaEnv.status == 0, "\(viaEnv.stderr)")
        #expect(viaEnv.object["days_unchanged"] as? Int == 2, "the lookback re-checked through https: \(viaEnv.stdout)")
    }

    // MARK: - Forward proxy

    static let proxyPassword = "S3-pr0xy-Pa55"

    @Test func storeAndAPITrafficGoThroughAProxyWithCredentialsNeverPrintedAndNoProxyBypassesIt() async throws {
        guard let squid = try await Squid.startForTest(user: "kb4", password: Self.proxyPassword) else { return }
        defer { squid.stop() }
        let server = try await Moto.main.server()
        let motoPort = try #require(URL(string: server.endpoint)?.port)
        let lakes = try Lakes("net-proxy", server: server)
        defer { lakes.cleanup() }
        let pipeline = try lakes.pipeline()
        var env = lakes.env
        env["http_proxy"] = "http://kb4:\(Self.proxyPassword)@127.0.0.1:\(squid.port)"
        let metrics = lakes.dir + "/metrics.prom"
        let through = try await Self.sync(pipeline, env: env, ["--metrics-file", metrics, "--verbose"])
        #expect(through.status == 0, "\(through.stderr.suffix(3000))")
        let log = await squid.accessLog(containing: "127.0.0.1:\(motoPort)")
        let toStore = log.components(separatedBy: "CONNECT 127.0.0.1:\(motoPort) ").count - 1
        #expect(toStore >= 1, "the store's requests went through squid: \(log)")
        // The embedded simulator (the API) listens on another loopback port: its requests went through squid too.
        let toAPI = log.split(separator: "\n").filter { $0.contains("CONNECT 127.0.0.1:") && !$0.contains(":\(motoPort) ") }
        #expect(!toAPI.isEmpty, "the API's requests went through squid: \(log)")

        // The password is on no output, in no object of the lake, in no file.
        #expect(!through.stdout.contains(Self.proxyPassword) && !through.stderr.contains(Self.proxyPassword))
        for key in try lakes.objects().keys where key.hasPrefix("_") {
            let bytes = try lakes.reader(["get", key])
            #expect(!String(decoding: bytes, as: UTF8.self).contains(Self.proxyPassword), "\(key)")
        }
        #expect(!(try String(contentsOfFile: metrics, encoding: .utf8)).contains(Self.proxyPassword))

        // no_proxy: the same run directly, squid sees nothing more.
        env["no_proxy"] = "127.0.0.1,localhost"
        let direct = try await Self.sync(pipeline, env: env)
        #expect(direct.status == 0, "\(direct.stderr)")
        try await Task.sleep(for: .milliseconds(500))
        #expect(squid.accessLog.components(separatedBy: "CONNECT 127.0.0.1:\(motoPort) ").count - 1 == toStore)
    }

    // MARK: - Signals

    /// SIGINT and SIGTERM at random moments of 40 runs writing to moto (some get a second signal, which ends the
    /// process at once and leaves its lease behind: the next run here takes it over, its process being gone): every
    /// run ends with 0, 130 or 143 (or dies of the signal before its handler is installed), never a crash; after a
    /// final run the bucket holds exactly the local twin's bytes, no lease, no scratch, no incomplete multipart upload.
    @Test func aStormOfSignalsNeverCrashesARunAndTheBucketEndsExact() async throws {
        let server = try await Moto.main.server()
        let lakes = try Lakes("net-storm", server: server)
        defer { lakes.cleanup() }
        let pipeline = try lakes.pipeline(latencyMs: 10, events: 900, days: 8, maxInFlight: 4)
        let window = ["--from", "2026-11-13", "--to", "2026-11-19", "--today", Self.today]
        func args(force: Bool, _ extra: [String] = []) -> [String] {
            ["backfill", "--pipeline", pipeline, "--quiet"] + window + (force ? ["--force"] : []) + extra
        }
        let local = await BuiltBinary.finished(try BuiltBinary.start(args(force: false, ["--quiet", "--out", lakes.local]), environment: lakes.env))
        #expect(local.status == 0, "\(local.stderr)")

        var runs: [SignalStorm.Run] = []
        let started = Date()
        for i in 0..<40 {
            let run = try await SignalStorm.run(
                args(force: i % 4 != 3), environment: lakes.env, maxDelay: 2.0, secondChance: 0.15)
            runs.append(run)
            if let problem = SignalStorm.problem(run) { Issue.record("run \(i): \(problem)") }
        }
        let tally = SignalStorm.tally(runs)
        print("signal storm against moto: \(runs.count) runs in \(Int(Date().timeIntervalSince(started))) s: \(tally)")
        #expect(runs.filter { $0.result.status == 130 || $0.result.status == 143 }.count >= 10, "\(tally)")

        let final = await BuiltBinary.finished(try BuiltBinary.start(args(force: false), environment: lakes.env))
        #expect(final.status == 0, "\(final.stderr)")
        try lakes.expectSameDataAsLocal()
        try lakes.expectReaderCountsMatchManifest(format: "ndjson")
        #expect(try lakes.uploads().isEmpty, "no incomplete multipart upload")
    }
}
