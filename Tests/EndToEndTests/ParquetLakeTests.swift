import Foundation
import KB4EventsTestSupport
import Testing

/// The Python readers of these tests (`Tests/EndToEndTests/Python`), run with `TestPython`'s environment.
enum ReaderScript {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Python")
        .path

    /// Runs `script` and returns its stdout parsed as one JSON object.
    static func run(_ script: String, _ arguments: [String]) async throws -> [String: Any] {
        let python = try #require(TestPython.path, "\(TestPython.missing("the Parquet reader tests need pyarrow and duckdb"))")
        let result = try await BuiltBinary.run(
            [directory + "/" + script] + arguments, environment: ProcessInfo.processInfo.environment,
            executable: python)
        try #require(result.status == 0, "\(script): \(result.stderr)")
        return try #require(try result.json() as? [String: Any], "\(script) printed \(result.stdout)")
    }
}

/// `--format parquet` through the built binary on the demo simulator, against the NDJSON lake of the same data.
@Suite(.serialized, .enabled(if: TestPython.enabled, "needs .build-venv with pyarrow and duckdb (required in CI)"))
struct ParquetLakeTests {
    let cli = CommandTests()
    let demo = CommandTests.root + "/pipelines/demo.yaml"
    let today = "2026-11-22"

    /// The data files (and markers) of a lake's partitions, by path.
    func dataFiles(_ lake: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for path in try FileManager.default.subpathsOfDirectory(atPath: lake + "/events")
        where path.hasSuffix(".gz") || path.hasSuffix(".parquet") || path.hasSuffix("_SUCCESS") {
            result[path] = try Data(contentsOf: URL(fileURLWithPath: lake + "/events/" + path))
        }
        return result
    }

