@testable import KB4EventsSimulator
import Testing

@Suite struct JSONParserTests {
    @Test func parserReadsWhatTheWriterWrites() throws {
        let text = "{\"k\":[1,-2,3.25,\"a\\u00e9\\ud83d\\ude00\\n\",false,null,{}]}"
        let value = try JSONParser.parse(Array(text.utf8))
        #expect(String(decoding: value.compactBytes, as: UTF8.self) == "{\"k\":[1,-2,3.25,\"aé😀\\n\",false,null,{}]}")
    }

    @Test(arguments: ["", "{", "{\"a\":}", "[1,]", "tru", "\"\u{01}\"", "{} x", "01", "\"\\ud800\"", "1."])
    func parserRejectsBrokenJSON(text: String) {
        #expect(throws: JSONParser.Failure.self) { _ = try JSONParser.parse(Array(text.utf8)) }
    }
}
