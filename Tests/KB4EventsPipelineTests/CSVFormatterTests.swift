@testable import KB4EventsAPI
@testable import KB4EventsPipeline
import Testing
@testable import KB4EventsCore

/// An API-shaped event given as JSON text per top-level member; nil leaves the member out.
private struct Event: Sendable {
    var id: String? = #""e1""#
    var accountID: String? = "700123"
    var occurred: String? = #""2024-05-03T08:15:42.120Z""#
    var eventType: String? = #"{"id":3900011122,"name":"macro_blocked","description":null}"#
    var user: String? = #"{"id":91000017,"email":"ana@corp.example","archived":false}"#
    var externalID: String? = #""soc-4411""#
    var source: String? = #""EDR""#
    var description: String? = #""Ran blocked macro""#
    var risk: String? = #"{"level":6,"factor":null,"decay_mode":0,"expire_date":null}"#
    var metadata: String? = "null"
    /// Raw members appended after the others, each starting with a comma.
    var tail = ""

    var json: String {
        let members: [(String, String?)] = [
            ("id", id), ("account_id", accountID), ("occurred_date", occurred), ("event_type", eventType),
            ("user", user), ("external_id", externalID), ("source", source), ("description", description),
            ("risk", risk), ("metadata", metadata),
        ]
        let body = members.compactMap { key, value in value.map { "\"\(key)\":\($0)" } }.joined(separator: ",")
        return "{" + body + tail + "}"
    }

    func object() throws -> JSONObject {
        try #require(try JSONParser.parse(Array(json.utf8)).objectValue)
    }
}

/// The expected CSV text of each column group of a row.
private struct Row: Sendable {
    var id = "e1"
    var accountID = "700123"
    var occurred = "2024-05-03T08:15:42.120Z"
    var eventType = "3900011122,macro_blocked,"
    var user = "91000017,ana@corp.example,false"
    var externalID = "soc-4411"
    var source = "EDR"
    var description = "Ran blocked macro"
    var risk = "6,,0,"
    var metadata = ""
    var extra = ""

    var text: String {
        [id, accountID, occurred, eventType, user, externalID, source, description, risk, metadata, extra]
            .joined(separator: ",") + "\n"
    }
}

private struct Case: Sendable, CustomTestStringConvertible {
    let name: String
    let event: Event
    let row: Row
    var testDescription: String { name }
}

private func csvLine(_ event: Event) throws -> String {
    var out: [UInt8] = []
    CSVFormatter().write(event: try event.object(), into: &out)
    return String(decoding: out, as: UTF8.self)
}

// MARK: - A small RFC 4180 reader for the round trip

private struct CSVReadError: Error, CustomStringConvertible {
    let offset: Int
    let description: String
}

/// Reads RFC 4180 records separated by LF. A field is nil when empty and unquoted, "" when written as `""`.
/// Strict: a bare quote or CR in an unquoted field, or text after a closing quote, is an error.
private func readCSV(_ bytes: [UInt8]) throws -> [[String?]] {
    let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
    var rows: [[String?]] = []
    var row: [String?] = []
    var i = 0
    let n = bytes.count
    while i < n {
        if bytes[i] == quote {
            i += 1
            var field: [UInt8] = []
            while true {
                guard i < n else { throw CSVReadError(offset: i, description: "unterminated quoted field") }
                if bytes[i] == quote {
                    if i + 1 < n, bytes[i + 1] == quote {
                        field.append(quote)
                        i += 2
                    } else {
                        i += 1
                        break
                    }
                } else {
                    field.append(bytes[i])
                    i += 1
                }
            }
            row.append(String(decoding: field, as: UTF8.self))
        } else {
            let start = i
            while i < n, bytes[i] != comma, bytes[i] != lf {
                guard bytes[i] != quote, bytes[i] != cr else {
                    throw CSVReadError(offset: i, description: "quote or CR in an unquoted field")
                }
                i += 1
            }
            row.append(i == start ? nil : String(decoding: bytes[start..<i], as: UTF8.self))
        }
        guard i < n else {
            rows.append(row)
            break
        }
        if bytes[i] == comma {
            i += 1
            if i == n {
                row.append(nil)
                rows.append(row)
            }
        } else if bytes[i] == lf {
            rows.append(row)
            row = []
            i += 1
        } else {
            throw CSVReadError(offset: i, description: "text after a closing quote")
        }
    }
    return rows
}

