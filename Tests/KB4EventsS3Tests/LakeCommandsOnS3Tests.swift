@testable import KB4EventsCore
import Foundation
import KB4EventsTestSupport
import Testing

/// The built `kb4-events` binary with its lake in S3 (moto in server mode, every request's signature checked): the
/// commands as an operator runs them, the lake read back by pyarrow (`Python/lake_reader.py`), compared with the same
/// commands on a local lake.
@Suite(.serialized, .enabled(if: PythonTools.motoEnabled)) struct LakeCommandsOnS3Tests {
    /// A role for web identity; each process of the test (`sync`, `verify`) assumes it through STS.
    static let webIdentity = Moto(mode: "webidentity", buckets: ["kb4-pod-cli"])
    /// The simulator's last day is yesterday of this date; fixed so both lakes of a test hold the same days.
    static let today = "2026-11-20"

    typealias Result = CommandResult

    /// The environment of a run: moto's user (or `secret`), no other AWS setting of this machine, no instance metadata.
    static func environment(_ server: Moto.Server, secret: String? = nil, home: String) -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") && $0.key != "KB4_EVENTS_API_KEY" }
        env["HOME"] = home
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        env["AWS_ACCESS_KEY_ID"] = server.accessKey
        env["AWS_SECRET_ACCESS_KEY"] = secret ?? server.secret
        return env
    }

    /// Starts the built binary with exactly `env` (`finish` collects it).
    static func start(_ args: [String], env: [String: String]) throws -> BuiltBinary.Running {
        try BuiltBinary.start(args, environment: env)
    }

    static func finish(_ running: BuiltBinary.Running) async -> Result { await BuiltBinary.finished(running) }

    @discardableResult
    static func kb4(_ args: [String], env: [String: String]) async throws -> Result {
        try await BuiltBinary.run(args, environment: env)
    }

    /// A lake in S3 and its twin on disk, fed by the same embedded simulator.
    struct Lakes {
        let server: Moto.Server
        let dir: String
        let bucket: String
        let prefix: String
        var url: String { "s3://\(bucket)/\(prefix)" }
        var local: String { dir + "/local-lake" }
        var env: [String: String] { LakeCommandsOnS3Tests.environment(server, home: dir) }

        init(_ name: String, server: Moto.Server, bucket: String = "kb4-lake") throws {
            self.server = server
            self.bucket = bucket
            prefix = uniquePrefix(name)
            dir = NSTemporaryDirectory() + "kb4-s3cli-\(prefix)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }

        /// Writes `pipeline.yaml` for the S3 lake; `--out` points a command at the local twin instead.
        func pipeline(
            format: String = "ndjson", keepRaw: Bool = false, latencyMs: Int = 0, events: Int = 900, days: Int = 8,
            maxInFlight: Int = 8
        ) throws -> String {
            let path = dir + "/pipeline.yaml"
            let text = """
                version: 1
                source:
                  simulator:
                    seed: 23
                    events: \(events)
                    days: \(days)
                    requests_per_second: 0
                    latency_ms: \(latencyMs)
                  requests_per_second: 200
                  max_in_flight: \(maxInFlight)
                window:
                  lookback_days: 2
                output:
                  dir: \(url)
                  format: \(format)
                  keep_raw: \(keepRaw)
                  s3:
                    endpoint: \(server.endpoint)
                    region: us-east-1

                """
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        /// `lake_reader.py` on this lake.
        func reader(_ args: [String], input: [UInt8] = []) throws -> [UInt8] {
            try PythonTools.run(
                PythonTools.motoPython!,
                [PythonTools.directory + "/lake_reader.py", server.endpoint, "\(bucket)/\(prefix)"] + args, input: input,
                environment: ["AWS_ACCESS_KEY_ID": server.accessKey, "AWS_SECRET_ACCESS_KEY": server.secret])
        }

        func readerJSON(_ args: [String], input: [UInt8] = []) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(try reader(args, input: input))) as? [String: Any] ?? [:]
        }

        /// The keys of the incomplete multipart uploads under the lake's prefix (botocore).
        func uploads() throws -> [String] { try readerJSON(["uploads"])["uploads"] as? [String] ?? [] }

        /// Key → (sha256, mtime) of every object.
        func objects() throws -> [String: (sha256: String, mtime: Int)] {
            try readerJSON(["objects"]).mapValues { value in
                let o = value as! [String: Any]
                return (o["sha256"] as! String, (o["mtime_ns"] as! NSNumber).intValue)
            }
        }

        /// The local twin's manifest: data path → sha256.
        func localFiles() throws -> [String: String] {
            let data = try Data(contentsOf: URL(fileURLWithPath: local + "/_manifest.json"))
            let manifest = try JSONSerialization.jsonObject(with: data) as! [String: Any]
            var files: [String: String] = [:]
            for (_, window) in manifest["windows"] as! [String: Any] {
                for file in (window as! [String: Any])["files"] as! [[String: Any]] {
                    files[file["path"] as! String] = (file["sha256"] as! String)
                }
            }
            return files
        }

        /// The S3 lake holds exactly the local twin's data files, byte for byte, each day with its `_SUCCESS`.
        func expectSameDataAsLocal(_ sourceLocation: SourceLocation = #_sourceLocation) throws {
            let objects = try objects()
            let data = objects.filter {
                $0.key.hasPrefix("events/") && ($0.key.hasSuffix(".gz") || $0.key.hasSuffix(".parquet"))
            }.mapValues(\.sha256)
            let local = try localFiles()
            #expect(!local.isEmpty, sourceLocation: sourceLocation)
            #expect(data == local, "the same keys and bytes as on disk", sourceLocation: sourceLocation)
            for key in local.keys {
                let success = key.split(separator: "/").dropLast().joined(separator: "/") + "/_SUCCESS"
                #expect(objects[success] != nil, "\(success)", sourceLocation: sourceLocation)
            }
            #expect(objects[".kb4-events.lock"] == nil, "the lease is released", sourceLocation: sourceLocation)
            #expect(
                !objects.keys.contains { $0.contains("kb4tmp") || $0.contains(".kb4-work") }, "no scratch in the bucket",
                sourceLocation: sourceLocation)
        }

        /// pyarrow reads every complete day with the manifest's count, and the days hold events.
        func expectReaderCountsMatchManifest(format: String, _ sourceLocation: SourceLocation = #_sourceLocation) throws {
            let read = try readerJSON(["read", format])
            let days = read["days"] as! [String: Int]
            let manifest = read["manifest"] as! [String: Int]
            #expect(days == manifest, sourceLocation: sourceLocation)
            #expect(days.values.reduce(0, +) > 100, sourceLocation: sourceLocation)
            #expect((read["columns"] as! [String]).contains("dt"), "hive partitioning", sourceLocation: sourceLocation)
        }

        func cleanup() { try? FileManager.default.removeItem(atPath: dir) }
    }

    // MARK: - Tests

    @Test(arguments: ["ndjson", "csv", "parquet"]) func backfillAndSyncIntoS3GiveTheLocalLakesBytesAndReadBack(format: String) async throws {
        let lakes = try Lakes("cli-\(format)", server: try await Moto.main.server())
        defer { lakes.cleanup() }
        let pipeline = try lakes.pipeline(format: format)
        let today = Self.today
        for out in [["--out", lakes.local], []] {
            let backfill = try await Self.kb4(
                ["backfill", "--pipeline", pipeline, "--from", "2026-11-13", "--to", "2026-11-15", "--today", today, "--quiet"]
                    + out, env: lakes.env)
            #expect(backfill.status == 0, "\(backfill.stderr)")
            let sync = try await Self.kb4(["sync", "--pipeline", pipeline, "--today", today, "--quiet"] + out, env: lakes.env)
            #expect(sync.status == 0, "\(sync.stderr)")
        }
        try lakes.expectSameDataAsLocal()
        try lakes.expectReaderCountsMatchManifest(format: format)
        let manifest = try lakes.reader(["get", "_manifest.json"])
        let localManifest = try Data(contentsOf: URL(fileURLWithPath: lakes.local + "/_manifest.json"))
        #expect(String(decoding: manifest, as: UTF8.self).contains("\"format\": \"\(format)\""))
        #expect(manifest.count > 500 && localManifest.count > 500)

        // The read-only commands on the S3 lake.
        let verify = try await Self.kb4(["verify", "--pipeline", pipeline], env: lakes.env)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("verified 7 files, 0 problems"))
        let status = try await Self.kb4(["status", "--pipeline", pipeline, "--today", today, "--output", "json"], env: lakes.env)
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.object["lake"] as? String == lakes.url)
        #expect(((status.object["last_run"] as? [String: Any])?["outcome"] as? String) == "success")
        let plan = try await Self.kb4(["plan", "--pipeline", pipeline, "--today", today, "--output", "json"], env: lakes.env)
        #expect(plan.status == 0, "\(plan.stderr)")
        let ddl = try await Self.kb4(["ddl", "--pipeline", pipeline, "--engine", "athena"], env: lakes.env)
        #expect(ddl.status == 0, "\(ddl.stderr)")
        #expect(ddl.stdout.contains("\(lakes.url)/events/"), "Athena reads the lake where it is")
        if format == "parquet" { try await expectDuckDBReadsTheBucketAsTheTwin(lakes, pipeline: pipeline) }

        // A rerun re-checks the lookback days and writes no data object.
        let before = try lakes.objects()
        try await Task.sleep(for: .milliseconds(1100))  // object times have a second's resolution
        let again = try await Self.kb4(
            ["sync", "--pipeline", pipeline, "--today", today, "--quiet", "--output", "json"], env: lakes.env)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.object["days_written"] as? Int == 0)
        #expect(again.object["days_unchanged"] as? Int == 2)
        let after = try lakes.objects()
        for (key, object) in before where !key.hasPrefix("_") {
            #expect(after[key]?.mtime == object.mtime && after[key]?.sha256 == object.sha256, "\(key) untouched")
        }
        let calls = String(decoding: try lakes.reader(["get", "_state/calls.json"]), as: UTF8.self)
        #expect(calls.contains("\"\(today)\""), "the call ledger lives in the bucket: \(calls)")
    }

    /// DuckDB's httpfs runs `ddl --engine duckdb`'s view of the bucket (moto checks every request's signature): the
    /// manifest's rows per day, the types the files declare, and the same aggregates as the view of the twin on disk.
    func expectDuckDBReadsTheBucketAsTheTwin(_ lakes: Lakes, pipeline: String) async throws {
        let remote = try await Self.kb4(["ddl", "--pipeline", pipeline, "--engine", "duckdb"], env: lakes.env)
        let local = try await Self.kb4(["ddl", "--pipeline", pipeline, "--engine", "duckdb", "--out", lakes.local], env: lakes.env)
        #expect(remote.status == 0 && local.status == 0, "\(remote.stderr)\(local.stderr)")
        #expect(remote.stdout.contains("read_parquet('\(lakes.url)/events/*/*.parquet'"), "\(remote.stdout)")
        let s3 = try lakes.readerJSON(["duckdb"], input: Array(remote.stdout.utf8))
        let disk = try JSONSerialization.jsonObject(
            with: Data(
                try PythonTools.run(
                    PythonTools.motoPython!, [PythonTools.directory + "/lake_reader.py", "local", "-", "duckdb"],
                    input: Array(local.stdout.utf8)))) as? [String: Any] ?? [:]
        #expect((s3["loaded"] as? [String])?.contains("httpfs") == true, "\(s3)")
        let manifest = try lakes.readerJSON(["read", "parquet"])["manifest"] as? [String: Int] ?? [:]
        #expect(s3["days"] as? [String: Int] == manifest.filter { $0.value > 0 }, "rows per day as recorded")
        #expect(s3["days"] as? [String: Int] == disk["days"] as? [String: Int])
        let aggregates = try #require(s3["aggregates"] as? [String])
        #expect(aggregates == disk["aggregates"] as? [String], "the same values from the bucket as from the disk")
        #expect(Int(aggregates[0]) == manifest.values.reduce(0, +), "distinct ids: every event once")
        let types = s3["types"] as? [String: String] ?? [:]
        #expect(types["occurred_date"] == "TIMESTAMP WITH TIME ZONE" && types["dt"] == "DATE", "\(types)")
        #expect(types["risk__expire_date"] == "DATE" && types["account_id"] == "BIGINT" && types["metadata"] == "JSON")
    }

    @Test func verifyNamesADamagedAndAMissingObjectAndBackfillForceRepairsThem() async throws {
        let lakes = try Lakes("cli-verify", server: try await Moto.main.server())
        defer { lakes.cleanup() }
        let pipeline = try lakes.pipeline()
        let sync = try await Self.kb4(["sync", "--pipeline", pipeline, "--today", Self.today, "--quiet"], env: lakes.env)
        #expect(sync.status == 0, "\(sync.stderr)")
        let damaged = "events/dt=2026-11-14/part-00000.ndjson.gz"
        let missing = "events/dt=2026-11-16/part-00000.ndjson.gz"
        var bytes = try lakes.reader(["get", damaged])
        bytes[bytes.count / 2] ^= 0xFF
        _ = try lakes.reader(["put", damaged], input: bytes)
        _ = try lakes.reader(["delete", missing])
        // A day a stopped run put but never recorded, and a stray file beside a recorded day.
        let unrecorded = "events/dt=2026-11-01/part-00000.ndjson.gz"
        let stray = "events/dt=2026-11-15/part-00000.csv.gz"
        _ = try lakes.reader(["put", unrecorded], input: bytes)
        _ = try lakes.reader(["put", stray], input: bytes)

        let verify = try await Self.kb4(["verify", "--pipeline", pipeline], env: lakes.env)
        #expect(verify.status == 65, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("\(damaged): checksum_mismatch"))
        #expect(verify.stdout.contains("\(missing): missing_file: listed in the manifest, not in the store"))
        #expect(verify.stdout.contains("repair: kb4-events backfill --pipeline \(pipeline) --from 2026-11-14 --to 2026-11-14 --force"))
        #expect(verify.stdout.contains("\(unrecorded): extra_file"))
        #expect(verify.stdout.contains("repair: kb4-events backfill --pipeline \(pipeline) --from 2026-11-01 --to 2026-11-01  (a run stopped"))
        #expect(verify.stdout.contains("repair: aws s3 rm \(lakes.url)/\(stray)"), "\(verify.stdout)")
        _ = try lakes.reader(["delete", stray])

        for day in ["2026-11-14", "2026-11-16", "2026-11-01"] {
            let repair = try await Self.kb4(
                ["backfill", "--pipeline", pipeline, "--from", day, "--to", day, "--force", "--today", Self.today, "--quiet"],
                env: lakes.env)
            #expect(repair.status == 0, "\(repair.stderr)")
        }
        let clean = try await Self.kb4(["verify", "--pipeline", pipeline], env: lakes.env)
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        try lakes.expectReaderCountsMatchManifest(format: "ndjson")
    }

    @Test func rebuildReadsTheRawObjectsAndSwitchesTheFormatWithNoAPICall() async throws {
        let lakes = try Lakes("cli-rebuild", server: try await Moto.main.server())
        defer { lakes.cleanup() }
        let pipeline = try lakes.pipeline(keepRaw: true)
        let sync = try await Self.kb4(["sync", "--pipeline", pipeline, "--today", Self.today, "--quiet"], env: lakes.env)
        #expect(sync.status == 0, "\(sync.stderr)")
        let ndjson = try lakes.readerJSON(["read", "ndjson"])
        #expect(try lakes.objects().keys.contains { $0.hasPrefix("_raw/dt=2026-11-15/page-") })

        let rebuild = try await Self.kb4(["rebuild", "--pipeline", pipeline, "--format", "csv"], env: lakes.env)
        #expect(rebuild.status == 0, "\(rebuild.stderr)")
        try lakes.expectReaderCountsMatchManifest(format: "csv")
        #expect((try lakes.readerJSON(["read", "csv"]))["days"] as! [String: Int] == ndjson["days"] as! [String: Int])
        let keys = try lakes.objects().keys
        #expect(!keys.contains { $0.hasSuffix(".ndjson.gz") }, "the other format's objects are removed")
        let verify = try await Self.kb4(["verify", "--pipeline", pipeline], env: lakes.env)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    @Test func aSecondRunIsRefusedNamingTheHolderAndAnExpiredLeaseIsTakenOver() async throws {
        let lakes = try Lakes("cli-lease", server: try await Moto.main.server())
        defer { lakes.cleanup() }
        // One request at a time, each answered after 1.5 s: the first run lasts long enough for `status` and a
        // second run to start even under the whole suite (with 500 ms it once ended first, at load average 10).
        let pipeline = try lakes.pipeline(latencyMs: 1500, maxInFlight: 1)
        let args = ["sync", "--pipeline", pipeline, "--today", Self.today, "--quiet"]

        // Two real runs at once: the second is turned away with 75, naming the first.
        let first = try Self.start(args, env: lakes.env)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, (try? lakes.reader(["get", ".kb4-events.lock"]))?.isEmpty != false {
            try await Task.sleep(for: .milliseconds(100))
        }
        let status = try await Self.kb4(["status", "--pipeline", pipeline, "--today", Self.today], env: lakes.env)
        let second = try await Self.kb4(args, env: lakes.env)
        #expect(first.process.isRunning, "the first run outlived the second (else this test proves nothing)")
        let firstResult = await Self.finish(first)
        #expect(firstResult.status == 0, "\(firstResult.stderr)")
        #expect(second.status == 75, "\(second.stderr)")
        #expect(second.stderr.contains("pid \(first.process.processIdentifier) on "), "\(second.stderr)")
        #expect(status.stdout.contains("run in progress: pid \(first.process.processIdentifier) on "), "\(status.stdout)")
        #expect(try lakes.objects()[".kb4-events.lock"] == nil, "released at the end")

        // A lease another machine holds (not expired) stops a run; once expired it is taken over.
        let now = Int(Date().timeIntervalSince1970)
        func lease(expires: Int) throws {
            let text = #"{"run_id":"r-other","host":"worker-7","pid":4242,"expires_unix":\#(expires)}"#
            _ = try lakes.reader(["put", ".kb4-events.lock"], input: Array(text.utf8))
        }
        try lease(expires: now + 600)
        let held = try await Self.kb4(args, env: lakes.env)
        #expect(held.status == 75)
        #expect(held.stderr.contains("pid 4242 on worker-7, run r-other"), "\(held.stderr)")
        try lease(expires: now - 1)
        let takeover = try await Self.kb4(args + ["--output", "json"], env: lakes.env)
        #expect(takeover.status == 0, "\(takeover.stderr)")
        #expect(try lakes.objects()[".kb4-events.lock"] == nil)
    }

    @Test func aRunKilledDuringItsUploadsIsFinishedExactlyByTheNext() async throws {
        let lakes = try Lakes("cli-kill", server: try await Moto.main.server())
        defer { lakes.cleanup() }
        let pipeline = try lakes.pipeline(latencyMs: 150, events: 3000, days: 12, maxInFlight: 1)
        let args = ["sync", "--pipeline", pipeline, "--today", Self.today, "--quiet"]
        let reference = try await Self.kb4(args + ["--out", lakes.local], env: lakes.env)
        #expect(reference.status == 0, "\(reference.stderr)")

        let run = try Self.start(args, env: lakes.env)
        let deadline = Date().addingTimeInterval(120)
        var written = 0
        while Date() < deadline && written < 3 {
            written = ((try? lakes.objects()) ?? [:]).keys.filter { $0.hasSuffix(".gz") }.count
            if written < 3 { try await Task.sleep(for: .milliseconds(50)) }
        }
        kill(run.process.processIdentifier, SIGKILL)
        let killed = await Self.finish(run)
        #expect(killed.status == 9 || killed.status == SIGKILL, "killed, not finished (\(killed.status))")
        #expect(written >= 3)

        // Its lease outlives it. Were it another machine's, the next run would be told who holds it and wait for
        // the lease to expire …
        let lease = String(decoding: try lakes.reader(["get", ".kb4-events.lock"]), as: UTF8.self)
        let elsewhere = lease.replacingOccurrences(
            of: #""host":"[^"]*""#, with: #""host":"worker-elsewhere""#, options: .regularExpression
        ).replacingOccurrences(of: #""pid_space":"[^"]*""#, with: #""pid_space":"another-boot/pid:[1]""#, options: .regularExpression)
        _ = try lakes.reader(["put", ".kb4-events.lock"], input: Array(elsewhere.utf8))
        let early = try await Self.kb4(args, env: lakes.env)
        #expect(early.status == 75)
        #expect(early.stderr.contains("pid \(run.process.processIdentifier) on worker-elsewhere"), "\(early.stderr)")
        // … but it is this machine's, and its process is gone: the next run takes it over at once and finishes the
        // lake exactly.
        _ = try lakes.reader(["put", ".kb4-events.lock"], input: Array(lease.utf8))
        let rerun = try await Self.kb4(args, env: lakes.env)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        try lakes.expectSameDataAsLocal()
        try lakes.expectReaderCountsMatchManifest(format: "ndjson")
    }

    /// SIGINT or SIGTERM mid-run (requests to the store in flight): the run stops at a safe point with 130/143,
    /// records itself as interrupted, releases its lease at once, and the next run finishes the lake.
    @Test(arguments: [SIGINT, SIGTERM]) func anInterruptedRunRecordsItselfAndReleasesItsLease(signal: Int32) async throws {
        let lakes = try Lakes("cli-signal", server: try await Moto.main.server())
        defer { lakes.cleanup() }
        let pipeline = try lakes.pipeline(latencyMs: 150, events: 3000, days: 12, maxInFlight: 1)
        let args = ["sync", "--pipeline", pipeline, "--today", Self.today, "--quiet"]
        let run = try Self.start(args, env: lakes.env)
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, ((try? lakes.objects()) ?? [:]).keys.filter({ $0.hasSuffix(".gz") }).count < 2 {
            try await Task.sleep(for: .milliseconds(50))
        }
        kill(run.process.processIdentifier, signal)
        let stopped = await Self.finish(run)
        #expect(stopped.status == 128 + signal, "\(stopped.status): \(stopped.stderr.suffix(2000))")
        let objects = try lakes.objects()
        #expect(objects[".kb4-events.lock"] == nil, "the lease is released")
        let record = String(decoding: try lakes.reader(["get", "_state/last_run.json"]), as: UTF8.self)
        #expect(record.contains("\"outcome\": \"interrupted\""), "\(record)")
        let rerun = try await Self.kb4(args, env: lakes.env)
        #expect(rerun.status == 0, "at once, no lease in the way: \(rerun.stderr)")
        try lakes.expectReaderCountsMatchManifest(format: "ndjson")
    }

    /// SIGINT or SIGTERM while a day's object crawls to the store (a proxy of the test's own lets 8 KiB/s through,
    /// so the upload would take over a minute): the upload is cancelled, not waited for, so the run stops by itself
    /// within 2 s (a watchdog kills it after 20 s, which fails the test), records itself as interrupted, releases its
    /// lease, leaves no incomplete multipart upload, and the next run (direct) finishes the lake exactly. With
    /// `multipart` the day's file is over 5 MiB and `output.s3` sends files over 5 MiB in 5 MiB parts: the signal
    /// comes while the multipart upload is open (moto lists it), and the run aborts it.
    @Test(arguments: [(SIGINT, false), (SIGTERM, false), (SIGTERM, true)])
    func aSignalDuringASlowUploadCancelsIt(signal: Int32, multipart: Bool) async throws {
        let server = try await Moto.main.server()
        let python = try #require(PythonTools.motoPython)
        let target = try #require(URL(string: server.endpoint))
        let lakes = try Lakes("cli-slow-\(signal)\(multipart ? "-mp" : "")", server: server)
        defer { lakes.cleanup() }
        let flag = lakes.dir + "/uploading"
        let (proxy, input, object) = try await startHelper(
            python: python,
            arguments: [
                PythonTools.directory + "/throttle_proxy.py", target.host!, String(target.port!), String(8 << 10), flag,
            ], name: "throttle-cli")
        defer { withExtendedLifetime((proxy, input)) {} }
        let proxied = try #require(object["endpoint"])
        let args = ["sync", "--pipeline", "", "--today", Self.today, "--quiet"]
        // The same lake, through the proxy.
        var direct = try lakes.pipeline(events: multipart ? 240_000 : 60000, days: multipart ? 2 : 4)
        if multipart {
            // The day synced gets about 76,000 events, at gzip level 1 (89 bytes each) a 6.7 MB file: two parts.
            let text = try String(contentsOfFile: direct, encoding: .utf8)
                .replacingOccurrences(of: "  keep_raw:", with: "  compression_level: 1\n  keep_raw:")
                + "    multipart_threshold_mib: 5\n    part_size_mib: 5\n"
            direct = lakes.dir + "/multipart.yaml"
            try text.write(toFile: direct, atomically: true, encoding: .utf8)
        }
        let throttled = lakes.dir + "/throttled.yaml"
        try String(contentsOfFile: direct, encoding: .utf8).replacingOccurrences(
            of: "endpoint: \(server.endpoint)", with: "endpoint: \(proxied)"
        ).write(toFile: throttled, atomically: true, encoding: .utf8)
        var runArgs = args
        runArgs[2] = throttled
        let run = try Self.start(runArgs, env: lakes.env)
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, !FileManager.default.fileExists(atPath: flag), run.process.isRunning {
            try await Task.sleep(for: .milliseconds(50))
        }
        try #require(FileManager.default.fileExists(atPath: flag), "an upload was under way")
        if multipart { #expect(try lakes.uploads().count == 1, "a multipart upload is open when the signal comes") }
        let signalled = Date()
        kill(run.process.processIdentifier, signal)
        let pid = run.process.processIdentifier
        let watchdog = Task.detached {
            try await Task.sleep(for: .seconds(20))
            kill(pid, SIGKILL)
        }
        let stopped = await BuiltBinary.finished(run)
        let took = Date().timeIntervalSince(signalled)
        watchdog.cancel()
        #expect(stopped.status == 128 + signal, "stopped by itself, not killed: \(stopped.status): \(stopped.stderr.suffix(2000))")
        #expect(took < 2, "stopped \(took) s after the signal")
        #expect(try lakes.uploads().isEmpty, "no incomplete multipart upload is left")
        let objects = try lakes.objects()
        #expect(objects[".kb4-events.lock"] == nil, "the lease is released")
        let record = String(decoding: try lakes.reader(["get", "_state/last_run.json"]), as: UTF8.self)
        #expect(record.contains("\"outcome\": \"interrupted\""), "\(record)")
        var rerunArgs = args
        rerunArgs[2] = direct
        let rerun = try await Self.kb4(rerunArgs, env: lakes.env)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let reference = try await Self.kb4(rerunArgs + ["--out", lakes.local], env: lakes.env)
        #expect(reference.status == 0, "\(reference.stderr)")
        try lakes.expectSameDataAsLocal()
        try lakes.expectReaderCountsMatchManifest(format: "ndjson")
    }

    @Test func aManifestChangedBehindTheRunsBackStopsItWithNothingLost() async throws {
        let lakes = try Lakes("cli-cas", server: try await Moto.main.server())
        defer { lakes.cleanup() }
        let pipeline = try lakes.pipeline(latencyMs: 300, events: 3000, days: 12, maxInFlight: 1)
        let first = try await Self.kb4(
            ["backfill", "--pipeline", pipeline, "--from", "2026-11-08", "--to", "2026-11-09", "--today", Self.today, "--quiet"],
            env: lakes.env)
        #expect(first.status == 0, "\(first.stderr)")
        let before = try lakes.objects().keys.filter { $0.hasSuffix(".gz") }.count

        let run = try Self.start(["sync", "--pipeline", pipeline, "--today", Self.today, "--quiet"], env: lakes.env)
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, ((try? lakes.objects()) ?? [:]).keys.filter({ $0.hasSuffix(".gz") }).count == before {
            try await Task.sleep(for: .milliseconds(50))
        }
        // Another writer (an operator's edit, a second tool) replaces the manifest while the run goes on.
        var manifest = try lakes.reader(["get", "_manifest.json"])
        manifest += Array("\n".utf8)
        _ = try lakes.reader(["put", "_manifest.json"], input: manifest)
        let stopped = await Self.finish(run)
        #expect(stopped.status == 75, "\(stopped.stderr)")
        #expect(stopped.stderr.contains("changed by another writer"), "\(stopped.stderr)")
        #expect(try lakes.reader(["get", "_manifest.json"]) == manifest, "the other writer's manifest is not overwritten")

        let rerun = try await Self.kb4(["sync", "--pipeline", pipeline, "--today", Self.today, "--quiet"], env: lakes.env)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let verify = try await Self.kb4(["verify", "--pipeline", pipeline], env: lakes.env)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        try lakes.expectReaderCountsMatchManifest(format: "ndjson")
    }

    @Test func aWrongSecretIsAConfigurationErrorNamingTheBucketAndCodeButNeverTheSecret() async throws {
        let server = try await Moto.main.server()
        let lakes = try Lakes("cli-secret", server: server)
        defer { lakes.cleanup() }
        let pipeline = try lakes.pipeline()
        let wrong = "wRoNgSeCrEt0123456789abcdefWRONGsecret00"
        let env = Self.environment(server, secret: wrong, home: lakes.dir)
        for args in [["sync", "--today", Self.today], ["status"], ["verify"]] {
            let result = try await Self.kb4(args + ["--pipeline", pipeline], env: env)
            #expect(result.status == 78, "\(args[0]): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains("SignatureDoesNotMatch"), "\(result.stderr)")
            #expect(result.stderr.contains("kb4-lake"), "names the bucket: \(result.stderr)")
            #expect(!result.stderr.contains(wrong) && !result.stderr.contains(server.secret))
            #expect(!result.stdout.contains(wrong))
        }
        #expect(try lakes.objects().isEmpty, "nothing written")
    }

    @Test func webIdentityCredentialsThroughSTSWriteTheLake() async throws {
        let server = try await Self.webIdentity.server()
        let lakes = try Lakes("cli-pod", server: server, bucket: "kb4-pod-cli")
        defer { lakes.cleanup() }
        let pipeline = try lakes.pipeline()
        let token = lakes.dir + "/token"
        try "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6a2I0In0.c2lnbmF0dXJl".write(
            toFile: token, atomically: true, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        env["HOME"] = lakes.dir
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        env["AWS_ROLE_ARN"] = server.roleARN
        env["AWS_WEB_IDENTITY_TOKEN_FILE"] = token
        env["AWS_ENDPOINT_URL"] = server.endpoint  // STS (and S3, overridden by output.s3.endpoint)
        env["AWS_REGION"] = "us-east-1"
        let sync = try await Self.kb4(["sync", "--pipeline", pipeline, "--today", Self.today, "--quiet", "--output", "json"], env: env)
        #expect(sync.status == 0, "\(sync.stderr)")
        #expect(sync.object["days_written"] as? Int == 7)
        let verify = try await Self.kb4(["verify", "--pipeline", pipeline], env: env)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("verified 7 files, 0 problems"))
    }
}

extension CommandResult {
    /// stdout as a JSON object (empty when it is not one).
    var object: [String: Any] { (try? json()) as? [String: Any] ?? [:] }
}
