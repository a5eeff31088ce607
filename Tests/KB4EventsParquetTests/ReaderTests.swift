import Foundation
import KB4EventsParquet
import KB4EventsPipeline
import Testing

/// Files from the writer read back by pyarrow (and DuckDB): types, values, footers and statistics, checked by
/// `Python/check_parquet.py`.
@Suite(.enabled(if: ParquetPython.enabled, "needs .build-venv with pyarrow and duckdb (required in CI)"))
struct ReaderTests {
    static let allKinds: [ParquetColumn] = [
        ParquetColumn("id", .string),
        ParquetColumn("source", .string, dictionary: true),
        ParquetColumn("metadata", .json),
        ParquetColumn("account_id", .int64),
        ParquetColumn("risk_level", .int32, dictionary: true),
        ParquetColumn("factor", .double),
        ParquetColumn("archived", .boolean),
        ParquetColumn("occurred_at", .timestampMillis),
        ParquetColumn("expires_on", .date),
    ]

    @Test func everyKindWithItsTypesValuesAndNulls() throws {
        var fixture = Fixture(
            Self.allKinds,
            properties: .init(
                createdBy: "kb4-events version 0.1.0 (build test)", keyValueMetadata: [("origin", "tests")]))
        let sources = ["phishing", "training", "Ünïcödé 🙂", ""]
        for i in 0..<500 {
            fixture.rows.append([
                i % 7 == 0 ? .null : .string("id-\(i)-\u{00e9}\u{4e2d}"),
                i % 11 == 0 ? .null : .string(sources[i % sources.count]),
                i % 5 == 0 ? .null : .string("{\"n\":\(i),\"s\":\"x\\\"y\"}"),
                i % 13 == 0 ? .null : .int64(Int64(i) * 7_919 - 1_000_000),
                i % 3 == 0 ? .null : .int32(Int32(i % 5)),
                i % 17 == 0 ? .null : .double(Double(i) * 0.25 - 40),
                i % 4 == 0 ? .null : .boolean(i % 2 == 0),
                i % 19 == 0 ? .null : .int64(1_764_633_600_000 + Int64(i) * 60_000),
                i % 23 == 0 ? .null : .int32(20_424 + Int32(i % 30)),
            ])
        }
        let directory = try TemporaryDirectory()
        let report = try fixture.check(in: directory, duckdb: true)
        #expect(
            report["arrow_types"] as? [String] == [
                "string", "string", "extension<arrow.json>", "int64", "int32", "double", "bool",
                "timestamp[ms, tz=UTC]", "date32[day]",
            ])
        #expect(
            report["converted"] as? [String] == [
                "UTF8", "UTF8", "JSON", "NONE", "NONE", "NONE", "NONE", "TIMESTAMP_MILLIS", "DATE",
            ])
        #expect((report["logical"] as? [String])?[2] == "JSON")
        #expect(report["duckdb_rows"] as? Int == 500)
        let columns = try #require(reportColumns(report).first)
        #expect(columns[1]["page_encodings"] as? [String] == ["dictionary", "RLE_DICTIONARY"])
        #expect(columns[0]["page_encodings"] as? [String] == ["PLAIN"])
    }

    @Test func allNullColumnsAndChunksHaveNoBounds() throws {
        var fixture = Fixture(Self.allKinds)
        for _ in 0..<50 { fixture.rows.append(Array(repeating: .null, count: Self.allKinds.count)) }
        for i in 0..<3 { fixture.rows[10 + i][5] = .double(.nan) }  // NaN only: still no bounds
        let directory = try TemporaryDirectory()
        try fixture.check(in: directory, duckdb: true)
    }

    @Test func longStringsAndTheirTruncatedBounds() throws {
        var fixture = Fixture([ParquetColumn("text", .string), ParquetColumn("tag", .string, dictionary: true)])
        let big = String(repeating: "é", count: 50_000)  // 100 KB
        fixture.rows = [
            [.string(big + "b"), .string(String(repeating: "z", count: 70))],
            [.string(big + "a"), .string(String(repeating: "\u{10FFFF}", count: 30))],  // max cannot be incremented
            [.string(String(repeating: "\u{7F}", count: 100)), .string("short")],
            [.string(""), .null],
        ]
        let directory = try TemporaryDirectory()
        try fixture.check(in: directory, duckdb: true)
    }

    @Test func manyRowGroupsAndPages() throws {
        var fixture = Fixture(
            Self.allKinds,
            properties: .init(createdBy: "tests", dataPageRowLimit: 100, rowGroupRowLimit: 1_000))
        for i in 0..<3_500 {
            fixture.rows.append([
                .string(String(i)), .string(["a", "b", "c"][i % 3]), .string("{}"), .int64(Int64(i)),
                .int32(Int32(i % 10)), .double(Double(i)), .boolean(i % 2 == 0), .int64(Int64(i)), .int32(Int32(i)),
            ])
        }
        let directory = try TemporaryDirectory()
        let report = try fixture.check(in: directory)
        let groups = reportColumns(report)
        #expect(groups.count == 4)
        #expect(groups.first?.first?["pages"] as? Int == 10)
        #expect(groups.last?.first?["pages"] as? Int == 5)
    }

    @Test func pagesCloseAtTheirByteSize() throws {
        var fixture = Fixture(
            [ParquetColumn("text", .string)], properties: .init(createdBy: "tests", dataPageSize: 4_096))
        for i in 0..<1_000 {
            fixture.rows.append([.string("value number \(i) " + String(repeating: "x", count: i % 50))])
        }
        let directory = try TemporaryDirectory()
        let pages = try #require(reportColumns(try fixture.check(in: directory)).first?.first?["pages"] as? Int)
        #expect(pages > 5)
    }

    @Test func dictionaryFallsBackToPlainPastItsLimit() throws {
        var fixture = Fixture(
            [
                ParquetColumn("user_email", .string, dictionary: true),
                ParquetColumn("user_id", .int64, dictionary: true),
            ],
            properties: .init(createdBy: "tests", dataPageRowLimit: 200, dictionaryPageSizeLimit: 2_000))
        for i in 0..<1_000 { fixture.rows.append([.string("user\(i)@example.com"), .int64(Int64(i / 2))]) }
        let directory = try TemporaryDirectory()
        let report = try fixture.check(in: directory, duckdb: true)
        let columns = try #require(reportColumns(report).first)
        for column in columns {
            let encodings = try #require(column["page_encodings"] as? [String])
            #expect(encodings.first == "dictionary")
            #expect(encodings.contains("RLE_DICTIONARY"))
            #expect(encodings.last == "PLAIN")
            #expect(encodings.firstIndex(of: "PLAIN")! > encodings.lastIndex(of: "RLE_DICTIONARY")!)
        }
    }

    @Test func statisticsCanBeTurnedOff() throws {
        var fixture = Fixture(
            Self.allKinds, properties: .init(createdBy: "tests", dataPageRowLimit: 10, statistics: false))
        for i in 0..<25 {
            fixture.rows.append([
                .string("\(i)"), .string("s"), .null, .int64(Int64(i)), .int32(1), .double(0.5), .boolean(true),
                .int64(0), .int32(0),
            ])
        }
        let directory = try TemporaryDirectory()
        try fixture.check(in: directory)
    }

    @Test func zeroRowsIsAValidFile() throws {
        let fixture = Fixture(Self.allKinds)
        let directory = try TemporaryDirectory()
        let report = try fixture.check(in: directory, duckdb: true)
        #expect(report["rows"] as? Int == 0)
        #expect(reportColumns(report).isEmpty)
    }

    @Test func readersSkipRowGroupsByTheirStatistics() throws {
        var fixture = Fixture(
            [ParquetColumn("n", .int64), ParquetColumn("label", .string)],
            properties: .init(createdBy: "tests", rowGroupRowLimit: 1_000))
        for i in 0..<3_000 { fixture.rows.append([.int64(Int64(i)), .string("row \(i)")]) }
        let directory = try TemporaryDirectory()
        try fixture.check(in: directory, name: "skip")
        // The first row group's values (0…999) are overwritten with huge numbers: readers that trust its
        // statistics (max 999) never look at them and count the 1,000 rows of the last group only.
        let report = try ParquetPython.run(["--skip", directory.path + "/skip.parquet", "n", "2000"])
        #expect(report["unfiltered_matching"] as? Int == 2_000, "the corruption is visible to a full read")
        #expect(report["duckdb"] as? Int == 1_000)
        #expect(report["pyarrow"] as? Int == 1_000)
    }
}

