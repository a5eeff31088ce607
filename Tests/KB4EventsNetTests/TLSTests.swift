import Foundation
import KB4EventsTestSupport
import Testing

@testable import KB4EventsNet

@Suite("TLS: trust roots from the environment and the pipeline, failures named in words")
struct TLSTests {
    @Test("A certificate from a test CA is trusted through the extra CA bundle, by name and by IP")
    func extraBundle() async throws {
        let pki = try TestPKI()
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let bundle = try dir.write("ca.pem", try pki.caPEM)
        try await withServer(
            tls: TestPKI.serverConfiguration(try pki.leaf()), client: { try makeClient(extraCABundle: bundle) }
        ) { server, client in
            for host in ["127.0.0.1", "localhost"] {
                let response = try await client.execute(
                    NetRequest(method: "GET", url: server.url("/ok", scheme: "https", host: host)))
                #expect(response.status == 200)
            }
            #expect(client.routeDescription.contains("extra bundle \(bundle)"))
        }
    }

    @Test("SSL_CERT_FILE (read from the environment given) replaces the system bundle")
    func sslCertFile() async throws {
        let pki = try TestPKI()
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let bundle = try dir.write("ca.pem", try pki.caPEM)
        try await withServer(
            tls: TestPKI.serverConfiguration(try pki.leaf()), client: { try makeClient(environment: ["SSL_CERT_FILE": bundle]) }
        ) { server, client in
            let response = try await client.execute(NetRequest(method: "GET", url: server.url("/ok", scheme: "https")))
            #expect(response.status == 200)
            #expect(client.trust.description == "trust: SSL_CERT_FILE=\(bundle), system directory")
        }
    }

    @Test("SSL_CERT_DIR: every PEM file of the directories listed")
    func sslCertDir() async throws {
        let pki = try TestPKI()
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        _ = try dir.write("my-ca.pem", try pki.caPEM)
        _ = try dir.write("README", "not a certificate")
        try await withServer(
            tls: TestPKI.serverConfiguration(try pki.leaf()), client: { try makeClient(environment: ["SSL_CERT_DIR": "/nonexistent:" + dir.path]) }
        ) { server, client in
            let response = try await client.execute(NetRequest(method: "GET", url: server.url("/ok", scheme: "https")))
            #expect(response.status == 200)
        }
    }

    @Test("Untrusted: an unknown CA, named, with where the trust came from")
    func unknownCA() async throws {
        let pki = try TestPKI(name: "Untrusted Test CA")
        try await withServer(tls: TestPKI.serverConfiguration(try pki.leaf())) { server, client in
            let error = await failure { () async throws(NetFailure) in
                try await client.execute(NetRequest(method: "GET", url: server.url("/ok", scheme: "https")))
            }
            #expect(error?.code == "tls")
            #expect(error?.isTransient == false)
            #expect(
                error?.message.hasPrefix(
                    "TLS handshake with 127.0.0.1:\(server.port) failed (certificate issued by an unknown CA (Untrusted Test CA), not in system store;")
                    == true, "\(String(describing: error))")
        }
    }

    @Test("Untrusted: a self-signed certificate")
    func selfSigned() async throws {
        let pki = try TestPKI()
        try await withServer(
             tls: TestPKI.serverConfiguration(try pki.leaf(dnsNames: ["localhost"], selfSigned: true))
        ) { server, client in
            let error = await failure { () async throws(NetFailure) in
                try await client.execute(NetRequest(method: "GET", url: server.url("/ok", scheme: "https")))
            }
            #expect(error?.code == "tls")
            #expect(error?.message.contains("self-signed certificate (localhost) not trusted") == true, "\(String(describing: error))")
        }
    }

    @Test("A name that does not match: the certificate's names are given")
    func hostnameMismatch() async throws {
        let pki = try TestPKI()
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let bundle = try dir.write("ca.pem", try pki.caPEM)
        try await withServer(
             tls: TestPKI.serverConfiguration(try pki.leaf(dnsNames: ["other.example", "*.other.example"], ipAddresses: [])), client: { try makeClient(extraCABundle: bundle) }
        ) { server, client in
            let error = await failure { () async throws(NetFailure) in
                try await client.execute(NetRequest(method: "GET", url: server.url("/ok", scheme: "https")))
            }
            #expect(error?.code == "tls")
            #expect(
                error?.message
                    == "TLS handshake with 127.0.0.1:\(server.port) failed (hostname mismatch: the certificate is for other.example, *.other.example, not 127.0.0.1)",
                "\(String(describing: error))")
        }
    }

    @Test("An expired certificate: its notAfter date is given")
    func expired() async throws {
        let pki = try TestPKI()
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let bundle = try dir.write("ca.pem", try pki.caPEM)
        let notAfter = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 86400).rounded(.down) * 86400 - 86400 * 2)
        try await withServer(
             tls: TestPKI.serverConfiguration( try pki.leaf(notBefore: notAfter.addingTimeInterval(-86400 * 10), notAfter: notAfter)), client: { try makeClient(extraCABundle: bundle) }
        ) { server, client in
            let error = await failure { () async throws(NetFailure) in
                try await client.execute(NetRequest(method: "GET", url: server.url("/ok", scheme: "https")))
            }
            #expect(error?.code == "tls")
            let stamp = ISO8601DateFormatter().string(from: notAfter)
            #expect(
                error?.message == "TLS handshake with 127.0.0.1:\(server.port) failed (certificate expired on \(stamp))",
                "\(String(describing: error))")
        }
    }

    @Test("A certificate not yet valid")
    func notYetValid() async throws {
        let pki = try TestPKI()
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let bundle = try dir.write("ca.pem", try pki.caPEM)
        try await withServer(
             tls: TestPKI.serverConfiguration( try pki.leaf(notBefore: Date().addingTimeInterval(86400 * 3), notAfter: Date().addingTimeInterval(86400 * 30))), client: { try makeClient(extraCABundle: bundle) }
        ) { server, client in
            let error = await failure { () async throws(NetFailure) in
                try await client.execute(NetRequest(method: "GET", url: server.url("/ok", scheme: "https")))
            }
            #expect(error?.code == "tls")
            #expect(error?.message.contains("certificate not valid until") == true, "\(String(describing: error))")
        }
    }

    @Test("A CA file that is missing or holds no certificate is a configuration error naming it")
    func badFiles() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let empty = try dir.write("empty.pem", "nothing here\n")
        #expect(throws: NetFailure(code: "config", message: "SSL_CERT_FILE /no/such.pem: no such file or directory")) {
            try makeClient(environment: ["SSL_CERT_FILE": "/no/such.pem"])
        }
        #expect(throws: NetFailure(code: "config", message: "the CA bundle \(empty): no PEM certificate in it")) {
            try makeClient(extraCABundle: empty)
        }
    }
}
