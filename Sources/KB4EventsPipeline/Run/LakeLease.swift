#if canImport(Glibc)
    import Glibc
#endif
import KB4EventsAPI
package import Logging
import KB4EventsCore

/// The run lock of a lake in object storage: a lease object `.kb4-events.lock` holding the run id, host, pid and an
/// expiry, created with `If-None-Match: *` (`PutMode.create`), renewed with `If-Match` on its ETag while the run
/// lives, taken over with `If-Match` once expired, deleted at the end. A run that was killed leaves a lease that
/// expires by itself (`ttl`), so the next run waits at most that long.
package actor LakeLease {
    /// The lease object's key.
    package static let key = ".kb4-events.lock"

    /// Who holds a lease, as stored in it.
    struct Holder: Sendable, Equatable {
        package var runID: String
        package var host: String
        package var pid: Int
        /// Unix seconds.
        package var expires: Double
        /// Where `pid` means something: the kernel's boot id and the process's pid namespace (empty when unknown).
        var pidSpace: String

        var json: [UInt8] {
            var out: [UInt8] = []
            JSONValue.object(
                JSONObject([
                    ("run_id", .string(runID)), ("host", .string(host)), ("pid", .number(String(pid))),
                    ("pid_space", .string(pidSpace)),
                    ("expires_at", .string(isoSeconds(expires))), ("expires_unix", .number(String(Int(expires.rounded(.up))))),
                ])
            ).write(into: &out)
            out.append(UInt8(ascii: "\n"))
            return out
        }

        init(runID: String, host: String, pid: Int, expires: Double, pidSpace: String = "") {
            self.runID = runID
            self.host = host
            self.pid = pid
            self.expires = expires
            self.pidSpace = pidSpace
        }

        /// Parses a stored lease; a lease that cannot be read counts as expired (it protects nothing).
        init(bytes: [UInt8]) {
            let json = try? JSONParser.parse(bytes)
            runID = json?["run_id"]?.stringValue ?? "?"
            host = json?["host"]?.stringValue ?? "?"
            // Whatever another writer put there: a pid outside pid_t's range names no process, an expiry beyond
            // year 5000 is clamped (a crafted or damaged lease must not crash the reader).
            pid = json?["pid"]?.numberText.flatMap { Int32($0) }.map(Int.init) ?? 0
            let until = json?["expires_unix"]?.numberText.flatMap { Double($0) } ?? 0
            expires = until.isFinite ? min(max(until, 0), 1e11) : 0
            pidSpace = json?["pid_space"]?.stringValue ?? ""
        }

        var described: String { "pid \(pid) on \(host), run \(runID), lease until \(isoSeconds(expires))" }

        /// The holder ran on this machine, in this pid namespace (same kernel boot, same namespace: a hostname
        /// alone can repeat across containers), and its process is gone (`kill -9`, a crash): its lease protects
        /// nothing, so the next run here need not wait for it to expire. (A pid reused by another process only
        /// makes the run wait, as for a live holder.)
        var isDeadHere: Bool {
            let here = LakeLease.pidSpace()
            return !here.isEmpty && pidSpace == here && FileSystem.processIsGone(pid)
        }
    }

    private let store: any ObjectStore
    private let lakeName: String
    private let ttl: Double
    private let now: @Sendable () -> Double
    private var holder: Holder
    private var etag: String
    private var renewer: Task<Void, Never>?
    /// Set when a renewal found the lease taken: the run goes on, and its manifest compare-and-swap stops it.
    package private(set) var lost = false

    private init(
        store: any ObjectStore, lakeName: String, ttl: Double, now: @escaping @Sendable () -> Double, holder: Holder,
        etag: String
    ) {
        self.store = store
        self.lakeName = lakeName
        self.ttl = ttl
        self.now = now
        self.holder = holder
        self.etag = etag
    }

    /// Takes the lease (or an expired one over); throws a temporary error (exit 75) naming the holder otherwise.
    package static func acquire(
        store: any ObjectStore, lakeName: String, runID: String, ttl: Double = 120,
        now: @escaping @Sendable () -> Double
    ) async throws -> LakeLease {
        var me = Holder(runID: runID, host: hostName(), pid: Int(getpid()), expires: now() + ttl, pidSpace: pidSpace())
        for _ in 0..<3 {
            me.expires = now() + ttl
            do {
                let meta = try await store.put(me.json, key: key, mode: .create)
                return LakeLease(store: store, lakeName: lakeName, ttl: ttl, now: now, holder: me, etag: meta.etag)
            } catch ObjectStoreError.preconditionFailed {}
            guard let current = try await store.get(key) else { continue }  // released meanwhile: create again
            let other = Holder(bytes: current.bytes)
            guard other.expires < now() || other.isDeadHere else { throw locked(other, lakeName) }
            do {
                let meta = try await store.put(me.json, key: key, mode: .update(etag: current.meta.etag))
                return LakeLease(store: store, lakeName: lakeName, ttl: ttl, now: now, holder: me, etag: meta.etag)
            } catch ObjectStoreError.preconditionFailed {}  // another run took it over first: look again
        }
        let current = try await store.get(key).map { Holder(bytes: $0.bytes) }
        throw locked(current ?? Holder(runID: "?", host: "?", pid: 0, expires: 0), lakeName)
    }

    static func locked(_ other: Holder, _ lakeName: String) -> PipelineError {
        PipelineError(
            stage: .run, category: .temporary, code: "locked",
            message:
                "another kb4-events run (\(other.described)) holds the lock on \(lakeName); try again when it ends (a killed run's lease expires by itself)"
        )
    }

    /// Extends the lease by `ttl` from now, if it is still this run's.
    package func renew() async throws {
        var next = holder
        next.expires = now() + ttl
        do {
            let meta = try await store.put(next.json, key: Self.key, mode: .update(etag: etag))
            holder = next
            etag = meta.etag
        } catch ObjectStoreError.preconditionFailed {
            lost = true
            throw Self.lostError(lakeName)
        }
    }

    /// Renews every `interval` seconds until released.
    func startRenewing(every interval: Double = 30, logger: Logger) {
        renewer = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
                guard !Task.isCancelled, let self else { return }
                do { try await self.renew() } catch {
                    logger.warning("could not renew the lake's lease", metadata: ["error": "\(error)"])
                    if await self.lost { return }
                }
            }
        }
    }

    /// Throws `lease_lost` (temporary: exit 75) when this run no longer holds the lease: a renewal found it taken,
    /// or it is about to expire (the run stalled: a suspended machine, a stopped process) and another run has taken
    /// it since. A lease still this run's is renewed at once. Called before every manifest swap, so a run that lost
    /// its lease writes no manifest, whichever run swaps first.
    package func ensureHeld() async throws {
        if lost { throw Self.lostError(lakeName) }
        guard now() > holder.expires - 10 else { return }
        try await renew()
    }

    static func lostError(_ lakeName: String) -> PipelineError {
        PipelineError(
            stage: .run, category: .temporary, code: "lease_lost",
            message:
                "the lock on \(lakeName) was taken over by another run (this run's lease had expired: it stalled); stopping without recording anything more")
    }

    /// Whether the lease is still this run's (one HEAD).
    package func isHeld() async -> Bool {
        guard !lost, let current = try? await store.head(Self.key) else { return false }
        return current.etag == etag
    }

    /// Stops renewing and deletes the lease if it is still this run's (a lease another run took over stays).
    package func release() async {
        renewer?.cancel()
        renewer = nil
        guard let current = try? await store.head(Self.key), current.etag == etag else { return }
        try? await store.delete(Self.key)
    }

    /// This process's pid space: `<kernel boot id>/<pid namespace>` (Linux), empty when either is unknown.
    static func pidSpace() -> String {
        guard let bytes = try? FileSystem.read("/proc/sys/kernel/random/boot_id") else { return "" }
        let boot = String(decoding: bytes, as: UTF8.self).trimmingASCIIWhitespaceAndNewlines()
        guard !boot.isEmpty else { return "" }
        var buffer = [CChar](repeating: 0, count: 128)
        let n = readlink("/proc/self/ns/pid", &buffer, buffer.count - 1)
        guard n > 0 else { return "" }
        return boot + "/" + String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The lock a run holds on its lake: an `flock` on a local lake (the kernel frees it when the process dies), a
/// lease object in object storage.
package enum RunLock {
    case local(DirectoryLock)
    case lease(LakeLease)

    /// Takes the lake's lock for run `runID`, or throws a temporary error naming the holder.
    static func acquire(_ lake: LakeLayout, runID: String, now: @escaping @Sendable () -> Double, logger: Logger)
        async throws -> RunLock
    {
        if let lock = try lake.store.lockForProcess() { return .local(lock) }
        let lease = try await withStoreErrors(nil, stage: .run) {
            try await LakeLease.acquire(store: lake.store, lakeName: lake.root, runID: runID, now: now)
        }
        await lease.startRenewing(logger: logger)
        return .lease(lease)
    }

    /// Throws `lease_lost` when the lock is no longer this run's (see `LakeLease.ensureHeld`); an `flock` always is.
    func ensureHeld() async throws {
        if case .lease(let lease) = self { try await lease.ensureHeld() }
    }

    /// Whether the lock is still this run's: an `flock` always is; a lease may have been taken over.
    func isHeld() async -> Bool {
        switch self {
        case .local: return true
        case .lease(let lease): return await lease.isHeld()
        }
    }

    /// Frees the lock.
    package func release() async {
        switch self {
        case .local(let lock): withExtendedLifetime(lock) {}
        case .lease(let lease): await lease.release()
        }
    }
}

extension RunLock {
    /// A run holding a lake's lock, as `status` shows it.
    package struct Holder: Sendable, Equatable {
        /// The holder's process id (nil when the lock file holds none).
        package var pid: Int?
        /// The holder's host (leases only: an flock is always on this machine).
        package var host: String?
        /// When it took the lock (flock: the lock file's mtime), Unix seconds.
        package var since: Double?
        /// When its lease expires unless renewed (leases only), Unix seconds.
        package var until: Double?

        /// `pid 42 holds the lock since …` / `pid 42 on host-a holds the lease until …`.
        package var text: String {
            let who = "pid \(pid.map(String.init) ?? "?")" + (host.map { " on \($0)" } ?? "")
            if let until { return "\(who) holds the lease until \(isoSeconds(until))" }
            return "\(who) holds the lock" + (since.map { " since \(isoSeconds($0))" } ?? "")
        }
    }

    /// The run holding the lake's lock now; nil when none does (an expired lease counts as none). Reads only.
    package static func holder(_ lake: LakeLayout, now: Double) async -> Holder? {
        if let held = lake.store.processLockHolder() {
            return Holder(pid: Int(held.pid), host: nil, since: held.since, until: nil)
        }
        guard let found = try? await lake.store.get(LakeLease.key) else { return nil }
        let lease = LakeLease.Holder(bytes: found.bytes)
        guard lease.expires >= now, !lease.isDeadHere else { return nil }
        return Holder(pid: lease.pid, host: lease.host, since: nil, until: lease.expires)
    }
}
