package import Foundation
package import KB4EventsCore
import KB4EventsNet

/// An access key pair, with a session token and an expiry for temporary credentials. Its description, debug
/// description and mirror never show the secret or the token (only the key id's last four characters), so a
/// credential that reaches a log line, an error or `dump` leaks nothing.
package struct AWSCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The access key id (`AKIA…`, `ASIA…`).
    let accessKeyID: String
    /// The secret access key.
    let secretAccessKey: String
    /// The session token of temporary credentials.
    var sessionToken: String? = nil
    /// When temporary credentials stop working; nil for long-term keys.
    var expiration: Date? = nil
    /// Where they came from: `environment`, `shared files (profile x)`, `web identity`, `container`, `imds`.
    package var source = "static"

    package var description: String {
        var text = "AWSCredentials(\(source), key id …\(accessKeyID.suffix(4)), secret redacted"
        if sessionToken != nil { text += ", session token redacted" }
        if let expiration { text += ", expires \(UTCTime.seconds(expiration.timeIntervalSince1970))" }
        return text + ")"
    }

    package var debugDescription: String { description }
    package var customMirror: Mirror { Mirror(self, children: ["redacted": description]) }

    /// True when they expire within `margin` of `now` (always false for long-term keys).
    package func expires(within margin: TimeInterval, of now: Date = Date()) -> Bool {
        guard let expiration else { return false }
        return expiration.timeIntervalSince(now) <= margin
    }
}

/// Something that can produce credentials. `nil` means "not configured here, ask the next provider"; an error means
/// configured but broken (the chain stops, as the AWS tools do, instead of silently using other credentials).
package protocol AWSCredentialProvider: Sendable {
    /// Loads credentials, fresh (no cache).
    func load() async throws(S3Error) -> AWSCredentials?
}

/// The AWS tools' order: environment, shared files, web identity, container, EC2 instance metadata. The provider
/// that answered first is remembered; temporary credentials are reloaded `refreshMargin` before they expire.
package actor AWSCredentialChain {
    private let providers: [any AWSCredentialProvider]
    private let refreshMargin: TimeInterval
    private var cached: AWSCredentials?
    private var answering: (any AWSCredentialProvider)?

    /// A chain over explicit providers (tests, or fixed credentials).
    package init(providers: [any AWSCredentialProvider], refreshMargin: TimeInterval = 300) {
        self.providers = providers
        self.refreshMargin = refreshMargin
    }

    /// The standard chain, reading `environment` (the process environment by default).
    package init(environment: [String: String] = ProcessInfo.processInfo.environment, refreshMargin: TimeInterval = 300) {
        self.init(
            providers: [
                EnvironmentCredentialProvider(environment: environment),
                SharedFilesCredentialProvider(environment: environment),
                WebIdentityCredentialProvider(environment: environment),
                ContainerCredentialProvider(environment: environment),
                InstanceMetadataCredentialProvider(environment: environment),
            ], refreshMargin: refreshMargin)
    }

    /// Credentials valid for at least `refreshMargin` (or long-term ones).
    package func credentials() async throws(S3Error) -> AWSCredentials {
        if let cached, !cached.expires(within: refreshMargin) { return cached }
        if let answering, let fresh = try await answering.load() {
            cached = fresh
            return fresh
        }
        for provider in providers {
            if let found = try await provider.load() {
                cached = found
                answering = provider
                return found
            }
        }
        throw S3Error.credentials(
            "no AWS credentials found (looked at AWS_ACCESS_KEY_ID, the shared files, web identity, container "
                + "credentials and EC2 instance metadata)")
    }

    /// Forgets the cached credentials (after the store rejected them as expired).
    func invalidate() { cached = nil }
}

/// Fixed credentials.
struct StaticCredentialProvider: AWSCredentialProvider {
    let credentials: AWSCredentials
    /// Always answers with `credentials`.
    package init(_ credentials: AWSCredentials) { self.credentials = credentials }
    package func load() async throws(S3Error) -> AWSCredentials? { credentials }
}

