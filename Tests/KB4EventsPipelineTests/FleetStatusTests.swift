import Foundation
import Synchronization
import Testing

@testable import KB4EventsPipeline
@testable import KB4EventsCore

/// A store that counts the reads in flight across itself and its children (each read held for a moment), to see
/// how many lakes the fleet view reads at once.
final class InFlightProbeStore: ObjectStore {
    final class Gauge: Sendable {
        let state = Mutex((now: 0, peak: 0, reads: 0))
        func enter() { state.withLock { $0.now += 1; $0.reads += 1; $0.peak = max($0.peak, $0.now) } }
        func leave() { state.withLock { $0.now -= 1 } }
    }

    let inner: any ObjectStore
    let gauge: Gauge
    init(_ inner: any ObjectStore, gauge: Gauge = Gauge()) {
        self.inner = inner
        self.gauge = gauge
    }
    var description: String { inner.description }

    func get(_ key: String) async throws -> (bytes: [UInt8], meta: ObjectMeta)? {
        gauge.enter()
        defer { gauge.leave() }
        try await Task.sleep(for: .milliseconds(20))
        return try await inner.get(key)
    }
    func putFile(_ localPath: String, key: String) async throws -> ObjectMeta { try await inner.putFile(localPath, key: key) }
    func put(_ bytes: [UInt8], key: String, mode: PutMode) async throws -> ObjectMeta {
        try await inner.put(bytes, key: key, mode: mode)
    }
    func download(_ key: String, to localPath: String) async throws -> ObjectMeta? {
        try await inner.download(key, to: localPath)
    }
    func head(_ key: String) async throws -> ObjectMeta? { try await inner.head(key) }
    func list(prefix: String) async throws -> [ObjectMeta] { try await inner.list(prefix: prefix) }
    func delete(_ key: String) async throws { try await inner.delete(key) }
    func childNames() async throws -> [String] { try await inner.childNames() }
    func child(_ name: String) throws -> any ObjectStore { InFlightProbeStore(try inner.child(name), gauge: gauge) }
}

@Suite(.serialized) struct FleetStatusTests {
    /// A real lake: 2026-11-17 … 11-18 and 11-20 … 11-21 exported (11-19 missing), today 2026-11-22.
    private func withGappedLake(_ body: (LakeFixture, Manifest) async throws -> Void) async throws {
        try await LakeFixture.with { f in
            _ = try await f.runner().run(.backfill(from: f.firstDay, to: f.firstDay.next, force: false))
            _ = try await f.runner().run(
                .backfill(from: f.today.adding(days: -2), to: f.today.previous, force: false))
            try await body(f, try f.manifest())
        }
    }

    private func record(exitCode: Int, finishedAt: String) -> RunRecord {
        RunRecord(
            command: "sync", runID: "r", startedAt: finishedAt, finishedAt: finishedAt, exitCode: exitCode,
            error: exitCode == 0 ? nil : "stopped", summary: .empty)
    }

    @Test func attentionFollowsTheRulesAndThresholds() async throws {
        try await withGappedLake { f, manifest in
            let now = Double(parseTimestampMillis("2026-11-22T06:00:00Z")!) / 1000
            func status(today: Day? = nil, exported: Bool = true, run: RunRecord?) -> LakeStatus {
                LakeStatus.make(
                    root: f.dir, manifest: exported ? manifest : nil, start: nil, lookbackDays: 0, today: today ?? f.today,
                    lastRun: run,
                    budget: ExportPlan.Budget(limit: nil, reserve: 0, usedToday: 0))
            }
            let fresh = record(exitCode: 0, finishedAt: "2026-11-22T02:00:00Z")
            let rules = FleetStatus.Thresholds()
            let gapped = status(run: fresh)
            #expect(gapped.daysBehind == 0)
            #expect(gapped.holes.map(\.from) == [f.today.adding(days: -3)])
            #expect(rules.attention(gapped, now: now) == [.gaps])
            var lenient = rules
            lenient.maxGapDays = 1
            #expect(lenient.attention(gapped, now: now) == [])

            // Exit 75 (quota or lock: the next run carries on) is not a failure; 130 (interrupted) and 77 are.
            for (code, failed) in [(75, false), (130, true), (77, true)] {
                let reasons = lenient.attention(status(run: record(exitCode: code, finishedAt: "2026-11-22T02:00:00Z")), now: now)
                #expect(reasons.contains(.failed) == failed, "exit \(code)")
            }
            // Stale by the clock (40 h ago) or by the days (3 behind; the missing days after the last complete one
            // are days behind, not gaps).
            #expect(lenient.attention(status(run: record(exitCode: 0, finishedAt: "2026-11-20T14:00:00Z")), now: now) == [.stale])
            let behind = status(today: f.today.adding(days: 3), run: fresh)
            #expect(behind.daysBehind == 3)
            #expect(behind.holes.count == 1 && behind.gaps.count == 2)
            #expect(lenient.attention(behind, now: now) == [.stale])
            lenient.maxDaysBehind = 3
            #expect(lenient.attention(behind, now: now) == [])
            // Nothing exported and a failed first run: failed and stale.
            let never = status(exported: false, run: record(exitCode: 77, finishedAt: "2026-11-22T02:00:00Z"))
            #expect(never.daysBehind == nil)
            #expect(rules.attention(never, now: now) == [.failed, .stale])
        }
    }

    @Test func readsAtMostMaxInFlightLakesAtOnceAndEveryOne() async throws {
        try await withGappedLake { f, _ in
            let fleet = f.dir + "-fleet"
            defer { try? FileManager.default.removeItem(atPath: fleet) }
            try FileManager.default.createDirectory(atPath: fleet, withIntermediateDirectories: true)
            let names = (0..<9).map { "lake-\($0)" }
            for name in names { try FileManager.default.copyItem(atPath: f.dir, toPath: fleet + "/" + name) }
            let now = Date().timeIntervalSince1970
            for bound in [1, 3] {
                let probe = InFlightProbeStore(LocalDirectoryStore(root: fleet))
                let view = try await FleetStatus.load(
                    fleet: LakeLayout(root: fleet, store: probe, workRoot: fleet + "/.work"), today: f.today, now: now,
                    thresholds: FleetStatus.Thresholds(), maxInFlight: bound)
                #expect(view.lakes.map(\.name) == names)
                #expect(view.lakes.allSatisfy { $0.attention == [.gaps] && $0.status?.lastRun == nil })
                let gauge = probe.gauge.state.withLock { $0 }
                #expect(gauge.peak == bound, "at most \(bound) lakes read at once, and that many")
                #expect(gauge.reads == names.count * 3, "three reads a lake")
            }
        }
    }
}
