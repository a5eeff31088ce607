@testable import KB4EventsPipeline
import Foundation
import KB4EventsParquet
import Testing
@testable import KB4EventsCore

/// The event → Parquet row mapping: a table of events (JSON text) and the rows they give.
struct EventRowTests {
    static let base = #"""
        {"id":"e1","account_id":700123,"occurred_date":"2024-05-03T08:15:42.120Z",
         "event_type":{"id":3900011122,"name":"macro_blocked","description":null},
         "user":{"id":91000017,"email":"ana@corp.example","archived":false},
         "external_id":"soc-4411","source":"EDR","description":"Ran blocked macro",
         "risk":{"level":6,"factor":1.5,"decay_mode":0,"expire_date":"2024-06-01"},"metadata":{"ip":"10.0.0.1"}}
        """#

    static var baseRow: EventRow {
        var row = EventRow()
        row.id = "e1"
        row.accountID = 700123
        row.occurredMillis = 1_714_724_142_120
        row.eventTypeID = 3_900_011_122
        row.eventTypeName = "macro_blocked"
        row.userID = 91_000_017
        row.userEmail = "ana@corp.example"
        row.userArchived = false
        row.externalID = "soc-4411"
        row.source = "EDR"
        row.description = "Ran blocked macro"
        row.riskLevel = 6
        row.riskFactor = 1.5
        row.riskDecayMode = 0
        row.riskExpireDays = Int32(Day("2024-06-01")!.ordinal)
        row.metadata = #"{"ip":"10.0.0.1"}"#
        return row
    }

    /// Replaces `old` by `new` in the base event.
    static func event(_ old: String, _ new: String) throws -> JSONObject {
        let text = base.replacingOccurrences(of: old, with: new)
        #expect(text != base || old == new, "the case must change the event: \(old)")
        return try #require(try JSONParser.parse(Array(text.utf8)).objectValue)
    }

    /// (what, the base event's text to replace, its replacement, the changes to the base row).
    static let cases: [(String, String, String, @Sendable (inout EventRow) -> Void)] = [
        ("as sent", "\"e1\"", "\"e1\"", { _ in }),
        // Nulls and absent members are null, never an empty string or zero.
        ("null scalars", #""external_id":"soc-4411","source":"EDR""#, #""external_id":null"#, {
            $0.externalID = nil
            $0.source = nil
        }),
        ("null group", #""user":{"id":91000017,"email":"ana@corp.example","archived":false}"#, #""user":null"#, {
            $0.userID = nil
            $0.userEmail = nil
            $0.userArchived = nil
        }),
        ("empty string stays", #""source":"EDR""#, #""source":"""#, { $0.source = "" }),
        ("metadata null", #""metadata":{"ip":"10.0.0.1"}"#, #""metadata":null"#, { $0.metadata = nil }),
        ("metadata string keeps its quotes", #""metadata":{"ip":"10.0.0.1"}"#, #""metadata":"a\"b""#, {
            $0.metadata = #""a\"b""#
        }),
        ("unicode", #""description":"Ran blocked macro""#, #""description":"Zoë ☃ 𝄞""#, { $0.description = "Zoë ☃ 𝄞" }),
        ("extremes that fit", #""account_id":700123"#, #""account_id":-9223372036854775808"#, {
            $0.accountID = Int64.min
        }),
        ("int32 max", #""level":6"#, #""level":2147483647"#, { $0.riskLevel = Int32.max }),
        ("an integer factor is that double", #""factor":1.5"#, #""factor":2"#, { $0.riskFactor = 2 }),
        ("an offset is the same instant", #""2024-05-03T08:15:42.120Z""#, #""2024-05-03T10:15:42.120+02:00""#, { _ in }),
        ("zeros past the millisecond", #""2024-05-03T08:15:42.120Z""#, #""2024-05-03T08:15:42.120000Z""#, { _ in }),
        // A value its column cannot hold exactly: the column is null, the value goes to _extra as sent.
        ("account_id beyond Int64", #""account_id":700123"#, #""account_id":9223372036854775808"#, {
            $0.accountID = nil
            $0.extra = #"{"account_id":9223372036854775808}"#
        }),
        ("level as a string", #""level":6"#, #""level":"high""#, {
            $0.riskLevel = nil
            $0.extra = #"{"risk":{"level":"high"}}"#
        }),
        ("level with a fraction", #""level":6"#, #""level":6.0"#, {
            $0.riskLevel = nil
            $0.extra = #"{"risk":{"level":6.0}}"#
        }),
        ("level beyond Int32", #""level":6"#, #""level":2147483648"#, {
            $0.riskLevel = nil
            $0.extra = #"{"risk":{"level":2147483648}}"#
        }),
        ("factor beyond Double", #""factor":1.5"#, #""factor":1e400"#, {
            $0.riskFactor = nil
            $0.extra = #"{"risk":{"factor":1e400}}"#
        }),
        ("archived as a string", #""archived":false"#, #""archived":"no""#, {
            $0.userArchived = nil
            $0.extra = #"{"user":{"archived":"no"}}"#
        }),
        ("a number in a string column", #""external_id":"soc-4411""#, #""external_id":4411"#, {
            $0.externalID = nil
            $0.extra = #"{"external_id":4411}"#
        }),
        ("an object in a string column", #""source":"EDR""#, #""source":{"a":1}"#, {
            $0.source = nil
            $0.extra = #"{"source":{"a":1}}"#
        }),
        ("expire_date with a time", #""2024-06-01""#, #""2024-06-01T00:00:00Z""#, {
            $0.riskExpireDays = nil
            $0.extra = #"{"risk":{"expire_date":"2024-06-01T00:00:00Z"}}"#
        }),
        ("sub-millisecond digits", #""2024-05-03T08:15:42.120Z""#, #""2024-05-03T08:15:42.120500Z""#, {
            $0.occurredMillis = nil
            $0.extra = #"{"occurred_date":"2024-05-03T08:15:42.120500Z"}"#
        }),
        ("two rejected in one group keep the group's order", #""level":6,"factor":1.5"#, #""level":"x","factor":"y""#, {
            $0.riskLevel = nil
            $0.riskFactor = nil
            $0.extra = #"{"risk":{"level":"x","factor":"y"}}"#
        }),
        // The CSV's _extra rules, shared.
        ("unknown members", #""source":"EDR""#, #""source":"EDR","new":[1],"user2":null"#, {
            $0.extra = #"{"new":[1],"user2":null}"#
        }),
        ("unknown group member beside a rejected one", #""decay_mode":0"#, #""decay_mode":true,"half_life":3"#, {
            $0.riskDecayMode = nil
            $0.extra = #"{"risk":{"decay_mode":true,"half_life":3}}"#
        }),
        ("a group that is not an object", #""event_type":{"id":3900011122,"name":"macro_blocked","description":null}"#,
         #""event_type":"macro_blocked""#, {
            $0.eventTypeID = nil
            $0.eventTypeName = nil
            $0.extra = #"{"event_type":"macro_blocked"}"#
        }),
        ("a repeated key", #""source":"EDR""#, #""source":"EDR","source":"DLP""#, { $0.extra = #"{"source":"DLP"}"# }),
    ]

    @Test(arguments: cases.indices)
    func mapsTheEvent(_ index: Int) throws {
        let (name, old, new, change) = Self.cases[index]
        var expected = Self.baseRow
        change(&expected)
        #expect(EventRow(event: try Self.event(old, new)) == expected, "\(name)")
    }

    @Test func schemaIsTheCSVColumnsInOrderTyped() {
        #expect(EventRow.schema.columns.map(\.name) == CSVFormatter.columns)
        let kinds = EventRow.schema.columns.map(\.kind)
        #expect(
            kinds == [
                .string, .int64, .timestampMillis, .int64, .string, .string, .int64, .string, .boolean, .string, .string,
                .string, .int32, .double, .int32, .date, .json, .json,
            ])
        let dictionary = EventRow.schema.columns.filter(\.dictionary).map(\.name)
        #expect(
            dictionary == [
                "account_id", "event_type__id", "event_type__name", "event_type__description", "user__id", "user__email",
                "source", "description", "risk__level", "risk__factor", "risk__decay_mode", "risk__expire_date",
            ])
    }

    @Test func rowGroupsAreBoundedAndCreatedByNamesTheVersion() {
        let properties = ParquetPartitionWriter.properties(
            compressor: ParquetCodec.zstd.compressor(level: nil), toolVersion: "1.2.3 (abc)")
        #expect(properties.createdBy == "kb4-events version 1.2.3 (abc)")
        #expect(properties.rowGroupRowLimit == 64 * 1024 && properties.dataPageSize == 256 << 10)
        #expect(properties.compressionBatchSize == 2 << 20)
        #expect(properties.compressor.codec == .zstd)
    }
}
