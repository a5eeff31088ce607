@testable import KB4EventsPipeline
import KB4EventsParquet
import Testing

/// verify's footer reader on files our writer made: rows per row group, chunk bounds, and what damage it reports.
struct ParquetFooterTests {
    func file(rows: Int, rowGroupRows: Int) throws -> [UInt8] {
        let schema = ParquetSchema([ParquetColumn("a", .int64), ParquetColumn("s", .string, dictionary: true)])
        var properties = ParquetWriterProperties(createdBy: "tests")
        properties.rowGroupRowLimit = rowGroupRows
        let writer = try ParquetFileWriter(schema: schema, properties: properties, sink: ParquetMemorySink())
        for i in 0..<rows { try writer.appendRow([.int64(Int64(i)), i % 3 == 0 ? .null : .string("v\(i % 5)")]) }
        _ = try writer.close()
        return writer.sink.bytes
    }

    func read(_ bytes: [UInt8]) throws -> ParquetFooter {
        try ParquetFooter.read(size: bytes.count, head: Array(bytes.prefix(4)), tail: bytes)
    }

    @Test func readsRowGroupsAndChunks() throws {
        let footer = try read(try file(rows: 2_500, rowGroupRows: 1_000))
        #expect(footer.rows == 2_500)
        #expect(footer.rowGroupRows == [1_000, 1_000, 500])
        #expect(footer.chunks.count == 6)
        #expect(footer.chunks.allSatisfy { $0.start >= 4 && $0.length > 0 })
    }

    @Test func aZeroRowFileHasNoRowGroups() throws {
        let footer = try read(try file(rows: 0, rowGroupRows: 1_000))
        #expect(footer.rows == 0 && footer.rowGroupRows.isEmpty)
    }

    @Test(arguments: [1, 8, 100, 1_000])
    func truncationIsReported(cut: Int) throws {
        let bytes = try file(rows: 2_500, rowGroupRows: 1_000)
        #expect(throws: ParquetFooter.Invalid.self) { try read(Array(bytes.dropLast(cut))) }
    }

    @Test func aFileCutInItsDataIsReportedByTheChunkBounds() throws {
        // Data removed before the footer: both magics and the footer intact, but the chunks point past the data.
        let bytes = try file(rows: 2_500, rowGroupRows: 1_000)
        let footerLength = Int(bytes[bytes.count - 8]) | Int(bytes[bytes.count - 7]) << 8
        let cut = Array(bytes[0..<200]) + Array(bytes[(bytes.count - 8 - footerLength)...])
        #expect(throws: ParquetFooter.Invalid.self) { try read(cut) }
        #expect(throws: Never.self) { try read(bytes) }
    }

    @Test func aDamagedFooterIsReported() throws {
        var bytes = try file(rows: 100, rowGroupRows: 1_000)
        let footerLength = Int(bytes[bytes.count - 8]) | Int(bytes[bytes.count - 7]) << 8
        for i in (bytes.count - 8 - footerLength)..<(bytes.count - 8) { bytes[i] = 0xFF }
        #expect(throws: ParquetFooter.Invalid.self) { try read(bytes) }
    }
}
