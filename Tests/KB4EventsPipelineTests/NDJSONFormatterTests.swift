@testable import KB4EventsAPI
@testable import KB4EventsPipeline
import Testing
@testable import KB4EventsCore

@Suite struct NDJSONFormatterTests {
    private func line(_ eventJSON: String) throws -> String {
        let event = try #require(try JSONParser.parse(Array(eventJSON.utf8)).objectValue)
        var out: [UInt8] = []
        NDJSONFormatter().write(event: event, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Input event as the API might send it (any spacing) → the exact line written.
    static let cases: [(String, String, String)] = [
        (
            "documented event",
            #"""
            { "id": "0d6f3c1e-7b2a-4e55-9a43-2f1c9b7e6a10", "account_id": 700123,
              "user": { "email": "ana.silva@corp.example", "id": 91000017, "archived": false },
              "external_id": "soc-4411", "source": "EDR", "description": "Ran blocked macro",
              "occurred_date": "2024-05-03T08:15:42.120Z",
              "risk": { "level": 6, "factor": null, "decay_mode": 0, "expire_date": null },
              "metadata": null,
              "event_type": { "id": 3900011122, "name": "macro_blocked", "description": null } }
            """#,
            #"{"id":"0d6f3c1e-7b2a-4e55-9a43-2f1c9b7e6a10","account_id":700123,"#
                + #""user":{"email":"ana.silva@corp.example","id":91000017,"archived":false},"#
                + #""external_id":"soc-4411","source":"EDR","description":"Ran blocked macro","#
                + #""occurred_date":"2024-05-03T08:15:42.120Z","#
                + #""risk":{"level":6,"factor":null,"decay_mode":0,"expire_date":null},"metadata":null,"#
                + #""event_type":{"id":3900011122,"name":"macro_blocked","description":null}}"# + "\n"
        ),
        (
            "numbers keep their literal text",
            #"{"a":3900011122,"b":1.50,"c":1e3,"d":-0,"e":0,"f":-10,"g":1E-7}"#,
            #"{"a":3900011122,"b":1.50,"c":1e3,"d":-0,"e":0,"f":-10,"g":1E-7}"# + "\n"
        ),
        (
            "unknown fields, nested, kept in order",
            #"{"zeta":{"b":[1,{"c":null}],"a":""},"id":"x","new_top":true}"#,
            #"{"zeta":{"b":[1,{"c":null}],"a":""},"id":"x","new_top":true}"# + "\n"
        ),
        (
            "embedded newlines and control characters stay escaped on one line",
            #"{"d":"line1\nline2\r\ttab \u0001 \"q\" \\ \/"}"#,
            #"{"d":"line1\nline2\r\ttab \u0001 \"q\" \\ /"}"# + "\n"
        ),
        (
            "non-Latin text and emoji as raw UTF-8",
            #"{"d":"مرحبا 密码 Пароль 😀 \u00e9 \ud83d\ude00"}"#,
            "{\"d\":\"مرحبا 密码 Пароль 😀 é 😀\"}\n"
        ),
        (
            "commas, formulas, empty strings and nulls unchanged",
            #"{"a":"x,y","b":"=SUM(A1:A2)","c":"","d":null}"#,
            #"{"a":"x,y","b":"=SUM(A1:A2)","c":"","d":null}"# + "\n"
        ),
        ("duplicate keys kept", #"{"k":1,"k":2}"#, #"{"k":1,"k":2}"# + "\n"),
        ("empty event", "{}", "{}\n"),
    ]

    @Test(arguments: cases)
    func writesOneCanonicalLine(_ name: String, _ input: String, _ expected: String) throws {
        let written = try line(input)
        #expect(written == expected, "\(name)")
        #expect(written.filter { $0 == "\n" }.count == 1)
    }

    @Test func lineParsesBackToTheSameEvent() throws {
        for (_, input, _) in Self.cases {
            let event = try JSONParser.parse(Array(input.utf8))
            let written = Array(try line(input).utf8.dropLast())
            #expect(try JSONParser.parse(written) == event)
        }
    }

    @Test func hasNoHeaderAndTheNDJSONExtension() {
        var out: [UInt8] = []
        NDJSONFormatter().writeHeader(into: &out)
        #expect(out.isEmpty)
        #expect(NDJSONFormatter().fileExtension == "ndjson")
        #expect(OutputFormat.ndjson.formatter.fileExtension == "ndjson")
        #expect(OutputFormat.csv.formatter.fileExtension == "csv")
        #expect(OutputFormat(rawValue: "ndjson") == .ndjson)
        #expect(OutputFormat.allCases == [.ndjson, .csv, .parquet])
    }

    @Test func appendsEventsOneAfterAnother() throws {
        let formatter = OutputFormat.ndjson.formatter
        var out: [UInt8] = []
        for id in ["a", "b"] {
            formatter.write(event: JSONObject([("id", .string(id))]), into: &out)
        }
        #expect(String(decoding: out, as: UTF8.self) == "{\"id\":\"a\"}\n{\"id\":\"b\"}\n")
    }
}
