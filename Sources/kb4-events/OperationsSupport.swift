import ArgumentParser
import Foundation
import KB4EventsAPI
import KB4EventsPipeline
import KB4EventsCore

/// Where a lake is, for the commands that only read it (`verify`, `ddl`): `--out DIR` or the pipeline file's
/// `output.dir`.
struct LakeOptions: ParsableArguments {
    @OptionGroup var pipelineFile: PipelineOption
    var pipeline: String? { pipelineFile.pipeline }

    @Option(name: .long, help: "The lake: a directory or s3://bucket/prefix (overrides the pipeline file).")
    var out: String?

    func validate() throws { try LakeDaysOptions.checkDirectory(out) }

    /// The pipeline with these flags, resolved without a key, a client or a simulator.
    func resolve() throws -> ResolvedPipeline {
        var overrides = Overrides()
        overrides.outputDir = out
        return try PipelineFile.resolve(pipeline: pipeline, overrides: overrides)
    }
}

/// Reads and resolves a pipeline file for the commands that make no API call: no key is needed and no
/// simulator is started.
enum PipelineFile {
    static func resolve(pipeline: String?, overrides: Overrides) throws -> ResolvedPipeline {
        try ResolvedPipeline.load(pipeline: pipeline, flags: overrides, toolVersion: KB4Events.version)
    }

    /// The call budget of the lake today, read from its ledger (nothing is created).
    static func budget(_ resolved: ResolvedPipeline, today: Day) async throws -> ExportPlan.Budget {
        let ledger = try await CallLedger.load(layout: resolved.export.lake)
        return ExportPlan.Budget(
            limit: resolved.dailyCallBudget, reserve: resolved.apiReserveCalls, usedToday: ledger.used(on: today))
    }
}

/// A lake that has no manifest and no run record: exit 66 (EX_NOINPUT) with a message saying so.
struct NoLake: Error, CustomStringConvertible {
    let root: String
    var description: String {
        "no kb4-events lake at \(root) (no _manifest.json): nothing exported there yet; run `kb4-events sync` first, or give the right --out / --pipeline"
    }

}

/// Writes `text` to stdout as is.
func writeOut(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}
