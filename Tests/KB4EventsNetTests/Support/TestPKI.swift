import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// A CA and leaf certificates made at test time: nothing on disk but what a test writes.
struct TestPKI {
    let caKey = P256.Signing.PrivateKey()
    let caCertificate: Certificate
    let caName: String

    init(name: String = "kb4-events test CA") throws {
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

    var caPEM: String { get throws { try caCertificate.serializeAsPEM().pemString } }

    /// A server certificate and key for `dnsNames` and `ipAddresses`, signed by the CA (or by itself when
    /// `selfSigned`), valid between the given dates.
    func leaf(
        dnsNames: [String] = ["localhost"], ipAddresses: [[UInt8]] = [[127, 0, 0, 1], Array(repeating: 0, count: 15) + [1]],
        notBefore: Date = Date().addingTimeInterval(-3600), notAfter: Date = Date().addingTimeInterval(86400),
        selfSigned: Bool = false
    ) throws -> (certificate: NIOSSLCertificate, key: NIOSSLPrivateKey) {
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
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return (
            try NIOSSLCertificate(bytes: serializer.serializedBytes, format: .der),
            try NIOSSLPrivateKey(bytes: Array(key.pemRepresentation.utf8), format: .pem)
        )
    }

    /// A server TLS configuration presenting `leaf`.
    static func serverConfiguration(_ leaf: (certificate: NIOSSLCertificate, key: NIOSSLPrivateKey))
        -> TLSConfiguration
    {
        TLSConfiguration.makeServerConfiguration(certificateChain: [.certificate(leaf.certificate)], privateKey: .privateKey(leaf.key))
    }
}

/// A fresh temporary directory, removed by `cleanup()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "kb4-net-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}
