import Foundation
@testable import KB4EventsAPI
import Testing

@testable import KB4EventsCore
@testable import KB4EventsPipeline

@Suite struct PipelineConfigurationTests {
    func parse(_ yaml: String) throws(ConfigurationError) -> PipelineConfiguration {
        try PipelineConfiguration.parse(yaml: yaml, file: "p.yaml")
    }

    @Test func readsEveryKey() throws {
        let c = try parse(
            """
            version: 1
            source:
              region: eu
              api_key_env: MY_KEY
              seats: 250
              requests_per_second: 3.5
              page_order: id
            window:
              start_date: 2026-01-01   # comment
              lookback_days: 5
            output:
              dir: /tmp/lake
              format: csv
              compression_level: 9
              parquet_compression: gzip
              keep_raw: true
            """)
        #expect(c.region == .eu)
        #expect(c.apiKeyEnv == "MY_KEY")
        #expect(c.seats == 250)
        #expect(c.requestsPerSecond == 3.5)
        #expect(c.pageOrder == .id)
        #expect(c.startDate?.description == "2026-01-01")
        #expect(c.lookbackDays == 5)
        #expect(c.outputDir == "/tmp/lake")
        #expect(c.format == .csv)
        #expect(c.compressionLevel == 9)
        #expect(c.parquetCodec == .gzip)
        #expect(c.keepRaw == true)
    }

    @Test func simulatorSource() throws {
        let c = try parse("version: 1\nsource:\n  simulator:\n    seed: 9\n    events: 50\n    days: 3\n")
        guard case .simulator(let sim) = c.source else {
            Issue.record("expected a simulator source")
            return
        }
        #expect(sim.seed == 9 && sim.events == 50 && sim.days == 3)
        let scalar = try parse("version: 1\nsource: simulator\n")
        #expect(scalar.source == .simulator(.init()))
    }

    @Test(arguments: [
        ("version: 1\nsource:\n  regoin: us\n", "source.regoin"),
        ("version: 2\n", "version"),
        ("source:\n  region: us\n", "version"),
        ("version: 1\nsource:\n  region: mars\n", "source.region"),
        ("version: 1\nsource:\n  seats: many\n", "source.seats"),
        ("version: 1\nsource:\n  page_order: newest\n", "source.page_order"),
        ("version: 1\nsource:\n  base_url: http://example.com\n", "source.base_url"),
        ("version: 1\nwindow:\n  start_date: 2026-02-30\n", "window.start_date"),
        ("version: 1\nwindow:\n  lookback_days: -1\n", "window.lookback_days"),
        ("version: 1\noutput:\n  format: orc\n", "output.format"),
        ("version: 1\noutput:\n  compression_level: 11\n", "output.compression_level"),
        ("version: 1\noutput:\n  parquet_compression: snappy\n", "output.parquet_compression"),
        ("version: 1\nextra: 1\n", "extra"),
        ("version: 1\nsource:\n  simulator:\n    sed: 1\n", "source.simulator.sed"),
        ("version: 1\nsource:\n  region: us\n  simulator: {}\n", "source"),
    ])
    func errorsNameTheKeyPath(yaml: String, keyPath: String) {
        do {
            _ = try parse(yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.keyPath == keyPath)
            #expect(error.description.contains("p.yaml"))
        }
    }

    @Test func flagsOverrideTheFile() throws {
        let file = try parse("version: 1\nsource:\n  region: eu\noutput:\n  dir: /a\n  format: csv\n")
        var flags = Overrides()
        flags.outputDir = "/b"
        flags.format = .ndjson
        flags.region = .de
        let r = try ResolvedPipeline.resolve(file: file, flags: flags, fileName: "p.yaml", toolVersion: "t")
        #expect(r.export.lake.root == "/b")
        #expect(r.export.format == .ndjson)
        guard case .api(let url) = r.source else {
            Issue.record("expected api source")
            return
        }
        #expect(url.description == "https://api-de.events.knowbe4.com")
    }

