package import Foundation

/// What a run of the built binary gave: exit status, stdout and stderr.
package struct CommandResult: Sendable {
    package let status: Int32
    package let stdout: String
    package let stderr: String

    /// stdout parsed as JSON.
    package func json() throws -> Any {
        try JSONSerialization.jsonObject(with: Data(stdout.utf8), options: [.fragmentsAllowed])
    }
}

/// The `kb4-events` binary the tests run, the one way every test target starts it: stdin never a terminal, stderr
/// to a file (a chatty child can never block on a full pipe while stdout is read).
package enum BuiltBinary {
    /// The package's root directory.
    package static let root: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    /// The `kb4-events` built beside this test bundle (the same build, so never a stale one from another
    /// configuration); else the usual build directories.
    package static var path: String {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let beside = here.appendingPathComponent("kb4-events").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        for dir in [".build/debug", ".build/release"] {
            let path = "\(root)/\(dir)/kb4-events"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return "\(root)/.build/debug/kb4-events"
    }

    /// A started process, read by `finish`.
    package struct Running {
        package let process: Process
        let stdout: Pipe
        let stderrPath: String
    }

    /// Starts `executable` (the built binary by default) with exactly `environment`.
    package static func start(
        _ args: [String], environment: [String: String], cwd: String? = nil, executable: String? = nil
    ) throws -> Running {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable ?? path)
        p.arguments = args
        p.environment = environment
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        p.standardInput = FileHandle.nullDevice  // never a terminal
        let errPath = FileManager.default.temporaryDirectory.appendingPathComponent("kb4-stderr-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = Pipe()
        p.standardOutput = out
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try p.run()
        return Running(process: p, stdout: out, stderrPath: errPath)
    }

    /// Waits for a started process and collects what it printed.
    package static func finish(_ running: Running) -> CommandResult {
        let o = running.stdout.fileHandleForReading.readDataToEndOfFile()
        running.process.waitUntilExit()
        let e = (try? Data(contentsOf: URL(fileURLWithPath: running.stderrPath))) ?? Data()
        try? FileManager.default.removeItem(atPath: running.stderrPath)
        return CommandResult(
            status: running.process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: e, as: UTF8.self))
    }

    /// Runs to the end.
    @discardableResult
    package static func run(
        _ args: [String], environment: [String: String], cwd: String? = nil, executable: String? = nil
    ) throws -> CommandResult {
        finish(try start(args, environment: environment, cwd: cwd, executable: executable))
    }
}
