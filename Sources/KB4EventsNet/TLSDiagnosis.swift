import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import SwiftASN1
import X509

/// Names the reason a TLS handshake failed, in words: NIOSSL reports only "CERTIFICATE_VERIFY_FAILED" (BoringSSL's
/// verify result is not exposed), so after such a failure one more handshake to the same host fetches the server's
/// certificate (verification replaced by a callback that records the chain and then fails, so nothing is sent) and
/// swift-certificates reads it: expired (with its notAfter), not yet valid, a name that does not match (with the
/// certificate's names), or an issuer the trust roots do not hold (self-signed or an unknown CA).
enum TLSDiagnosis {
    /// A short reason from NIOSSL's own error (used when the certificate cannot be fetched).
    static func summary(of error: NIOSSLError) -> String {
        let text = "\(error)"
        if text.contains("CERTIFICATE_VERIFY_FAILED") { return "certificate verify failed" }
        if text.contains("WRONG_VERSION_NUMBER") { return "not a TLS server (wrong version number)" }
        if case .handshakeFailed = error { return "handshake failed" }
        return "\(error)"
    }

    /// The certificate chain `host:port` presents, or nil when it cannot be fetched within `timeout` seconds.
    static func fetchChain(_ target: NetworkTarget, timeout: Double) async -> [NIOSSLCertificate]? {
        let captured = NIOLockedValueBox<[NIOSSLCertificate]?>(nil)
        do {
            // Full verification, so that NIOSSL calls the custom callback (with verification off it never does);
            // the callback replaces BoringSSL's checks, so no trust roots are needed.
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates([])
            let context = try NIOSSLContext(configuration: tls)
            let serverName = ipBytes(target.host) == nil ? target.host : nil
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(Int64(timeout * 1000)))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = try NIOSSLClientHandler(
                            context: context, serverHostname: serverName,
                            customVerificationCallback: { certificates, promise in
                                captured.withLockedValue { $0 = certificates }
                                promise.succeed(.failed)
                            })
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .connect(host: target.host, port: target.effectivePort).get()
            // The handshake runs on its own; wait for the channel to close (the callback fails it) or time out.
            let closed = channel.closeFuture
            let timer = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) {
                channel.close(promise: nil)
            }
            try? await closed.get()
            timer.cancel()
        } catch {
            return captured.withLockedValue { $0 }
        }
        return captured.withLockedValue { $0 }
    }

    /// Why `chain`'s leaf is not accepted for `host`, in words, or nil when nothing is wrong with its dates or names
    /// (then an untrusted issuer is what is left).
    static func reason(chain: [NIOSSLCertificate], host: String, trust: TrustSettings, now: Date = Date()) -> String {
        guard let first = chain.first, let der = try? first.toDERBytes(),
            let leaf = try? Certificate(derEncoded: der)
        else { return "certificate verify failed" }
        let stamp = ISO8601DateFormatter()
        if leaf.notValidAfter < now {
            return "certificate expired on \(stamp.string(from: leaf.notValidAfter))"
        }
        if leaf.notValidBefore > now {
            return "certificate not valid until \(stamp.string(from: leaf.notValidBefore))"
        }
        let names = Self.names(of: leaf)
        if !Self.matches(host: host, names: names) {
            let list = names.isEmpty ? "no names" : names.joined(separator: ", ")
            return "hostname mismatch: the certificate is for \(list), not \(host)"
        }
        let selfSigned = leaf.issuer == leaf.subject
        let issuer = Self.commonName(leaf.issuer) ?? "\(leaf.issuer)"
        if selfSigned {
            return
                "self-signed certificate (\(issuer)) not trusted by \(trust.sources); add it to SSL_CERT_FILE or the pipeline's CA bundle"
        }
        return
            "certificate issued by an unknown CA (\(issuer)), not in \(trust.sources); a proxy that intercepts TLS needs its CA in SSL_CERT_FILE or the pipeline's CA bundle"
    }

    /// The DNS names and IP addresses a certificate is for (its subject alternative names; its common name when it
    /// has none).
    static func names(of certificate: Certificate) -> [String] {
        var names: [String] = []
        if let san = try? certificate.extensions.subjectAlternativeNames {
            for name in san {
                switch name {
                case .dnsName(let dns): names.append(dns)
                case .ipAddress(let octets): names.append(ipText(Array(octets.bytes)))
                default: break
                }
            }
        }
        if names.isEmpty, let cn = commonName(certificate.subject) { names.append(cn) }
        return names
    }

    static func commonName(_ name: DistinguishedName) -> String? {
        for rdn in name {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                return "\(attribute.value)"
            }
        }
        return nil
    }

    static func matches(host: String, names: [String]) -> Bool {
        if let bytes = ipBytes(host) { return names.contains { ipBytes($0) == bytes } }
        let h = host.lowercased()
        return names.contains { name in
            let n = name.lowercased()
            if n == h { return true }
            guard n.hasPrefix("*.") else { return false }
            let suffix = n.dropFirst(1)
            guard h.hasSuffix(suffix) else { return false }
            return !h.dropLast(suffix.count).contains(".") && h.count > suffix.count
        }
    }

    static func ipText(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        guard bytes.count == 16 else { return bytes.map { String($0, radix: 16) }.joined(separator: ":") }
        var groups: [String] = []
        for i in stride(from: 0, to: 16, by: 2) { groups.append(String(UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]), radix: 16)) }
        return groups.joined(separator: ":")
    }
}
