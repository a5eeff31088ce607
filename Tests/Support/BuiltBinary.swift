package import Foundation

/// What a run of the built binary gave: exit status, stdout and stderr.
package struct CommandResult: Sendable {
    /// The exit status; for a process killed by a signal, the signal's number (then `signal` is set too).
    package let status: Int32
    /// The signal that ended the process when it did not exit by itself, else nil.
    package let signal: Int32?
    package let stdout: String
    package let stderr: String

    package init(status: Int32, signal: Int32? = nil, stdout: String, stderr: String) {
        self.status = status
        self.signal = signal
        self.stdout = stdout
        self.stderr = stderr
    }

    /// stdout parsed as JSON.
    package func json() throws -> Any {
        try JSONSerialization.jsonObject(with: Data(stdout.utf8), options: [.fragmentsAllowed])
    }
}

/// The `kb4-events` binary the tests run, the one way every test target starts it: stdin never a terminal, stdout
/// and stderr to files.
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

    /// A started process, read by `finish` or `finished`.
    package struct Running: @unchecked Sendable {
        package let process: Process
        let stdoutPath: String
        let stderrPath: String
        let exit: ExitWatch
    }

    /// Starts `executable` (the built binary by default) with exactly `environment`. stdout and stderr go to files
    /// (a chatty child can never block on a full pipe while nobody reads it).
    package static func start(
        _ args: [String], environment: [String: String], cwd: String? = nil, executable: String? = nil
    ) throws -> Running {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable ?? path)
        p.arguments = args
        p.environment = environment
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        p.standardInput = FileHandle.nullDevice  // never a terminal
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("kb4-\(UUID().uuidString)").path
        let outPath = base + ".stdout", errPath = base + ".stderr"
        for file in [outPath, errPath] { _ = FileManager.default.createFile(atPath: file, contents: nil) }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer {
            try? out.close()
            try? err.close()
        }
        p.standardOutput = out
        p.standardError = err
        let exit = ExitWatch()
        // Set before `run`, so the exit can never come first.
        p.terminationHandler = { _ in exit.exited() }
        try p.run()
        return Running(process: p, stdoutPath: outPath, stderrPath: errPath, exit: exit)
    }

    /// Waits for a started process without blocking a thread (its termination handler resumes the caller) and
    /// collects what it printed.
    package static func finished(_ running: Running) async -> CommandResult {
        await running.exit.wait()
        running.process.waitUntilExit()  // returns at once: the handler ran
        return collect(running)
    }

    private static func collect(_ running: Running) -> CommandResult {
        func read(_ path: String) -> String {
            let data = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
            try? FileManager.default.removeItem(atPath: path)
            return String(decoding: data, as: UTF8.self)
        }
        let p = running.process
        return CommandResult(
            status: p.terminationStatus, signal: p.terminationReason == .uncaughtSignal ? p.terminationStatus : nil,
            stdout: read(running.stdoutPath), stderr: read(running.stderrPath))
    }

    /// Runs to the end, awaiting the exit without holding a thread (a test blocked in `waitUntilExit` holds one of
    /// the few threads Swift's concurrency runs every test on: on 2 cores, two such tests stall every other one).
    @discardableResult
    package static func run(
        _ args: [String], environment: [String: String], cwd: String? = nil, executable: String? = nil
    ) async throws -> CommandResult {
        await finished(try start(args, environment: environment, cwd: cwd, executable: executable))
    }
}

/// A child process's exit, awaited without blocking a thread: `exited()` is its termination handler.
final class ExitWatch: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func exited() {
        let waiting = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            done = true
            defer { waiters = [] }
            return waiters
        }
        for waiter in waiting { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = lock.withLock { () -> Bool in
                if done { return true }
                waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}
