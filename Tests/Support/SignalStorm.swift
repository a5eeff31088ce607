package import Foundation

/// Runs of the built binary stopped by SIGINT or SIGTERM at random moments, as an operator's Ctrl-C, systemd's stop
/// or a pod's eviction would: what was sent, when, and how each run ended.
package enum SignalStorm {
    /// One run: the signals sent (one, sometimes a second one soon after), whether the process had its handlers
    /// for them when the first was sent, and how it ended.
    package struct Run: Sendable {
        package let signals: [Int32]
        package let delay: Double
        package let handled: Bool
        package let result: CommandResult
    }

    /// Whether process `pid` catches SIGINT and SIGTERM now (its handlers are installed: `SigCgt` in /proc).
    static func catchesSignals(_ pid: Int32) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
            let mask = UInt64(line.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return false }
        let wanted: UInt64 = (1 << UInt64(SIGINT - 1)) | (1 << UInt64(SIGTERM - 1))
        return mask & wanted == wanted
    }

    /// Starts `args` with `environment`, sends SIGINT or SIGTERM (at random) after a random delay of up to
    /// `maxDelay` seconds from the moment the process catches them (in an `earlyChance` share of runs from its
    /// start instead, before it may have its handlers), in a `secondChance` share of runs a second signal up to 0.3 s
    /// later (the "stop now" of an impatient operator), and waits for the end without blocking a thread. A run that
    /// ends before its signal gets none.
    package static func run(
        _ args: [String], environment: [String: String], maxDelay: Double, secondChance: Double = 0,
        earlyChance: Double = 0.1
    ) async throws -> Run {
        let delay = Double.random(in: 0...maxDelay)
        let running = try BuiltBinary.start(args, environment: environment)
        let waiting = Task { await BuiltBinary.finished(running) }
        var sent: [Int32] = []
        let pid = running.process.processIdentifier
        if Double.random(in: 0..<1) >= earlyChance {
            let start = Date()
            while running.process.isRunning && !catchesSignals(pid) && Date().timeIntervalSince(start) < 30 {
                try await Task.sleep(nanoseconds: 5_000_000)
            }
        }
        try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
        var handled = false
        if running.process.isRunning {
            handled = catchesSignals(pid)
            let signal = Bool.random() ? SIGINT : SIGTERM
            kill(pid, signal)
            sent.append(signal)
            if Double.random(in: 0..<1) < secondChance {
                try await Task.sleep(nanoseconds: UInt64(Double.random(in: 0...0.3) * 1e9))
                if running.process.isRunning {
                    let second = Bool.random() ? SIGINT : SIGTERM
                    kill(pid, second)
                    sent.append(second)
                }
            }
        }
        // A watchdog: a run that does not stop by itself within 60 s is killed (SIGKILL), which fails the check.
        let watchdog = Task {
            try await Task.sleep(nanoseconds: 60_000_000_000)
            if running.process.isRunning { kill(pid, SIGKILL) }
        }
        let result = await waiting.value
        watchdog.cancel()
        return Run(signals: sent, delay: delay, handled: handled, result: result)
    }

    /// What is wrong with how `run` ended, or nil. Allowed: exit 0 (no signal, or the run finished its work first and
    /// the signal came too late to matter: a signal that arrives during the last commit still ends in 130/143),
    /// exit 128 + a signal sent (130 SIGINT, 143 SIGTERM), or death by the signal sent itself when it came before the
    /// process caught it (start-up: arguments being read, nothing of the lake touched yet; a shell reports it as
    /// 130/143 too). Never another exit code, never another signal (a crash: SIGSEGV, SIGILL, SIGTRAP, SIGABRT…).
    package static func problem(_ run: Run) -> String? {
        let r = run.result
        let tail = String(r.stderr.suffix(1500))
        if let signal = r.signal {
            // Before the handlers both of a double signal may be pending at once (the kernel then delivers the lower
            // number first), so the one that ended it may be the second.
            guard run.signals.contains(signal) else {
                return "killed by signal \(signal) (sent \(run.signals)) after \(run.delay) s: \(tail)"
            }
            guard !run.handled, !r.stderr.contains("received: stopping") else {
                return "died of signal \(signal) though it catches it: \(tail)"
            }
            return nil
        }
        if r.status == 0 { return nil }
        guard run.signals.contains(where: { 128 + $0 == r.status }) else {
            return "exit \(r.status) (sent \(run.signals) after \(run.delay) s): \(tail)"
        }
        return nil
    }

    /// How the runs ended, for the test's log: `exit 0 ×12, exit 130 ×20, exit 143 ×25, died of signal 15 ×1`.
    package static func tally(_ runs: [Run]) -> String {
        var counts: [String: Int] = [:]
        for run in runs {
            let key = run.result.signal.map { "died of signal \($0)" } ?? "exit \(run.result.status)"
            counts[key, default: 0] += 1
        }
        let doubles = runs.filter { $0.signals.count > 1 }.count
        let early = runs.filter { !$0.signals.isEmpty && !$0.handled }.count
        return counts.keys.sorted().map { "\($0) ×\(counts[$0]!)" }.joined(separator: ", ")
            + "; \(doubles) runs got a second signal, \(early) a signal before their handlers"
    }
}