/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` (or the older `AWS_SECURITY_TOKEN`).
struct EnvironmentCredentialProvider: AWSCredentialProvider {
    let environment: [String: String]
    /// Reads `environment`.
    package init(environment: [String: String]) { self.environment = environment }

    package func load() async throws(S3Error) -> AWSCredentials? {
        let id = environment["AWS_ACCESS_KEY_ID"].flatMap(nonEmpty)
        let secret = environment["AWS_SECRET_ACCESS_KEY"].flatMap(nonEmpty)
        switch (id, secret) {
        case (nil, nil): return nil
        case (let id?, let secret?):
            let token = environment["AWS_SESSION_TOKEN"].flatMap(nonEmpty) ?? environment["AWS_SECURITY_TOKEN"].flatMap(nonEmpty)
            return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token, source: "environment")
        default:
            throw S3Error.credentials("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together")
        }
    }
}

/// `~/.aws/credentials` (`[name]`) then `~/.aws/config` (`[profile name]`, `[default]`), profile `AWS_PROFILE` or
/// `default`; `AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE` move the files.
struct SharedFilesCredentialProvider: AWSCredentialProvider {
    let environment: [String: String]
    /// Reads `environment` (and `HOME`).
    package init(environment: [String: String]) { self.environment = environment }

    var profile: String { environment["AWS_PROFILE"].flatMap(nonEmpty) ?? environment["AWS_DEFAULT_PROFILE"].flatMap(nonEmpty) ?? "default" }

    package func load() async throws(S3Error) -> AWSCredentials? {
        let files = SharedConfigFiles(environment: environment)
        let profile = profile
        for (section, values) in [
            (profile, files.credentials[profile]), (profile, files.config[profile]),
        ] {
            guard let values else { continue }
            let id = values["aws_access_key_id"].flatMap(nonEmpty)
            let secret = values["aws_secret_access_key"].flatMap(nonEmpty)
            if id == nil && secret == nil { continue }
            guard let id, let secret else {
                throw S3Error.credentials("profile \(section) has only one of aws_access_key_id and aws_secret_access_key")
            }
            return AWSCredentials(
                accessKeyID: id, secretAccessKey: secret, sessionToken: values["aws_session_token"].flatMap(nonEmpty),
                source: "shared files (profile \(section))")
        }
        if environment["AWS_PROFILE"] != nil && files.credentials[profile] == nil && files.config[profile] == nil {
            throw S3Error.credentials("AWS_PROFILE names profile \(profile), which is in neither shared file")
        }
        return nil
    }
}

/// The two shared files, parsed: profile name → lower-cased key → value.
struct SharedConfigFiles: Sendable {
    /// Sections of the credentials file.
    package let credentials: [String: [String: String]]
    /// Sections of the config file, `profile ` prefix removed.
    package let config: [String: [String: String]]

    /// Reads the files the environment points at (missing files are empty).
    package init(environment: [String: String]) {
        let home = environment["HOME"] ?? NSHomeDirectory()
        func expand(_ path: String) -> String { path.hasPrefix("~/") ? home + path.dropFirst(1) : path }
        let credentialsPath = expand(environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "~/.aws/credentials")
        let configPath = expand(environment["AWS_CONFIG_FILE"] ?? "~/.aws/config")
        credentials = Self.parse((try? String(contentsOfFile: credentialsPath, encoding: .utf8)) ?? "", isConfig: false)
        config = Self.parse((try? String(contentsOfFile: configPath, encoding: .utf8)) ?? "", isConfig: true)
    }

    /// INI as the AWS tools read it: `[section]`, `key = value`, `#`/`;` comments; indented lines (nested
    /// settings such as `s3 =` blocks) are skipped.
    static func parse(_ text: String, isConfig: Bool) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            if raw.first == " " || raw.first == "\t" { continue }
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                var name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                if isConfig {
                    if name.hasPrefix("profile ") {
                        name = String(name.dropFirst("profile ".count)).trimmingCharacters(in: .whitespaces)
                    } else if name != "default" {
                        current = nil  // [sso-session x], [services x]: not profiles
                        continue
                    }
                }
                current = name
                sections[name, default: [:]] = sections[name] ?? [:]
                continue
            }
            guard let name = current, let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            sections[name]![key] = value
        }
        return sections
    }

    /// The region of a profile in the config file.
    package func region(profile: String) -> String? { config[profile]?["region"].flatMap(nonEmpty) }
}