    /// Spark reads the lake (`scripts/spark_read_lake.py`: `spark.read.parquet`, every column's type, rows per day
    /// against the manifest) where a pyspark environment is set up (`.ci/run` sets one up); skipped loudly
    /// elsewhere, failed in CI.
    func checkWithSpark(_ lake: String, rows: Int?, days: Int) async throws {
        guard let python = TestSpark.path else {
            #expect(!TestPython.isCI, "CI=true but no pyspark: set KB4_EVENTS_SPARK_PYTHON or make .build-spark-venv (.ci/run does)")
            print("note: no pyspark (KB4_EVENTS_SPARK_PYTHON or .build-spark-venv): the Spark reader check is skipped")
            return
        }
        let spark = try await BuiltBinary.run(
            [CommandTests.root + "/scripts/spark_read_lake.py", lake], environment: ProcessInfo.processInfo.environment,
            executable: python)
        #expect(spark.status == 0, "\(spark.stdout)\(spark.stderr.suffix(3000))")
        let line = spark.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let read = try #require(
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "Spark printed \(spark.stdout)")
        #expect(read["spark"] as? String == "4.3.0")
        #expect(read["rows"] as? Int == rows && read["days"] as? Int == days, "\(read)")
    }

    func backfill(_ lake: String, _ format: String, _ extra: [String] = []) async throws -> CommandResult {
        try await cli.run(
            [
                "backfill", "--pipeline", demo, "--out", lake, "--today", today, "--from", "2026-11-05", "--to",
                "2026-11-21", "--format", format, "--keep-raw",
            ] + extra)
    }

    @Test func parquetLakeHoldsTheNDJSONLakesRowsRerunsIdenticallyAndRebuildsBothWays() async throws {
        let dir = try cli.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ndjson = dir + "/ndjson"
        let parquet = dir + "/parquet"
        let n = try await backfill(ndjson, "ndjson")
        #expect(n.status == 0, "\(n.stderr)")
        let p = try await backfill(parquet, "parquet")
        #expect(p.status == 0, "\(p.stderr)")
        #expect(p.stdout.contains("days written 17"), "\(p.stdout)")
        let files = try dataFiles(parquet)
        #expect(files.keys.filter { $0.hasSuffix(".parquet") }.count == 17)
        #expect(files["dt=2026-11-21/part-00000.parquet"] != nil)
        #expect(!files.keys.contains { $0.hasSuffix(".gz") })

        // pyarrow: schema, types, statistics and every value; DuckDB: the same rows as the NDJSON lake.
        let report = try await ReaderScript.run("compare_lakes.py", [ndjson, parquet])
        #expect(report["days"] as? Int == 17)
        #expect(report["codecs"] as? [String] == ["ZSTD"], "ZSTD pages by default: \(report)")
        let manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ndjson + "/_manifest.json")))
                as? [String: Any])
        let windows = try #require(manifest["windows"] as? [String: [String: Any]])
        let empty = windows.values.filter { $0["events"] as? Int == 0 }.count
        #expect(empty > 0, "the days before the simulator's range are empty")
        #expect(report["empty_days"] as? Int == empty, "an empty day is a zero-row file every reader takes")
        #expect(report["rows"] as? Int == windows.values.reduce(0) { $0 + ($1["events"] as? Int ?? 0) })
        #expect((report["rows"] as? Int ?? 0) > 1_000)
        #expect(report["duckdb_rows"] as? Int == report["rows"] as? Int)
        let types = try #require(report["duckdb_types"] as? [String: String])
        #expect(types["occurred_date"] == "TIMESTAMP WITH TIME ZONE" && types["risk__expire_date"] == "DATE")
        #expect(types["dt"] == "DATE" && types["metadata"] == "JSON" && types["user__archived"] == "BOOLEAN")

        let verify = try await cli.run(["verify", "--out", parquet])
        #expect(verify.status == 0 && verify.stdout == "verified 17 files, 0 problems\n", "\(verify.stdout)\(verify.stderr)")

        // One hour of the busiest day, filtered on occurred_date alone: the statistics leave every other day's row
        // group out (one per day at the demo's size), and pyarrow and DuckDB still find every matching row.
        let skipping = try await ReaderScript.run("row_group_skipping.py", [parquet])
        #expect(skipping["rows"] as? Int == report["rows"] as? Int)
        #expect(skipping["row_groups"] as? Int == 17 - empty, "\(skipping)")
        #expect(skipping["kept"] as? Int == 1, "\(skipping)")
        let matching = try #require(skipping["matching"] as? Int)
        #expect(matching > 0, "\(skipping)")
        #expect(skipping["pyarrow_matching"] as? Int == matching && skipping["duckdb_matching"] as? Int == matching)

        try await checkWithSpark(parquet, rows: report["rows"] as? Int, days: 17 - empty)

        // A rerun of every day writes nothing: the same pages give the same bytes.
        let again = try await backfill(parquet, "parquet", ["--force"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("days written 0, unchanged 17"), "\(again.stdout)")
        #expect(try dataFiles(parquet) == files)

        // `output.parquet_compression: gzip`. On the ZSTD lake nothing is rewritten: the days' pages before
        // compression are the same (the manifest's `content_sha256`), as another gzip level leaves a text lake alone.
        let gzipPipeline = dir + "/gzip.yaml"
        try (try String(contentsOfFile: demo, encoding: .utf8)).replacingOccurrences(
            of: "  format: ndjson", with: "  parquet_compression: gzip\n  format: ndjson"
        ).write(toFile: gzipPipeline, atomically: true, encoding: .utf8)
        func backfillGzip(_ lake: String) async throws -> CommandResult {
            try await cli.run(
                [
                    "backfill", "--pipeline", gzipPipeline, "--out", lake, "--today", today, "--from", "2026-11-05",
                    "--to", "2026-11-21", "--format", "parquet", "--keep-raw", "--force",
                ])
        }
        let onZstd = try await backfillGzip(parquet)
        #expect(onZstd.status == 0, "\(onZstd.stderr)")
        #expect(onZstd.stdout.contains("days written 0, unchanged 17"), "\(onZstd.stdout)")
        #expect(try dataFiles(parquet) == files)
        // A new lake with it has GZIP pages, the same rows, and per day the same content_sha256 as the ZSTD lake
        // but other bytes.
        let gzipLake = dir + "/gzip"
        let asGzip = try await backfillGzip(gzipLake)
        #expect(asGzip.status == 0, "\(asGzip.stderr)")
        let gzipReport = try await ReaderScript.run("compare_lakes.py", [ndjson, gzipLake])
        #expect(gzipReport["codecs"] as? [String] == ["GZIP"], "\(gzipReport)")
        #expect(gzipReport["rows"] as? Int == report["rows"] as? Int)
        func fileEntries(_ lake: String) throws -> [String: [String: Any]] {
            let m = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: lake + "/_manifest.json")))
            let days = try #require((m as? [String: Any])?["windows"] as? [String: [String: Any]])
            return try days.mapValues { try #require(($0["files"] as? [[String: Any]])?.first) }
        }
        let zstdEntries = try fileEntries(parquet), gzipEntries = try fileEntries(gzipLake)
        #expect(zstdEntries.count == 17 && gzipEntries.count == 17)
        for (day, entry) in zstdEntries {
            let other = try #require(gzipEntries[day])
            let content = try #require(entry["content_sha256"] as? String, "\(day): \(entry)")
            #expect(content.count == 64 && other["content_sha256"] as? String == content, "\(day)")
            if (entry["rows"] as? Int ?? 0) > 0 { #expect(entry["sha256"] as? String != other["sha256"] as? String) }
        }
        // A lake from before content_sha256 (an older manifest) whose days were GZIP: the first run with the ZSTD
        // default rewrites each day with rows once (nothing tells it that the content is the same), and records it;
        // from then on a codec switch changes nothing.
        var old = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: gzipLake + "/_manifest.json")))
                as? [String: Any])
        var oldWindows = try #require(old["windows"] as? [String: [String: Any]])
        for (day, var window) in oldWindows {
            var files = try #require(window["files"] as? [[String: Any]])
            files[0].removeValue(forKey: "content_sha256")
            window["files"] = files
            oldWindows[day] = window
        }
        old["windows"] = oldWindows
        try JSONSerialization.data(withJSONObject: old).write(to: URL(fileURLWithPath: gzipLake + "/_manifest.json"))
        let upgraded = try await backfill(gzipLake, "parquet", ["--force"])
        #expect(upgraded.status == 0, "\(upgraded.stderr)")
        #expect(upgraded.stdout.contains("days written \(17 - empty), unchanged \(empty)"), "\(upgraded.stdout)")
        #expect(try dataFiles(gzipLake) == files, "the ZSTD lake's bytes")
        let switchedBack = try await backfillGzip(gzipLake)
        #expect(switchedBack.stdout.contains("days written 0, unchanged 17"), "\(switchedBack.stdout)")

        // Another format on the lake is refused, naming both.
        let mixed = try await backfill(parquet, "csv")
        #expect(mixed.status == 78)
        #expect(mixed.stderr.contains("holds parquet files") && mixed.stderr.contains("csv"), "\(mixed.stderr)")

        // rebuild from the kept raw pages, both ways: byte-identical to the direct exports.
        let toNDJSON = try await cli.run(["rebuild", "--out", parquet, "--format", "ndjson"])
        #expect(toNDJSON.status == 0, "\(toNDJSON.stderr)")
        #expect(try dataFiles(parquet) == (try dataFiles(ndjson)), "parquet → ndjson equals the direct NDJSON export")
        let back = try await cli.run(["rebuild", "--out", parquet, "--format", "parquet"])
        #expect(back.status == 0, "\(back.stderr)")
        #expect(try dataFiles(parquet) == files, "ndjson → parquet equals the direct Parquet export")
        #expect(try await cli.run(["verify", "--out", parquet]).status == 0)

        // ddl: DuckDB's read_parquet view over the lake.
        let ddl = try await cli.run(["ddl", "--engine", "duckdb", "--out", parquet])
        #expect(ddl.stdout.contains("read_parquet('\(parquet)/events/*/*.parquet',"), "\(ddl.stdout)")
        #expect(ddl.stdout.contains("hive_partitioning = true"))

        // verify catches a truncated file and a flipped byte in the footer.
        let victim = "events/dt=2026-11-20/part-00000.parquet"
        let url = URL(fileURLWithPath: parquet + "/" + victim)
        let whole = try Data(contentsOf: url)
        try whole.prefix(whole.count - 100).write(to: url)
        let truncated = try await cli.run(["verify", "--out", parquet])
        #expect(truncated.status == 65)
        #expect(truncated.stdout.contains(victim + ": corrupt_parquet"), "\(truncated.stdout)")
        #expect(truncated.stdout.contains(victim + ": size_mismatch"), "\(truncated.stdout)")
        var footer = Array(whole)
        footer[footer.count - 5] ^= 0xFF  // the footer length's top byte: the length no longer fits
        try Data(footer).write(to: url)
        let damaged = try await cli.run(["verify", "--out", parquet])
        #expect(damaged.status == 65)
        #expect(damaged.stdout.contains(victim + ": corrupt_parquet"), "\(damaged.stdout)")
        #expect(damaged.stdout.contains(victim + ": checksum_mismatch"), "\(damaged.stdout)")
    }
}
