@testable import KB4EventsAPI
import Testing

@testable import KB4EventsPipeline
@testable import KB4EventsCore

struct TableDefinitionTests {
    @Test func csvColumnsFollowTheContract() {
        #expect(TableDefinition.csvColumns.map(\.0) == CSVFormatter.columns)
    }

    @Test(arguments: [OutputFormat.ndjson, .csv])
    func athenaProjectsDtFromTheFirstDay(format: OutputFormat) {
        let ddl = TableDefinition(format: format, location: "s3://bucket/kb4/", firstDay: Day("2026-01-05")!)
            .text(for: .athena)
        #expect(ddl.contains("CREATE EXTERNAL TABLE IF NOT EXISTS kb4_events ("))
        #expect(ddl.contains("PARTITIONED BY (`dt` string)"))
        #expect(ddl.contains("'projection.dt.type' = 'date'"))
        #expect(ddl.contains("'projection.dt.format' = 'yyyy-MM-dd'"))
        #expect(ddl.contains("'projection.dt.range' = '2026-01-05,NOW'"))
        #expect(ddl.contains("'storage.location.template' = 's3://bucket/kb4/events/dt=${dt}/'"))
        #expect(ddl.contains("LOCATION 's3://bucket/kb4/events/'"))
        if format == .csv {
            #expect(ddl.contains("OpenCSVSerde") && ddl.contains("'skip.header.line.count' = '1'"))
            #expect(ddl.contains("`risk__decay_mode` string"))
            #expect(!ddl.contains("`dt` string,"), "dt is only the partition column")
        } else {
            #expect(ddl.contains("org.openx.data.jsonserde.JsonSerDe"))
            #expect(ddl.contains("`user` struct<email:string,id:bigint,archived:boolean>"))
        }
    }

    @Test(arguments: [OutputFormat.ndjson, .csv])
    func bigQueryDefinitionIsJSONWithHivePartitioning(format: OutputFormat) throws {
        let text = TableDefinition(format: format, location: "gs://b/lake", firstDay: nil).text(for: .bigquery)
        let json = try JSONParser.parse(Array(text.utf8))
        #expect(json["sourceFormat"]?.stringValue == (format == .csv ? "CSV" : "NEWLINE_DELIMITED_JSON"))
        #expect(json["sourceUris"]?.arrayValue == [.string("gs://b/lake/events/*.\(format.rawValue).gz")])
        #expect(json["compression"]?.stringValue == "GZIP")
        #expect(json["hivePartitioningOptions"]?["mode"]?.stringValue == "CUSTOM")
        #expect(json["hivePartitioningOptions"]?["sourceUriPrefix"]?.stringValue == "gs://b/lake/events/{dt:DATE}")
        let fields = try #require(json["schema"]?["fields"]?.arrayValue)
        #expect(!fields.contains { $0["name"]?.stringValue == "dt" })
        if format == .csv {
            #expect(json["csvOptions"]?["skipLeadingRows"]?.numberText == "1")
            #expect(json["csvOptions"]?["allowQuotedNewlines"] == .bool(true))
            #expect(fields.compactMap { $0["name"]?.stringValue } == CSVFormatter.columns)
        } else {
            let risk = try #require(fields.first { $0["name"]?.stringValue == "risk" })
            #expect(risk["type"]?.stringValue == "RECORD")
            #expect(risk["fields"]?.arrayValue?.count == 4)
        }
    }

    @Test func duckDBViewReadsTheDataGlobWithHivePartitioning() {
        let ddl = TableDefinition(format: .csv, location: "/data/it's lake", firstDay: nil).text(for: .duckdb)
        #expect(ddl.contains("CREATE OR REPLACE VIEW kb4_events AS"))
        #expect(ddl.contains("read_csv('/data/it''s lake/events/*/*.csv.gz'"), "quotes are doubled")
        #expect(ddl.contains("hive_partitioning = true, hive_types = {'dt': 'DATE'}"))
        #expect(ddl.contains("'risk__level': 'INTEGER'"))
    }
}

/// `ddl` for a Parquet lake: the engines read the files' own types.
struct TableDefinitionParquetTests {
    let definition = TableDefinition(format: .parquet, location: "s3://bucket/kb4/", firstDay: Day("2026-01-05")!)

    @Test func duckDBReadsParquetWithHivePartitioning() {
        let ddl = definition.text(for: .duckdb)
        #expect(
            ddl.contains(
                "SELECT * FROM read_parquet('s3://bucket/kb4/events/*/*.parquet',\n    hive_partitioning = true, hive_types = {'dt': 'DATE'});"
            ), "\(ddl)")
        #expect(!ddl.contains(".gz"))
    }

    @Test func athenaIsStoredAsParquetWithTypedColumnsAndTheSameProjection() {
        let ddl = definition.text(for: .athena)
        #expect(ddl.contains("STORED AS PARQUET\nLOCATION 's3://bucket/kb4/events/'"), "\(ddl)")
        #expect(!ddl.contains("SERDE") && !ddl.contains("TEXTFILE"))
        #expect(ddl.contains("'projection.dt.range' = '2026-01-05,NOW'"))
        #expect(ddl.contains("'storage.location.template' = 's3://bucket/kb4/events/dt=${dt}/'"))
        #expect(ddl.contains("`occurred_date` timestamp,") && ddl.contains("`risk__expire_date` date,"))
        #expect(ddl.contains("`risk__level` int,") && ddl.contains("`user__id` bigint,"))
        #expect(ddl.contains("`_extra` string\n)"))
    }

    @Test func bigQueryTakesTheSchemaFromTheFiles() throws {
        let text = definition.text(for: .bigquery)
        let json = try JSONParser.parse(Array(text.utf8))
        #expect(json["sourceFormat"]?.stringValue == "PARQUET")
        #expect(json["sourceUris"]?.arrayValue == [.string("s3://bucket/kb4/events/*.parquet")])
        #expect(json["hivePartitioningOptions"]?["sourceUriPrefix"]?.stringValue == "s3://bucket/kb4/events/{dt:DATE}")
        #expect(json["compression"] == nil && json["schema"] == nil)
    }
}
