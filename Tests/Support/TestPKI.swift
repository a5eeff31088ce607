package import Crypto
package import Foundation
package import NIOSSL
import SwiftASN1
package import X509

/// A CA and leaf certificates made at test time: nothing on disk but what a test writes.
package struct TestPKI {
    package let caKey = P256.Signing.PrivateKey()
    package let caCertificate: Certificate
    package let caName: String

    package init(name: String = "kb4-events test CA") throws {
        caName = name
        let subject = try DistinguishedName { CommonName(name) }
        caCertificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey),
            notValidBefore: Date().addingTimeInterval(-3600), notValidAfter: Date().addingTimeInterval(86400 * 30),
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(caKey))
    }

    package var caPEM: String { get throws { try caCertificate.serializeAsPEM().pemString } }

    /// `::1` as the 16 bytes of a subject alternative name.
    package static let ipv6Loopback: [UInt8] = Array(repeating: 0, count: 15) + [1]

    /// A server certificate and key for `dnsNames` and `ipAddresses`, signed by the CA (or by itself when
    /// `selfSigned`), valid between the given dates.
    package func leaf(
        dnsNames: [String] = ["localhost"], ipAddresses: [[UInt8]] = [[127, 0, 0, 1], ipv6Loopback],
        notBefore: Date = Date().addingTimeInterval(-3600), notAfter: Date = Date().addingTimeInterval(86400),
        selfSigned: Bool = false
    ) throws -> (certificate: NIOSSLCertificate, key: NIOSSLPrivateKey) {
        let (certificate, key) = try makeLeaf(
            dnsNames: dnsNames, ipAddresses: ipAddresses, notBefore: notBefore, notAfter: notAfter, selfSigned: selfSigned)
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return (
            try NIOSSLCertificate(bytes: serializer.serializedBytes, format: .der),
            try NIOSSLPrivateKey(bytes: Array(key.pemRepresentation.utf8), format: .pem)
        )
    }

    /// `leaf`, as PEM text for files a server process reads (`kb4-events simulate --tls-cert/--tls-key`, moto).
    package func leafPEM(
        dnsNames: [String] = ["localhost"], ipAddresses: [[UInt8]] = [[127, 0, 0, 1], ipv6Loopback],
        notBefore: Date = Date().addingTimeInterval(-3600), notAfter: Date = Date().addingTimeInterval(86400)
    ) throws -> (certificate: String, key: String) {
        let (certificate, key) = try makeLeaf(
            dnsNames: dnsNames, ipAddresses: ipAddresses, notBefore: notBefore, notAfter: notAfter, selfSigned: false)
        return (try certificate.serializeAsPEM().pemString, key.pemRepresentation)
    }

    private func makeLeaf(
        dnsNames: [String], ipAddresses: [[UInt8]], notBefore: Date, notAfter: Date, selfSigned: Bool
    ) throws -> (Certificate, P256.Signing.PrivateKey) {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(dnsNames.first ?? "leaf") }
        var names: [GeneralName] = dnsNames.map { .dnsName($0) }
        names += ipAddresses.map { .ipAddress(ASN1OctetString(contentBytes: $0[...])) }
        let sans = SubjectAlternativeNames(names)
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter,
            issuer: selfSigned ? subject : caCertificate.subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                sans
            },
            issuerPrivateKey: selfSigned ? .init(key) : .init(caKey))
        return (certificate, key)
    }

    /// A server TLS configuration presenting `leaf`.
    package static func serverConfiguration(_ leaf: (certificate: NIOSSLCertificate, key: NIOSSLPrivateKey))
        -> TLSConfiguration
    {
        TLSConfiguration.makeServerConfiguration(certificateChain: [.certificate(leaf.certificate)], privateKey: .privateKey(leaf.key))
    }
}

/// A fresh temporary directory, removed by `cleanup()`.
package struct TemporaryDirectory: Sendable {
    package let path: String

    package init() throws {
        path = NSTemporaryDirectory() + "kb4-net-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    package func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    package func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}