/// `AWS_ROLE_ARN` + `AWS_WEB_IDENTITY_TOKEN_FILE` (+ `AWS_ROLE_SESSION_NAME`) → STS `AssumeRoleWithWebIdentity`
/// (unsigned: the token is the proof). STS is `https://sts.<region>.amazonaws.com` or `AWS_ENDPOINT_URL_STS` /
/// `AWS_ENDPOINT_URL`. The token file is re-read on every refresh (Kubernetes rotates it).
struct WebIdentityCredentialProvider: AWSCredentialProvider {
    let environment: [String: String]
    let http: S3HTTP
    /// Reads `environment`.
    package init(environment: [String: String]) {
        self.environment = environment
        http = S3HTTP(requestTimeout: 10, resourceTimeout: 30)
    }

    package func load() async throws(S3Error) -> AWSCredentials? {
        guard let roleARN = environment["AWS_ROLE_ARN"].flatMap(nonEmpty),
            let tokenFile = environment["AWS_WEB_IDENTITY_TOKEN_FILE"].flatMap(nonEmpty)
        else { return nil }
        guard let token = try? String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
            !token.isEmpty
        else { throw S3Error.credentials("cannot read the web identity token file \(tokenFile)") }
        let region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
        let endpoint =
            environment["AWS_ENDPOINT_URL_STS"].flatMap(nonEmpty) ?? environment["AWS_ENDPOINT_URL"].flatMap(nonEmpty)
            ?? "https://sts.\(region).amazonaws.com"
        let session = environment["AWS_ROLE_SESSION_NAME"].flatMap(nonEmpty) ?? "kb4-events-\(Int(Date().timeIntervalSince1970))"
        let form = AWSURI.canonicalQuery([
            ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", roleARN),
            ("RoleSessionName", session), ("WebIdentityToken", token),
        ])
        let url = endpoint.hasSuffix("/") ? endpoint : endpoint + "/"
        let response: S3HTTP.Response
        do {
            response = try await http.send(
                S3HTTP.Request(
                    method: "POST", url: url,
                    headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
                    body: .bytes(Array(form.utf8))))
        } catch {
            throw S3Error.credentials("STS AssumeRoleWithWebIdentity at \(endpoint): \(error.message)")
        }
        let xml = String(decoding: response.body, as: UTF8.self)
        guard response.status == 200 else {
            let code = XMLScan.first("Code", in: xml) ?? "HTTP \(response.status)"
            let message = XMLScan.first("Message", in: xml) ?? ""
            throw S3Error.credentials("STS AssumeRoleWithWebIdentity for \(roleARN) failed: \(code) \(message)")
        }
        guard let id = XMLScan.first("AccessKeyId", in: xml), let secret = XMLScan.first("SecretAccessKey", in: xml),
            let sessionToken = XMLScan.first("SessionToken", in: xml)
        else { throw S3Error.credentials("STS AssumeRoleWithWebIdentity for \(roleARN): no credentials in the answer") }
        return AWSCredentials(
            accessKeyID: id, secretAccessKey: secret, sessionToken: sessionToken,
            expiration: XMLScan.first("Expiration", in: xml).flatMap(parseISO8601), source: "web identity")
    }
}

/// ECS/EKS Pod Identity: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (on `http://169.254.170.2`) or
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI` (https, or http to a loopback or the ECS/EKS link-local hosts), with
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)` as the `Authorization` header.
struct ContainerCredentialProvider: AWSCredentialProvider {
    let environment: [String: String]
    let http: S3HTTP
    /// Reads `environment`.
    package init(environment: [String: String]) {
        self.environment = environment
        http = S3HTTP(requestTimeout: 5, resourceTimeout: 10)
    }

    package func load() async throws(S3Error) -> AWSCredentials? {
        let url: String
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"].flatMap(nonEmpty) {
            url = "http://169.254.170.2" + relative
        } else if let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"].flatMap(nonEmpty) {
            guard let parsed = URLComponents(string: full), let host = parsed.host else {
                throw S3Error.credentials("AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL")
            }
            let allowed = ["169.254.170.2", "169.254.170.23", "fd00:ec2::23", "[fd00:ec2::23]"]
            guard parsed.scheme == "https" || (parsed.scheme == "http" && (S3Endpoint.isLoopback(host) || allowed.contains(host)))
            else {
                throw S3Error.credentials("AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback or the container host")
            }
            url = full
        } else {
            return nil
        }
        var headers: [(name: String, value: String)] = []
        if let file = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"].flatMap(nonEmpty) {
            guard let token = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw S3Error.credentials("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(file)")
            }
            headers.append(("Authorization", token.trimmingCharacters(in: .whitespacesAndNewlines)))
        } else if let token = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"].flatMap(nonEmpty) {
            headers.append(("Authorization", token))
        }
        let response: S3HTTP.Response
        do {
            response = try await http.send(S3HTTP.Request(method: "GET", url: url, headers: headers))
        } catch {
            throw S3Error.credentials("container credentials endpoint: \(error.message)")
        }
        guard response.status == 200 else {
            throw S3Error.credentials("container credentials endpoint answered HTTP \(response.status)")
        }
        return try decodeCredentialJSON(response.body, source: "container")
    }
}

