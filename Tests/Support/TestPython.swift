package import Foundation

/// The virtual environment the tests' Python helpers run in (moto, botocore, pyarrow, duckdb): the one rule for
/// finding it, and for whether its tests run.
package enum TestPython {
    static let environment = ProcessInfo.processInfo.environment

    /// Whether this is CI (`CI=true`): there a missing environment fails the tests that need it, never skips them.
    package static var isCI: Bool { ["true", "1"].contains(environment["CI"]?.lowercased() ?? "") }

    /// `KB4_EVENTS_MOTO_PYTHON` (set by `.ci/run`), else the repository's `.build-venv` when it exists.
    package static var path: String? {
        if let set = environment["KB4_EVENTS_MOTO_PYTHON"], !set.isEmpty { return set }
        let local = BuiltBinary.root + "/.build-venv/bin/python"
        return FileManager.default.isExecutableFile(atPath: local) ? local : nil
    }

    /// Tests that need it run when it is there, and always in CI.
    package static var enabled: Bool { path != nil || isCI }

    /// Why a test cannot run in CI without it: `needs` says what for (e.g. "the S3 tests need moto >= 5.2.5").
    package static func missing(_ needs: String) -> String {
        "CI=true but KB4_EVENTS_MOTO_PYTHON is not set and .build-venv does not exist: \(needs) in a virtual environment (.ci/run creates it)"
    }
}

/// The Python with pyspark (Spark 4.3, which needs a Java 17) that reads Parquet lakes with `spark.read.parquet`:
/// `KB4_EVENTS_SPARK_PYTHON` (set by `.ci/run`), else the repository's `.build-spark-venv` when it exists. Kept apart
/// from `TestPython`'s environment: pyspark alone is a 450 MB install. As with moto, CI (`CI=true`) without it fails
/// the Spark check instead of skipping it.
package enum TestSpark {
    /// The interpreter, when there is one.
    package static var path: String? {
        if let set = TestPython.environment["KB4_EVENTS_SPARK_PYTHON"], !set.isEmpty { return set }
        let local = BuiltBinary.root + "/.build-spark-venv/bin/python"
        return FileManager.default.isExecutableFile(atPath: local) ? local : nil
    }
}
