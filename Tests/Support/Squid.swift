package import Foundation

#if canImport(Glibc)
    import Glibc
#endif
import NIOCore
import NIOPosix

/// Debian's squid as a forward proxy on a free loopback port, started by a test. Its directory (config, access log,
/// password file) is made readable and writable for the `proxy` user squid drops to. `start` returns nil when squid
/// is not installed (the caller skips locally and fails under CI=true).
package final class Squid: @unchecked Sendable {
    package let port: Int
    package let directory: String
    package let process: Process

    package static var binary: String? {
        ["/usr/sbin/squid", "/usr/local/sbin/squid"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    package static let authHelper = ["/usr/lib/squid/basic_ncsa_auth", "/usr/lib64/squid/basic_ncsa_auth"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Starts squid; with `user`/`password`, it requires them (basic auth against an htpasswd file).
    package static func start(user: String? = nil, password: String? = nil) async throws -> Squid? {
        guard let binary else { return nil }
        let directory = NSTemporaryDirectory() + "kb4-squid-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let port = try await freePort()
        var auth = ""
        if let user, let password {
            guard let helper = authHelper else { return nil }
            let line = try run("/usr/bin/openssl", ["passwd", "-apr1", password])
            try "\(user):\(line.trimmingCharacters(in: .whitespacesAndNewlines))\n"
                .write(toFile: directory + "/htpasswd", atomically: true, encoding: .utf8)
            auth = """
                auth_param basic program \(helper) \(directory)/htpasswd
                auth_param basic realm kb4-test
                acl authed proxy_auth REQUIRED
                http_access deny !authed

                """
        }
        let config = """
            http_port 127.0.0.1:\(port)
            pid_filename \(directory)/squid.pid
            access_log stdio:\(directory)/access.log
            cache_log \(directory)/cache.log
            cache_store_log none
            coredump_dir \(directory)
            cache deny all
            shutdown_lifetime 0 seconds
            pinger_enable off
            acl loopback src 127.0.0.0/8 ::1
            \(auth)http_access allow loopback
            http_access deny all
            """
        try config.write(toFile: directory + "/squid.conf", atomically: true, encoding: .utf8)
        _ = try? run("/bin/chown", ["-R", "proxy:proxy", directory])
        _ = try? run("/bin/chmod", ["-R", "a+rwX", directory])

        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-N", "-f", directory + "/squid.conf"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let squid = Squid(port: port, directory: directory, process: process)
        // Wait until it accepts connections (or has died: then its cache.log says why).
        for _ in 0..<200 {
            if !process.isRunning {
                throw SquidFailed(log: squid.cacheLog)
            }
            if await canConnect(port: port) { return squid }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        squid.stop()
        throw SquidFailed(log: squid.cacheLog)
    }

    /// `start` for a test: nil when squid (or, with credentials, its auth helper) is not installed, so the test skips;
    /// under `CI=true` that is an error instead (CI installs squid and must run the proxy tests).
    package static func startForTest(user: String? = nil, password: String? = nil) async throws -> Squid? {
        let needsHelper = user != nil && password != nil
        if binary != nil, !needsHelper || authHelper != nil, let squid = try await start(user: user, password: password) {
            return squid
        }
        if TestPython.isCI { throw SquidFailed(log: "squid (with basic_ncsa_auth) is not installed; CI must run the proxy tests") }
        return nil
    }

    package struct SquidFailed: Error, CustomStringConvertible {
        let log: String
        package var description: String { "squid did not start: \(log.suffix(2000))" }
    }

    private init(port: Int, directory: String, process: Process) {
        self.port = port
        self.directory = directory
        self.process = process
    }

    package var accessLog: String { (try? String(contentsOfFile: directory + "/access.log", encoding: .utf8)) ?? "" }
    package var cacheLog: String { (try? String(contentsOfFile: directory + "/cache.log", encoding: .utf8)) ?? "" }

    /// Access-log lines, waiting a little for squid to write the last one (it logs when a tunnel closes).
    package func accessLog(containing needle: String) async -> String {
        for _ in 0..<100 {
            let log = accessLog
            if log.contains(needle) { return log }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        return accessLog
    }

    /// SIGTERM, then SIGKILL if squid is still there after a second (it may linger in its shutdown).
    package func stop() {
        let pid = process.processIdentifier
        if process.isRunning {
            kill(pid, SIGTERM)
            for _ in 0..<20 where process.isRunning { usleep(50_000) }
            if process.isRunning { kill(pid, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

/// A loopback port nobody listens on (bound, read, closed).
package func freePort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress!.port!
    try await channel.close()
    return port
}

package func canConnect(port: Int) async -> Bool {
    do {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
        try? await channel.close()
        return true
    } catch {
        return false
    }
}