/// EC2 instance metadata, IMDSv2 only (a session token first): the instance profile's role credentials.
/// `AWS_EC2_METADATA_DISABLED=true` turns it off; `AWS_EC2_METADATA_SERVICE_ENDPOINT` moves it.
struct InstanceMetadataCredentialProvider: AWSCredentialProvider {
    let environment: [String: String]
    let http: S3HTTP
    /// Reads `environment`.
    package init(environment: [String: String]) {
        self.environment = environment
        http = S3HTTP(requestTimeout: 1, resourceTimeout: 2)
    }

    package func load() async throws(S3Error) -> AWSCredentials? {
        if environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true" { return nil }
        var base = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"].flatMap(nonEmpty) ?? "http://169.254.169.254"
        while base.hasSuffix("/") { base.removeLast() }
        let explicit = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] != nil
        let token: S3HTTP.Response
        do {
            token = try await http.send(
                S3HTTP.Request(
                    method: "PUT", url: base + "/latest/api/token",
                    headers: [("X-aws-ec2-metadata-token-ttl-seconds", "21600")]))
        } catch {
            // Not on EC2 (or IMDS unreachable): not configured, unless the endpoint was set on purpose.
            if explicit { throw S3Error.credentials("instance metadata at \(base): \(error.message)") }
            return nil
        }
        guard token.status == 200 else {
            if explicit { throw S3Error.credentials("instance metadata token: HTTP \(token.status)") }
            return nil
        }
        let session: [(name: String, value: String)] = [("X-aws-ec2-metadata-token", String(decoding: token.body, as: UTF8.self))]
        do {
            let path = base + "/latest/meta-data/iam/security-credentials/"
            let roles = try await http.send(S3HTTP.Request(method: "GET", url: path, headers: session))
            guard roles.status == 200,
                let role = String(decoding: roles.body, as: UTF8.self).split(whereSeparator: \.isNewline).first
            else { throw S3Error.credentials("instance metadata: no instance profile role (HTTP \(roles.status))") }
            let creds = try await http.send(S3HTTP.Request(method: "GET", url: path + role, headers: session))
            guard creds.status == 200 else {
                throw S3Error.credentials("instance metadata: role credentials HTTP \(creds.status)")
            }
            return try decodeCredentialJSON(creds.body, source: "imds")
        } catch let error as S3HTTP.Failure {
            throw S3Error.credentials("instance metadata at \(base): \(error.message)")
        } catch let error as S3Error {
            throw error
        } catch {
            throw S3Error.credentials("instance metadata at \(base): \(type(of: error))")
        }
    }
}

/// `{"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}` (container and IMDS answers).
func decodeCredentialJSON(_ body: [UInt8], source: String) throws(S3Error) -> AWSCredentials {
    struct Answer: Decodable {
        let AccessKeyId: String
        let SecretAccessKey: String
        let Token: String?
        let Expiration: String?
    }
    guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(body)) else {
        throw S3Error.credentials("\(source) credentials: the answer is not the expected JSON")
    }
    return AWSCredentials(
        accessKeyID: answer.AccessKeyId, secretAccessKey: answer.SecretAccessKey, sessionToken: answer.Token,
        expiration: answer.Expiration.flatMap(parseISO8601), source: source)
}

/// `2026-11-30T23:00:00Z`, with or without fractional seconds or an offset.
func parseISO8601(_ text: String) -> Date? {
    parseTimestampMillis(text).map { Date(timeIntervalSince1970: Double($0) / 1000) }
}

func nonEmpty(_ s: String) -> String? { s.isEmpty ? nil : s }