    @Test func missingOutputDirIsNamed() throws {
        #expect(throws: ConfigurationError.self) {
            _ = try ResolvedPipeline.resolve(
                file: PipelineConfiguration(), flags: Overrides(), fileName: nil, toolVersion: "t")
        }
    }

    @Test func shippedPipelinesParse() throws {
        let root = packageRoot()
        for name in ["demo.yaml", "nightly.yaml"] {
            _ = try PipelineConfiguration.load(path: root + "/pipelines/" + name)
        }
    }
}

/// The repository root, found from this file's path.
func packageRoot(_ file: String = #filePath) -> String {
    var parts = file.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}

/// `source.ca_bundle` and `output.s3.ca_bundle`: extra CA certificates for the API and the store (issue 19).
@Suite struct CABundleKeyTests {
    @Test func bothKeysAreReadAndReachTheSettings() throws {
        let bundle = FileManager.default.temporaryDirectory.appendingPathComponent("kb4-ca-\(UUID().uuidString).pem").path
        try "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n".write(toFile: bundle, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: bundle) }
        let c = try PipelineConfiguration.parse(
            yaml: """
                version: 1
                source:
                  base_url: https://api.example.test
                  ca_bundle: \(bundle)
                output:
                  dir: s3://kb4-lake/events
                  s3:
                    endpoint: https://store.example.test
                    ca_bundle: \(bundle)
                """, file: "p.yaml")
        #expect(c.caBundle == bundle)
        #expect(c.outputS3?.caBundle == bundle)
        let resolved = try ResolvedPipeline.resolve(file: c, flags: Overrides(), fileName: "p.yaml", toolVersion: "t")
        #expect(resolved.caBundle == bundle)
    }

    @Test(arguments: ["source", "output.s3"]) func aMissingBundleIsAConfigurationErrorNamingTheKeyAndPath(key: String) {
        let missing = "/nonexistent/kb4-ca-\(UUID().uuidString).pem"
        let yaml =
            key == "source"
            ? "version: 1\nsource:\n  ca_bundle: \(missing)\n"
            : "version: 1\noutput:\n  dir: s3://kb4-lake/x\n  s3:\n    ca_bundle: \(missing)\n"
        do {
            _ = try PipelineConfiguration.parse(yaml: yaml, file: "p.yaml")
            Issue.record("a missing CA bundle is accepted")
        } catch {
            #expect(error.keyPath == "\(key).ca_bundle")
            #expect(error.category == .configuration)
            #expect(error.description.contains(missing), "\(error)")
        }
    }
}

/// `output.s3.multipart_threshold_mib` and `output.s3.part_size_mib`: when and in what pieces a file goes up in parts.
@Suite struct MultipartKeyTests {
    @Test func bothKeysAreReadInMiB() throws {
        let c = try PipelineConfiguration.parse(
            yaml: """
                version: 1
                output:
                  dir: s3://kb4-lake/events
                  s3:
                    multipart_threshold_mib: 64
                    part_size_mib: 5
                """, file: "p.yaml")
        #expect(c.outputS3?.multipartThresholdMiB == 64)
        #expect(c.outputS3?.partSizeMiB == 5)
    }

    @Test(arguments: [
        ("part_size_mib", "4"), ("multipart_threshold_mib", "513"), ("part_size_mib", "8MB"),
        ("multipart_threshold_mib", "5"),  // below the default part size, 8
    ])
    func aSizeS3DoesNotTakeIsAnErrorNamingTheKey(key: String, value: String) {
        do {
            _ = try PipelineConfiguration.parse(
                yaml: "version: 1\noutput:\n  dir: s3://kb4-lake/x\n  s3:\n    \(key): \(value)\n", file: "p.yaml")
            Issue.record("\(key): \(value) is accepted")
        } catch {
            #expect(error.keyPath == "output.s3.\(key)")
            #expect(error.category == .configuration)
        }
    }
}
