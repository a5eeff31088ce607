import ArgumentParser
import Foundation
import KB4EventsPipeline

/// `kb4-events verify`: re-reads every data file and checks it against the manifest.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract:
            "Re-read every data file: gzip integrity, rows, size and sha256 vs the manifest, _SUCCESS, extra files.",
        discussion:
            "Prints each problem with its path, then `verified N files, M problems`. Exit 65 on any problem, 66 when there is no lake."
    )

    @OptionGroup var lake: LakeOptions

    func run() async throws {
        do {
            let layout = try lake.resolve().export.lake
            guard let manifest = try Manifest.load(from: layout.manifest) else {
                throw NoLake(root: layout.root).exit()
            }
            let report = try await LakeVerifier(layout: layout).verify(manifest)
            var text = ""
            for problem in report.problems { text += "\(problem)\n" }
            text += report.line + "\n"
            writeOut(text)
            if !report.problems.isEmpty { throw ExitCode(ExitStatus.data) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw ExitStatus.report(error)
        }
    }
}
