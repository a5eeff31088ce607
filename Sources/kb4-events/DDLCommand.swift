import ArgumentParser
import Foundation
import KB4EventsPipeline

extension TableDefinition.Engine: ExpressibleByArgument {}

/// `kb4-events ddl`: table definitions matching the lake's layout and format.
struct DDLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ddl",
        abstract: "Print a DuckDB view, an Athena external table or a BigQuery external table definition for the lake.",
        discussion: """
            The format comes from the lake's manifest. DuckDB reads the lake where it is (or --location); Athena reads
            a lake in S3 where it is (or --location s3://bucket/prefix where a local lake is copied); BigQuery needs
            --location gs://bucket/prefix, where the lake root is copied. BigQuery: save the output and run `bq mk --external_table_definition=FILE dataset.kb4_events`.
            """)

    @OptionGroup var lake: LakeOptions

    @Option(name: .long, help: "duckdb, athena or bigquery.")
    var engine: TableDefinition.Engine

    @Option(name: .long, help: "The lake root as the engine sees it (s3://… for Athena, gs://… for BigQuery).")
    var location: String?

    @Option(name: .long, help: "Table or view name (default kb4_events).")
    var table = "kb4_events"

    func validate() throws {
        guard !table.isEmpty, table.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw ValidationError("--table must be letters, digits and _")
        }
    }

    func run() async throws {
        do {
            let layout = try lake.resolve().export.lake
            // Where the engine reads the lake: --location, else the lake's own place (a local lake as an absolute
            // path, a lake in S3 as its s3:// URL, which Athena reads where it is).
            var root = layout.root
            if case .local(let local) = layout.location, !local.hasPrefix("/") {
                root = local.hasPrefix("./") ? String(local.dropFirst(2)) : local
                root = FileManager.default.currentDirectoryPath + (root == "." ? "" : "/" + root)
            }
            let inS3 = !layout.location.isLocal
            if location == nil && (engine == .bigquery || (engine == .athena && !inS3)) {
                throw UsageProblem(
                    "--engine \(engine.rawValue) needs --location (\(engine == .athena ? "s3" : "gs")://bucket/prefix holding the lake root)"
                )
            }
            guard let manifest = try await Manifest.load(from: layout.store)?.manifest else {
                throw NoLake(root: layout.root)
            }
            let definition = TableDefinition(
                format: manifest.format, location: location ?? root, firstDay: manifest.days.keys.min(), table: table
            )
            writeOut(definition.text(for: engine))
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw ExitStatus.report(error)
        }
    }
}
