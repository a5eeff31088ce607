import Foundation
import Testing

@testable import KB4EventsPipeline

/// The account a run's metrics and record are labelled with (issue 21): `--account`, the pipeline file's `name`, its
/// base name, the lake.
@Suite struct AccountNameTests {
    @Test(arguments: ["acme", "Acme-Corp_2", "eu.acme", "7", String(repeating: "a", count: 128)])
    func acceptsSafeNames(name: String) {
        #expect(AccountName.problem(name) == nil)
    }

    @Test(arguments: [
        "", "-acme", ".acme", "_acme", "ac me", "ac\"me", "ac\\me", "ac\nme", "acme/globex", "ac{me}", "äcme", "acme=1",
        String(repeating: "a", count: 129),
    ])
    func refusesUnsafeNames(name: String) {
        #expect(AccountName.problem(name) != nil, "\(name) accepted")
    }

    @Test(
        arguments: [
            // flag, name, pipeline file, lake → account
            ("globex", "acme", "/etc/kb4-events/initech.yaml", "/lake", "globex"),
            (nil, "acme", "/etc/kb4-events/initech.yaml", "/lake", "acme"),
            (nil, nil, "/etc/kb4-events/initech.yaml", "/lake", "initech"),
            (nil, nil, "initech.prod.yaml", nil, "initech.prod"),
            (nil, nil, "initech", nil, "initech"),
            (nil, nil, nil, "/var/lib/kb4-events/acme/", "acme"),
            (nil, nil, nil, "s3://bucket/accounts/acme/", "acme"),
            (nil, nil, nil, "s3://acme-lake", "acme-lake"),
            (nil, nil, nil, "/", "default"),
            (nil, nil, nil, nil, "default"),
        ] as [(String?, String?, String?, String?, String)])
    func theFirstSaidWins(flag: String?, name: String?, file: String?, lake: String?, expected: String) throws {
        let location = try lake.map { try LakeLocation($0) }
        #expect(AccountName.resolve(flag: flag, name: name, pipelineFile: file, lake: location) == expected)
    }

    @Test func aRelativeLakeIsNamedByItsDirectory() {
        let cwd = FileManager.default.currentDirectoryPath
        let base = URL(fileURLWithPath: cwd).lastPathComponent
        #expect(AccountName.resolve(flag: nil, name: nil, pipelineFile: nil, lake: .local(path: ".")) == base)
    }

    @Test func thePipelineFilesNameReachesTheSettingsAndTheFlagWins() throws {
        let file = try PipelineConfiguration.parse(
            yaml: "version: 1\nname: acme\noutput:\n  dir: /lake\n", file: "/etc/kb4-events/initech.yaml")
        #expect(file.name == "acme")
        let resolved = try ResolvedPipeline.resolve(
            file: file, flags: Overrides(), fileName: "/etc/kb4-events/initech.yaml", toolVersion: "t")
        #expect(resolved.account == "acme")
        var flags = Overrides()
        flags.account = "globex"
        let flagged = try ResolvedPipeline.resolve(file: file, flags: flags, fileName: "x.yaml", toolVersion: "t")
        #expect(flagged.account == "globex")
        let unnamed = try ResolvedPipeline.resolve(
            file: PipelineConfiguration.parse(
                yaml: "version: 1\noutput:\n  dir: s3://bucket/accounts/hooli\n", file: "-"),
            flags: Overrides(), fileName: nil, toolVersion: "t")
        #expect(unnamed.account == "hooli", "no file name: the lake's last segment")
    }

    @Test(arguments: ["name: \"\"", "name: ac me", "name: \"a\\\"b\"", "name: ~", "name: [a, b]", "name: -x"])
    func aBadNameIsAConfigurationErrorNamingTheFileAndKey(line: String) {
        do {
            _ = try PipelineConfiguration.parse(yaml: "version: 1\n\(line)\n", file: "/etc/kb4-events/acme.yaml")
            Issue.record("accepted: \(line)")
        } catch {
            #expect(error.keyPath == "name")
            #expect(error.category == .configuration)
            #expect(error.description.hasPrefix("/etc/kb4-events/acme.yaml: name"), "\(error)")
        }
    }
}
