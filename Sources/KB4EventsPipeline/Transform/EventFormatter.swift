import KB4EventsAPI
package import KB4EventsCore

/// Turns events into the lines of a data file. Pure: the same event always gives the same bytes.
package protocol EventFormatter: Sendable {
    /// The data file extension without the dot (`ndjson` or `csv`).
    var fileExtension: String { get }

    /// Appends what a file starts with (nothing for NDJSON, the header line for CSV).
    func writeHeader(into out: inout [UInt8])

    /// Appends one event as one line, including the trailing `\n`.
    func write(event: JSONObject, into out: inout [UInt8])
}

/// The data file formats of a lake.
package enum OutputFormat: String, Sendable, CaseIterable {
    /// One compact JSON event per line.
    case ndjson
    /// RFC 4180 CSV with a fixed header (see ``CSVFormatter``).
    case csv
    /// Parquet with the CSV's columns, typed (see ``EventRow``), written by ``ParquetPartitionWriter``.
    case parquet

    /// The formatter that writes this format's lines (ndjson and csv: gzip text files). Parquet is not written line
    /// by line: asking for its formatter is a programming error.
    package var formatter: any EventFormatter {
        switch self {
        case .ndjson: NDJSONFormatter()
        case .csv: CSVFormatter()
        case .parquet: preconditionFailure("parquet files are written by ParquetPartitionWriter, not an EventFormatter")
        }
    }

    /// Whether the data files are gzip text (`.ndjson.gz`, `.csv.gz`); Parquet compresses its pages inside the file.
    package var isGzipText: Bool { self != .parquet }

    /// The data file's name suffix: `ndjson.gz`, `csv.gz`, `parquet`.
    package var fileSuffix: String { isGzipText ? "\(rawValue).gz" : rawValue }
}
