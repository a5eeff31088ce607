import KB4EventsPipeline
@testable import KB4EventsSimulator
import Testing

@testable import KB4EventsParquet

/// The writer's pure behaviour: framing, determinism, row shape, statistics rules.
@Suite struct ParquetFileWriterTests {
    let schema = ParquetSchema([
        ParquetColumn("name", .string, dictionary: true), ParquetColumn("n", .int64), ParquetColumn("x", .double),
    ])

    func write(_ rows: [[ParquetValue]], properties: ParquetWriterProperties = .init(createdBy: "t")) throws -> [UInt8]
    {
        let writer = try ParquetFileWriter(schema: schema, properties: properties, sink: ParquetMemorySink())
        for row in rows { try writer.appendRow(row) }
        _ = try writer.close()
        return writer.sink.bytes
    }

    @Test func framedByMagicWithTheFooterLengthBeforeTheEnd() throws {
        let bytes = try write([[.string("a"), .int64(1), .double(1)]])
        #expect(Array(bytes.prefix(4)) == Array("PAR1".utf8))
        #expect(Array(bytes.suffix(4)) == Array("PAR1".utf8))
        let length = bytes[bytes.count - 8..<bytes.count - 4].reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(length > 0 && length < bytes.count - 12)
        #expect(bytes[bytes.count - 8 - length] == 0x15, "FileMetaData starts with field 1 (version), an i32")
    }

    @Test func sameRowsSameBytes() throws {
        var rng = SeededGenerator(seed: 7)
        var rows: [[ParquetValue]] = []
        for _ in 0..<5_000 {
            rows.append([
                .string("user\(rng.next() % 50)"), .int64(Int64(bitPattern: rng.next())),
                .double(Double(rng.next() % 1000) / 7),
            ])
        }
        let properties = ParquetWriterProperties(createdBy: "t", dataPageRowLimit: 300, rowGroupRowLimit: 2_000)
        #expect(try write(rows, properties: properties) == write(rows, properties: properties))
    }

    @Test func aRowMissingAValueIsRefused() throws {
        let writer = try ParquetFileWriter(schema: schema, properties: .init(createdBy: "t"), sink: ParquetMemorySink())
        try writer.append(0, string: "a")
        try writer.append(1, int64: 1)
        #expect(throws: ParquetWriterError.incompleteRow(column: "x", values: 0)) { try writer.endRow() }
        #expect(throws: ParquetWriterError.closed) { try writer.close() }
    }

    @Test func aColumnGivenTwiceIsRefused() throws {
        let writer = try ParquetFileWriter(schema: schema, properties: .init(createdBy: "t"), sink: ParquetMemorySink())
        try writer.append(0, string: "a")
        try writer.append(0, string: "b")
        try writer.append(1, int64: 1)
        try writer.append(2, double: 1)
        #expect(throws: ParquetWriterError.incompleteRow(column: "name", values: 2)) { try writer.endRow() }
    }

    @Test func duplicateOrNoColumnsAreRefused() {
        #expect(throws: ParquetWriterError.self) {
            try ParquetFileWriter(
                schema: ParquetSchema([ParquetColumn("a", .int64), ParquetColumn("a", .string)]),
                properties: .init(createdBy: "t"), sink: ParquetMemorySink())
        }
        #expect(throws: ParquetWriterError.invalidSchema("no columns")) {
            try ParquetFileWriter(
                schema: ParquetSchema([]), properties: .init(createdBy: "t"), sink: ParquetMemorySink())
        }
    }

    @Test func rowGroupsCloseAtTheRowLimit() throws {
        let writer = try ParquetFileWriter(
            schema: schema, properties: .init(createdBy: "t", rowGroupRowLimit: 10), sink: ParquetMemorySink())
        for i in 0..<25 { try writer.appendRow([.string("a"), .int64(Int64(i)), .null]) }
        let summary = try writer.close()
        #expect(summary == ParquetFileSummary(rows: 25, rowGroups: 3, bytes: writer.sink.bytes.count))
    }

    @Test func rowGroupsCloseAtTheByteLimit() throws {
        let writer = try ParquetFileWriter(
            schema: ParquetSchema([ParquetColumn("t", .string)]),
            properties: .init(createdBy: "t", rowGroupByteLimit: 100_000), sink: ParquetMemorySink())
        let text = String(repeating: "x", count: 100)
        for _ in 0..<10_240 {
            try writer.append(0, string: text)
            try writer.endRow()
            #expect(writer.bufferedBytes < 100_000 + 1_024 * 110)
        }
        #expect(try writer.close().rowGroups >= 10)
    }

    @Test func longStringsCloseRowGroupsAtTheByteLimitToo() throws {
        let writer = try ParquetFileWriter(
            schema: ParquetSchema([ParquetColumn("t", .string), ParquetColumn("n", .int64)]),
            properties: .init(createdBy: "t", rowGroupByteLimit: 2 << 20), sink: ParquetMemorySink())
        let text = String(repeating: "y", count: 100_000)
        for i in 0..<200 {
            try writer.appendRow([.string(text), .int64(Int64(i))])
            // The limit, plus at most the 1 MiB between checks and the row that crossed it.
            #expect(writer.bufferedBytes <= (2 << 20) + (1 << 20) + 100_100)
        }
        #expect(try writer.close().rowGroups >= 6)
    }
}

/// Pages compressed one by one, in small batches or all at the row group's end (on all cores): the same bytes.
@Suite struct CompressionBatchTests {
    @Test func batchingDoesNotChangeTheBytes() throws {
        let schema = ParquetSchema([
            ParquetColumn("id", .string), ParquetColumn("kind", .string, dictionary: true), ParquetColumn("n", .int64),
        ])
        func write(batch: Int) throws -> [UInt8] {
            let properties = ParquetWriterProperties(
                compressor: ParquetGzipCompressor(level: 6), createdBy: "t", dataPageRowLimit: 100,
                rowGroupRowLimit: 3_000, compressionBatchSize: batch)
            let writer = try ParquetFileWriter(schema: schema, properties: properties, sink: ParquetMemorySink())
            for i in 0..<10_000 {
                try writer.appendRow([
                    .string("event \(i * 7_919 % 10_007)"), .string(["a", "b"][i % 2]), .int64(Int64(i)),
                ])
            }
            _ = try writer.close()
            return writer.sink.bytes
        }
        let onePageAtATime = try write(batch: 0)
        #expect(try write(batch: 1) == onePageAtATime)
        #expect(try write(batch: 64 << 20) == onePageAtATime)
    }
}
