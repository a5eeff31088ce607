import ArgumentParser
import Foundation
import KB4EventsAPI
import KB4EventsPipeline
import KB4EventsCore

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
    @OptionGroup var output: TableOutputOptions

    func run() async throws {
        do {
            let layout = try lake.resolve().export.lake
            guard let manifest = try await Manifest.load(from: layout.store)?.manifest else {
                throw NoLake(root: layout.root)
            }
            // A run writing the lake now (or killed less than a lease ago) has objects the manifest does not list yet.
            if let holder = await RunLock.holder(layout, now: Date().timeIntervalSince1970) {
                ExitStatus.printWarning(
                    "a run holds the lake's lock (\(holder.text)): the days it is writing show as extra files until it records them; verify again when it has ended")
            }
            let report = try await LakeVerifier(layout: layout).verify(manifest)
            let target = lake.pipeline.map { "--pipeline \($0)" } ?? "--out \(layout.root)"
            var repairs: [String] = []
            for problem in report.problems {
                repairs.append(await Self.repair(problem, layout: layout, manifest: manifest, target: target))
            }
            if output.json(whenPiped: false) {
                var o = JSONObject()
                o.append("files_checked", .number(String(report.filesChecked)))
                o.append("rows", .number(String(report.rows)))
                o.append(
                    "problems",
                    .array(
                        zip(report.problems, repairs).map { problem, repair in
                            .object(
                                JSONObject([
                                    ("path", .string(problem.path)), ("kind", .string(problem.kind.rawValue)),
                                    ("detail", .string(problem.detail)), ("repair", .string(repair)),
                                ]))
                        }))
                writeOut(JSONValue.object(o).prettyText)
            } else {
                var text = ""
                for (problem, repair) in zip(report.problems, repairs) { text += "\(problem)\n  repair: \(repair)\n" }
                text += report.line + "\n"
                writeOut(text)
            }
            if !report.problems.isEmpty { throw ExitCode(ExitStatus.data) }
        } catch {
            throw ExitStatus.report(error)
        }
    }

    /// The command that repairs `problem`: `rebuild` when the day's raw pages were kept (no API call),
    /// else `backfill --force`; an extra file is removed by hand.
    static func repair(_ problem: LakeVerifier.Problem, layout: LakeLayout, manifest: Manifest, target: String) async
        -> String
    {
        let range = problem.path.range(of: "dt=")
        let day = range.flatMap { Day(String(problem.path[$0.upperBound...].prefix(10))) }
        if problem.kind == .extraFile {
            // A day the manifest does not record at all: a run stopped after putting it (the next sync or this
            // backfill records it). Beside a recorded day's file: a stray (another format, a copy) to remove.
            if let day, manifest.days[day] == nil, problem.path.split(separator: "/").last?.hasPrefix("part-") == true {
                return "kb4-events backfill \(target) --from \(day) --to \(day)  (a run stopped before recording this day)"
            }
            let remove = layout.location.isLocal ? "rm" : "aws s3 rm"
            return "\(remove) \(layout.root)/\(problem.path)  (not in the manifest; check it first)"
        }
        guard let day else { return "kb4-events backfill \(target) --from D --to D --force" }
        if let pages = try? await layout.store.list(prefix: layout.rawPartitionKey(day)), !pages.isEmpty {
            return "kb4-events rebuild \(target) --from \(day) --to \(day)"
        }
        return "kb4-events backfill \(target) --from \(day) --to \(day) --force"
    }
}