// MARK: - Tests

@Suite struct CSVFormatterTests {
    static let header =
        "id,account_id,occurred_date,event_type__id,event_type__name,event_type__description,user__id,user__email,"
        + "user__archived,external_id,source,description,risk__level,risk__factor,risk__decay_mode,risk__expire_date,"
        + "metadata,_extra\n"

    @Test func writesTheExactHeader() {
        var out: [UInt8] = []
        CSVFormatter().writeHeader(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == Self.header)
        #expect(CSVFormatter.columns.joined(separator: ",") + "\n" == Self.header)
        #expect(CSVFormatter().fileExtension == "csv")
    }

    /// A value in a plain text column (`description`): JSON text → the CSV field.
    static let textCases: [(String, String)] = [
        (#""plain text""#, "plain text"),
        (#""a,b""#, #""a,b""#),
        (#""say \"hi\"""#, #""say ""hi""""#),
        (#""a\"b""#, #""a""b""#),
        (#""line1\nline2""#, "\"line1\nline2\""),
        (#""cr\rhere""#, "\"cr\rhere\""),
        (#""crlf\r\nhere""#, "\"crlf\r\nhere\""),
        (#""tab\tinside""#, "tab\tinside"),
        (#"" leading space""#, #"" leading space""#),
        (#""trailing space ""#, #""trailing space ""#),
        (#""\tleading tab""#, "\"\tleading tab\""),
        (#""trailing tab\t""#, "\"trailing tab\t\""),
        (#"" ""#, #"" ""#),
        (#""😀 emoji 🙈""#, "😀 emoji 🙈"),
        (#""مرحبا بالعالم""#, "مرحبا بالعالم"),
        (#""密码泄露""#, "密码泄露"),
        (#""Пароль скомпрометирован""#, "Пароль скомпрометирован"),
        (#""=SUM(A1:A2)""#, "=SUM(A1:A2)"),
        (#""=HYPERLINK(\"http://x\",1)""#, #""=HYPERLINK(""http://x"",1)""#),
        (#""+cmd|' /C calc'!A0""#, "+cmd|' /C calc'!A0"),
        (#""""#, #""""#),
        ("null", ""),
        ("42", "42"),
        ("-1.50", "-1.50"),
        ("true", "true"),
        ("false", "false"),
        (#"{"a":[1,"b"]}"#, #""{""a"":[1,""b""]}""#),
        ("[]", "[]"),
        ("[1]", "[1]"),
    ]

    @Test(arguments: textCases)
    func writesTextColumn(_ json: String, _ field: String) throws {
        var row = Row()
        row.description = field
        #expect(try csvLine(Event(description: json)) == row.text)
    }

    /// The `risk` object → its four columns.
    static let riskCases: [(String?, String)] = [
        (#"{"level":6,"factor":null,"decay_mode":0,"expire_date":null}"#, "6,,0,"),
        (#"{"level":0,"factor":0,"decay_mode":0,"expire_date":null}"#, "0,0,0,"),
        (#"{"level":-10,"factor":1.50,"decay_mode":1,"expire_date":"2024-06-03"}"#, "-10,1.50,1,2024-06-03"),
        (#"{"level":-1}"#, "-1,,,"),
        (#"{"level":null,"factor":null,"decay_mode":null,"expire_date":null}"#, ",,,"),
        ("{}", ",,,"),
        ("null", ",,,"),
        (nil, ",,,"),
    ]

    @Test(arguments: riskCases)
    func flattensRisk(_ json: String?, _ fields: String) throws {
        var row = Row()
        row.risk = fields
        #expect(try csvLine(Event(risk: json)) == row.text)
    }

    /// `metadata` → its compact JSON text, quoted as needed.
    static let metadataCases: [(String?, String)] = [
        ("null", ""),
        (nil, ""),
        (#"{"a":{"b":[1,"x,y"]},"c":null}"#, #""{""a"":{""b"":[1,""x,y""]},""c"":null}""#),
        (#" { "host" : "ws-1" } "#, #""{""host"":""ws-1""}""#),
        (#"[1,2]"#, #""[1,2]""#),
        ("[]", "[]"),
        ("{}", "{}"),
        (#""hi""#, #""""hi""""#),
        ("5", "5"),
        ("1.50", "1.50"),
        ("true", "true"),
        (#"{"note":"line\nbreak ü"}"#, "\"{\"\"note\"\":\"\"line\\nbreak ü\"\"}\""),
    ]

    @Test(arguments: metadataCases)
    func writesMetadataAsCompactJSON(_ json: String?, _ field: String) throws {
        var row = Row()
        row.metadata = field
        #expect(try csvLine(Event(metadata: json)) == row.text)
    }

    fileprivate static let structureCases: [Case] = [
        Case(name: "documented event", event: Event(), row: Row()),
        Case(
            name: "unknown top-level field",
            event: Event(tail: #","new_top":1"#),
            row: Row(extra: #""{""new_top"":1}""#)),
        Case(
            name: "unknown nested field and unknown top-level field, in event order",
            event: Event(
                user: #"{"id":1,"email":"a@b","archived":true,"department":"x"}"#, tail: #","new_top":1"#),
            row: Row(user: "1,a@b,true", extra: #""{""user"":{""department"":""x""},""new_top"":1}""#)),
        Case(
            name: "unknown fields in event_type and risk",
            event: Event(
                eventType: #"{"account_id":700123,"id":1,"name":"n","description":"d"}"#,
                risk: #"{"level":1,"weight":[2]}"#),
            row: Row(
                eventType: "1,n,d", risk: "1,,,",
                extra: #""{""event_type"":{""account_id"":700123},""risk"":{""weight"":[2]}}""#)),
        Case(
            name: "user is a string",
            event: Event(user: #""ana@corp.example""#),
            row: Row(user: ",,", extra: #""{""user"":""ana@corp.example""}""#)),
        Case(
            name: "user is an array",
            event: Event(user: "[1,2]"),
            row: Row(user: ",,", extra: #""{""user"":[1,2]}""#)),
        Case(
            name: "risk is a number",
            event: Event(risk: "0"),
            row: Row(risk: ",,,", extra: #""{""risk"":0}""#)),
        Case(name: "user is null", event: Event(user: "null"), row: Row(user: ",,")),
        Case(name: "user is absent", event: Event(user: nil), row: Row(user: ",,")),
        Case(name: "event_type is absent", event: Event(eventType: nil), row: Row(eventType: ",,")),
        Case(
            name: "object in a nested column",
            event: Event(user: #"{"id":{"x":1},"email":null,"archived":null}"#),
            row: Row(user: #""{""x"":1}",,"#)),
        Case(
            name: "repeated top-level key goes to _extra",
            event: Event(tail: #","id":"e2""#),
            row: Row(extra: #""{""id"":""e2""}""#)),
        Case(
            name: "repeated nested key goes to _extra",
            event: Event(user: #"{"id":1,"id":2,"email":"a","archived":false}"#),
            row: Row(user: "1,a,false", extra: #""{""user"":{""id"":2}}""#)),
        Case(
            name: "numeric id and big numbers kept literally",
            event: Event(id: "3900011122", accountID: "123456789012345678901234567890"),
            row: Row(id: "3900011122", accountID: "123456789012345678901234567890")),
        Case(
            name: "every member null",
            event: Event(
                id: "null", accountID: "null", occurred: "null", eventType: "null", user: "null",
                externalID: "null", source: "null", description: "null", risk: "null", metadata: "null"),
            row: Row(
                id: "", accountID: "", occurred: "", eventType: ",,", user: ",,", externalID: "", source: "",
                description: "", risk: ",,,", metadata: "")),
        Case(
            name: "empty strings are quoted, nulls are not",
            event: Event(
                eventType: #"{"id":1,"name":"","description":null}"#, externalID: #""""#, source: "null"),
            row: Row(eventType: #"1,"","#, externalID: #""""#, source: "")),
    ]

    @Test(arguments: structureCases)
    fileprivate func writesRow(_ testCase: Case) throws {
        #expect(try csvLine(testCase.event) == testCase.row.text)
    }

    @Test func emptyEventIsAllEmptyFields() throws {
        var out: [UInt8] = []
        CSVFormatter().write(event: JSONObject(), into: &out)
        #expect(String(decoding: out, as: UTF8.self) == String(repeating: ",", count: 17) + "\n")
    }

    @Test func roundTripsThroughAnRFC4180Reader() throws {
        let formatter = OutputFormat.csv.formatter
        var out: [UInt8] = []
        formatter.writeHeader(into: &out)
        // Text cases: the read field must be the value's own text (nil for null).
        var expectedDescriptions: [String?] = []
        for (json, _) in Self.textCases {
            let event = Event(description: json)
            formatter.write(event: try event.object(), into: &out)
            switch try JSONParser.parse(Array(json.utf8)) {
            case .null: expectedDescriptions.append(nil)
            case .string(let text): expectedDescriptions.append(text)
            case .number(let literal): expectedDescriptions.append(literal)
            case let value: expectedDescriptions.append(value.compactString)
            }
        }
        // Metadata cases: the read field must parse back to the same JSON value.
        var expectedMetadata: [JSONValue?] = []
        for (json, _) in Self.metadataCases {
            formatter.write(event: try Event(metadata: json).object(), into: &out)
            let value = try json.map { try JSONParser.parse(Array($0.utf8)) }
            expectedMetadata.append(value == .null ? nil : value)
        }

        let rows = try readCSV(out)
        try #require(rows.count == 1 + Self.textCases.count + Self.metadataCases.count)
        #expect(rows[0] == CSVFormatter.columns)
        for row in rows { #expect(row.count == 18) }

        let descriptionColumn = try #require(CSVFormatter.columns.firstIndex(of: "description"))
        let textRows = rows[1...Self.textCases.count]
        #expect(textRows.map { $0[descriptionColumn] } == expectedDescriptions)

        let metadataColumn = try #require(CSVFormatter.columns.firstIndex(of: "metadata"))
        let metadataRows = rows[(1 + Self.textCases.count)...]
        let readMetadata = try metadataRows.map { row in
            try row[metadataColumn].map { try JSONParser.parse(Array($0.utf8)) }
        }
        #expect(readMetadata == expectedMetadata)
        for row in rows.dropFirst() {
            #expect(row[0] == "e1")
            #expect(row[17] == nil)
        }
    }

    @Test func extraRoundTripsToTheLeftOverMembers() throws {
        let event = Event(
            eventType: #"{"id":1,"name":"n","description":null,"category":"x,y"}"#,
            user: #"{"id":1,"email":"a","archived":false,"tags":["q\"uote"]}"#,
            tail: #","new_top":{"k":[1,null]},"other":"line\nbreak""#)
        let rows = try readCSV(Array(try csvLine(event).utf8))
        let extra = try #require(rows.first?[17])
        let expected =
            #"{"event_type":{"category":"x,y"},"user":{"tags":["q\"uote"]},"#
            + #""new_top":{"k":[1,null]},"other":"line\nbreak"}"#
        #expect(extra == expected)
        #expect(try JSONParser.parse(Array(extra.utf8)).compactString == expected)
    }

    @Test func sameEventAlwaysGivesSameBytes() throws {
        let event = try Event(tail: #","z":1,"a":2"#).object()
        var first: [UInt8] = []
        CSVFormatter().write(event: event, into: &first)
        for _ in 0..<3 {
            var again: [UInt8] = []
            CSVFormatter().write(event: event, into: &again)
            #expect(again == first)
        }
    }
}
