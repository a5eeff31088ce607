import KB4EventsAPI
package import KB4EventsCore

/// Ready-to-run table definitions for a lake: a DuckDB view, an Athena external table with partition projection
/// on `dt`, or a BigQuery external table definition with hive partitioning. Column types follow the CSV contract
/// (flat `__` columns) or the API's JSON shape (nested records), whichever format the lake holds.
package struct TableDefinition: Sendable {
    /// The query engine to write for.
    package enum Engine: String, Sendable, CaseIterable {
        case duckdb, athena, bigquery
    }

    /// The lake's format (from its manifest).
    package var format: OutputFormat
    /// Where the lake root is, as the engine sees it: a path or URL for DuckDB, `s3://…` for Athena, `gs://…`
    /// for BigQuery. No trailing slash.
    package var location: String
    /// The lake's first day (start of the Athena projection range); nil: the definition uses yesterday's year start.
    package var firstDay: Day?
    /// Table (or view) name.
    package var table: String

    /// Creates a definition.
    package init(format: OutputFormat, location: String, firstDay: Day?, table: String = "kb4_events") {
        var loc = location
        while loc.count > 1 && loc.hasSuffix("/") { loc.removeLast() }
        self.format = format
        self.location = loc
        self.firstDay = firstDay
        self.table = table
    }

    /// The definition text for `engine`.
    package func text(for engine: Engine) -> String {
        switch engine {
        case .duckdb: return duckDB
        case .athena: return athena
        case .bigquery: return bigQuery
        }
    }

    // MARK: Column model

    enum Kind {
        case string, int64, int32, double, bool, timestamp, date, json
        indirect case record([(String, Kind)])
    }

    /// The event as the API sends it (NDJSON lines).
    static let jsonColumns: [(String, Kind)] = [
        ("id", .string), ("account_id", .int64),
        ("user", .record([("email", .string), ("id", .int64), ("archived", .bool)])),
        ("external_id", .string), ("source", .string), ("description", .string), ("occurred_date", .timestamp),
        ("risk", .record([("level", .int32), ("factor", .double), ("decay_mode", .int32), ("expire_date", .date)])),
        ("metadata", .json),
        ("event_type", .record([("id", .int64), ("name", .string), ("description", .string)])),
    ]

    /// The CSV contract's columns, in file order.
    static let csvColumns: [(String, Kind)] = [
        ("id", .string), ("account_id", .int64), ("occurred_date", .timestamp), ("event_type__id", .int64),
        ("event_type__name", .string), ("event_type__description", .string), ("user__id", .int64),
        ("user__email", .string), ("user__archived", .bool), ("external_id", .string), ("source", .string),
        ("description", .string), ("risk__level", .int32), ("risk__factor", .double), ("risk__decay_mode", .int32),
        ("risk__expire_date", .date), ("metadata", .json), ("_extra", .json),
    ]

    var columns: [(String, Kind)] { format == .ndjson ? Self.jsonColumns : Self.csvColumns }
    var dataGlob: String { "\(location)/events/*/*.\(format.fileSuffix)" }

    // MARK: DuckDB

    static func duckType(_ kind: Kind) -> String {
        switch kind {
        case .string: return "VARCHAR"
        case .int64: return "BIGINT"
        case .int32: return "INTEGER"
        case .double: return "DOUBLE"
        case .bool: return "BOOLEAN"
        case .timestamp: return "TIMESTAMPTZ"
        case .date: return "DATE"
        case .json: return "JSON"
        case .record(let fields):
            return "STRUCT(" + fields.map { "\($0.0) \(duckType($0.1))" }.joined(separator: ", ") + ")"
        }
    }

    var duckDB: String {
        let cols = columns.map { "'\($0.0)': '\(Self.duckType($0.1))'" }.joined(separator: ",\n        ")
        let reader: String
        if format == .parquet {
            // The files carry their types (TIMESTAMP adjusted to UTC, DATE, JSON): no column list to keep in step.
            reader = """
                read_parquet('\(sqlQuoted(dataGlob))',
                    hive_partitioning = true, hive_types = {'dt': 'DATE'})
                """
        } else if format == .csv {
            reader = """
                read_csv('\(sqlQuoted(dataGlob))',
                    header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
                    hive_partitioning = true, hive_types = {'dt': 'DATE'},
                    columns = {
                        \(cols)
                    })
                """
        } else {
            reader = """
                read_json('\(sqlQuoted(dataGlob))',
                    format = 'newline_delimited', hive_partitioning = true, hive_types = {'dt': 'DATE'},
                    columns = {
                        \(cols)
                    })
                """
        }
        return """
            -- kb4-events lake (\(format.rawValue)) as a DuckDB view; dt comes from the partition directories.
            CREATE OR REPLACE VIEW \(table) AS
            SELECT * FROM \(reader);

            """
    }

    private func sqlQuoted(_ s: String) -> String { s.replacingAll("'", with: "''") }

    // MARK: Athena

    static func hiveType(_ kind: Kind) -> String {
        switch kind {
        case .string, .timestamp, .json: return "string"
        case .int64: return "bigint"
        case .int32: return "int"
        case .double: return "double"
        case .bool: return "boolean"
        case .date: return "date"
        case .record(let fields):
            return "struct<" + fields.map { "\($0.0):\(hiveType($0.1))" }.joined(separator: ",") + ">"
        }
    }

    var athena: String {
        let first = firstDay?.description ?? "2020-01-01"
        let cols: String
        let storage: String
        var properties = [
            ("projection.enabled", "true"), ("projection.dt.type", "date"), ("projection.dt.format", "yyyy-MM-dd"),
            ("projection.dt.range", "\(first),NOW"), ("projection.dt.interval", "1"),
            ("projection.dt.interval.unit", "DAYS"), ("storage.location.template", "\(location)/events/dt=${dt}/"),
        ]
        if format == .parquet {
            // The Parquet columns by name; occurred_date is a real timestamp (UTC), metadata and _extra JSON text.
            cols = columns.map { name, kind in
                if case .timestamp = kind { return "  `\(name)` timestamp" }
                return "  `\(name)` \(Self.hiveType(kind))"
            }.joined(separator: ",\n")
            storage = ""
        } else if format == .csv {
            // OpenCSVSerde reads every column as text reliably (an empty field would not parse as a number); the
            // escape is the quote itself (RFC 4180 doubles quotes; a backslash is data, e.g. in JSON text):
            // cast in queries, e.g. CAST(NULLIF(risk__level, '') AS integer).
            cols = columns.map { "  `\($0.0)` string" }.joined(separator: ",\n")
            storage = """
                ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde'
                WITH SERDEPROPERTIES ('separatorChar' = ',', 'quoteChar' = '"', 'escapeChar' = '"')
                """
            properties.append(("skip.header.line.count", "1"))
        } else {
            // occurred_date stays text (ISO 8601 with Z): from_iso8601_timestamp(occurred_date) in queries;
            // metadata is free-form JSON text.
            cols = columns.map { "  `\($0.0)` \(Self.hiveType($0.1))" }.joined(separator: ",\n")
            storage = """
                ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
                WITH SERDEPROPERTIES ('ignore.malformed.json' = 'false')
                """
        }
        let props = properties.map { "  '\($0.0)' = '\($0.1)'" }.joined(separator: ",\n")
        let comment =
            format == .csv
            ? "-- CSV: OpenCSVSerde does not support line breaks inside quoted fields; prefer the ndjson format for Athena.\n"
            : ""
        return """
            -- kb4-events lake (\(format.rawValue)) as an Athena external table, partitions projected from dt.
            \(comment)CREATE EXTERNAL TABLE IF NOT EXISTS \(table) (
            \(cols)
            )
            PARTITIONED BY (`dt` string)
            \(storage.isEmpty ? "STORED AS PARQUET" : storage + "\nSTORED AS TEXTFILE")
            LOCATION '\(location)/events/'
            TBLPROPERTIES (
            \(props)
            );

            """
    }

    // MARK: BigQuery

    private var hivePartitioning: JSONValue {
        .object(
            JSONObject([
                ("mode", .string("CUSTOM")), ("sourceUriPrefix", .string("\(location)/events/{dt:DATE}")),
                ("requirePartitionFilter", .bool(false)),
            ]))
    }

    static func bigQueryField(_ name: String, _ kind: Kind, csv: Bool) -> JSONValue {
        var o = JSONObject()
        o.append("name", .string(name))
        switch kind {
        case .string: o.append("type", .string("STRING"))
        case .int64, .int32: o.append("type", .string("INTEGER"))
        case .double: o.append("type", .string("FLOAT"))
        case .bool: o.append("type", .string("BOOLEAN"))
        case .timestamp: o.append("type", .string("TIMESTAMP"))
        case .date: o.append("type", .string("DATE"))
        case .json: o.append("type", .string(csv ? "STRING" : "JSON"))
        case .record(let fields):
            o.append("type", .string("RECORD"))
            o.append("fields", .array(fields.map { bigQueryField($0.0, $0.1, csv: csv) }))
        }
        o.append("mode", .string("NULLABLE"))
        return .object(o)
    }

    var bigQuery: String {
        let csv = format == .csv
        var root = JSONObject()
        if format == .parquet {
            // Parquet is self-describing: BigQuery takes the columns and types from the files.
            root.append("sourceFormat", .string("PARQUET"))
            root.append("sourceUris", .array([.string("\(location)/events/*.parquet")]))
            root.append("hivePartitioningOptions", hivePartitioning)
            var out: [UInt8] = []
            JSONValue.object(root).writePretty(into: &out)
            out.append(UInt8(ascii: "\n"))
            return String(decoding: out, as: UTF8.self)
        }
        root.append("sourceFormat", .string(csv ? "CSV" : "NEWLINE_DELIMITED_JSON"))
        root.append("sourceUris", .array([.string("\(location)/events/*.\(format.rawValue).gz")]))
        root.append("compression", .string("GZIP"))
        root.append("hivePartitioningOptions", hivePartitioning)
        if csv {
            root.append(
                "csvOptions",
                .object(
                    JSONObject([
                        ("skipLeadingRows", .number("1")), ("allowQuotedNewlines", .bool(true)),
                        ("quote", .string("\"")), ("fieldDelimiter", .string(",")), ("encoding", .string("UTF-8")),
                    ])))
        } else {
            root.append("ignoreUnknownValues", .bool(true))
        }
        root.append(
            "schema",
            .object(JSONObject([("fields", .array(columns.map { Self.bigQueryField($0.0, $0.1, csv: csv) }))])))
        var out: [UInt8] = []
        JSONValue.object(root).writePretty(into: &out)
        out.append(UInt8(ascii: "\n"))
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