/// Compressed pages through the Pipeline's compressors (zlib, libzstd), read by pyarrow and DuckDB.
@Suite(.enabled(if: ParquetPython.enabled, "needs .build-venv with pyarrow and duckdb (required in CI)"))
struct CompressedPageReaderTests {
    /// Both codecs a lake can have: GZIP, and ZSTD (the default), read by pyarrow and DuckDB.
    @Test(arguments: [ParquetCodec.gzip, .zstd])
    func compressedPagesReadBack(codec: ParquetCodec) throws {
        var fixture = Fixture(
            ReaderTests.allKinds,
            properties: .init(compressor: codec.compressor(level: nil), createdBy: "tests", dataPageRowLimit: 300))
        for i in 0..<2_000 {
            fixture.rows.append([
                .string("id-\(i)"), .string(["x", "y"][i % 2]), i % 9 == 0 ? .null : .string("{\"i\":\(i)}"),
                .int64(Int64(i)), .int32(Int32(i % 4)), .double(Double(i) / 8), .boolean(i % 3 == 0),
                .int64(1_764_633_600_000 + Int64(i)), .int32(20_424),
            ])
        }
        let directory = try TemporaryDirectory()
        let report = try fixture.check(in: directory, duckdb: true)
        for column in try #require(reportColumns(report).first) {
            #expect(column["codec"] as? String == codec.rawValue.uppercased())
        }
    }
}
