import Foundation
import NIOSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The certificates a TLS connection trusts, read as OpenSSL reads them:
/// - neither `SSL_CERT_FILE` nor `SSL_CERT_DIR` set: the system trust store (NIOSSL's `.default`, which on Linux
///   loads the distribution's bundle file and hashed directory; NIOSSL does not read these variables itself);
/// - `SSL_CERT_FILE`: that PEM bundle replaces the system bundle file; the system directory (`/etc/ssl/certs`) is
///   still searched, as OpenSSL does, unless `SSL_CERT_DIR` says otherwise;
/// - `SSL_CERT_DIR`: a `:`-separated list of directories whose PEM files replace the system directory. OpenSSL
///   reads only `c_rehash`-named files there; we read every PEM file (a superset, so a directory that works with
///   OpenSSL works here);
/// - an extra CA bundle (the pipeline's key) ADDS to whatever the above trust.
/// Files are read once, when a client for a route is made; a missing or certificate-less file is an error that
/// names it rather than a silent fallback.
package struct TrustSettings: Sendable, Hashable, CustomStringConvertible {
    package let certFile: String?
    package let certDirectories: [String]
    package let extraBundle: String?

    package init(environment: [String: String], extraBundle: String? = nil) {
        let file = environment["SSL_CERT_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        certFile = file
        certDirectories = (environment["SSL_CERT_DIR"] ?? "").split(separator: ":").map(String.init)
        self.extraBundle = extraBundle.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The system store only.
    package static let system = TrustSettings(environment: [:])

    /// `trust: system store` / `trust: SSL_CERT_FILE=/x.pem, system directory, extra bundle /ca.pem`.
    package var description: String {
        var parts: [String] = []
        if let certFile { parts.append("SSL_CERT_FILE=\(certFile)") } else if !certDirectories.isEmpty {
            parts.append("system bundle")
        }
        if !certDirectories.isEmpty {
            parts.append("SSL_CERT_DIR=\(certDirectories.joined(separator: ":"))")
        } else if certFile != nil {
            parts.append("system directory")
        }
        if parts.isEmpty { parts.append("system store") }
        if let extraBundle { parts.append("extra bundle \(extraBundle)") }
        return "trust: " + parts.joined(separator: ", ")
    }

    /// Where the trust comes from, for a TLS failure's hint (`the system store`, `SSL_CERT_FILE=/x.pem`…).
    var sources: String {
        String(description.dropFirst("trust: ".count))
    }

    /// A client TLS configuration with these trust roots (full verification, hostname included).
    func tlsConfiguration() throws(NetFailure) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        var additional: [NIOSSLAdditionalTrustRoots] = []
        if certFile == nil && certDirectories.isEmpty {
            tls.trustRoots = .default
        } else if certDirectories.isEmpty {
            // SSL_CERT_FILE with the system directory (hashed names: BoringSSL looks certificates up there itself).
            tls.trustRoots = Self.systemDirectory.map { .file($0) } ?? .certificates([])
            additional.append(.certificates(try Self.loadBundle(certFile!, what: "SSL_CERT_FILE")))
        } else {
            // SSL_CERT_DIR's PEM files, with SSL_CERT_FILE or the system bundle file.
            if let certFile {
                _ = try Self.loadBundle(certFile, what: "SSL_CERT_FILE")
                tls.trustRoots = .file(certFile)
            } else {
                tls.trustRoots = Self.systemBundleFile.map { .file($0) } ?? .certificates([])
            }
            var certificates: [NIOSSLCertificate] = []
            for directory in certDirectories { certificates += Self.loadDirectory(directory) }
            if !certificates.isEmpty { additional.append(.certificates(certificates)) }
        }
        if let extraBundle {
            additional.append(.certificates(try Self.loadBundle(extraBundle, what: "the CA bundle")))
        }
        tls.additionalTrustRoots = additional
        return tls
    }

    /// Every certificate in a PEM file; an error naming the file when it cannot be read or holds none.
    static func loadBundle(_ path: String, what: String) throws(NetFailure) -> [NIOSSLCertificate] {
        guard access(path, R_OK) == 0 else {
            throw NetFailure(
                code: "config", message: "\(what) \(path): \(String(cString: strerror(errno)).lowercased())")
        }
        let certificates = (try? NIOSSLCertificate.fromPEMFile(path)) ?? []
        guard !certificates.isEmpty else {
            throw NetFailure(code: "config", message: "\(what) \(path): no PEM certificate in it")
        }
        return certificates
    }

    /// Every certificate of every readable PEM file in `directory` (symlinks followed, each file once); files that
    /// are not PEM certificates are skipped, as OpenSSL skips them.
    static func loadDirectory(_ directory: String) -> [NIOSSLCertificate] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var seen = Set<String>()
        var certificates: [NIOSSLCertificate] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name.hasPrefix(".") { continue }
            let path = directory + "/" + name
            guard let real = realpath(path, nil) else { continue }
            let resolved = String(cString: real)
            free(real)
            // Regular files only (a FIFO would block the read). Not stat(2): which C module `struct stat` comes from
            // differs between debug and release builds under MemberImportVisibility.
            let type = (try? FileManager.default.attributesOfItem(atPath: resolved))?[.type] as? FileAttributeType
            guard type == .typeRegular, seen.insert(resolved).inserted else { continue }
            certificates += (try? NIOSSLCertificate.fromPEMFile(resolved)) ?? []
        }
        return certificates
    }

    /// The distribution's bundle file, as NIOSSL looks for it.
    static let systemBundleFile: String? = [
        "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem",
        "/etc/pki/tls/cacert.pem", "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", "/etc/ssl/cert.pem",
    ].first { access($0, R_OK) == 0 }

    /// The distribution's hashed directory.
    static let systemDirectory: String? = ["/etc/ssl/certs", "/etc/pki/tls/certs"].first { access($0, R_OK) == 0 }
}
