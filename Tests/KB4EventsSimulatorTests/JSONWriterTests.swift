@testable import KB4EventsSimulator
import Testing

@Suite struct JSONWriterTests {
    @Test(arguments: [
        ("plain", "\"plain\""), ("q\"b\\s/", "\"q\\\"b\\\\s/\""), ("\u{08}\u{0C}\n\r\t", "\"\\b\\f\\n\\r\\t\""),
        ("\u{00}\u{01}\u{1F}\u{7F}", "\"\\u0000\\u0001\\u001f\u{7F}\""), ("é🇵🇹👨‍👩‍👧", "\"é🇵🇹👨‍👩‍👧\""),
        ("", "\"\""),
    ])
    func escapesOnlyWhatItMust(input: String, expected: String) {
        var writer = JSONWriter()
        writer.string(input)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == expected)
    }

    @Test func writesValuesCompactInMemberOrder() {
        let value = JSONValue.object([
            ("z", .int(-3)), ("a", .array([.bool(true), .null, .number("1.5")])), ("m", .object([])),
            ("s", .string("x")),
        ])
        #expect(
            String(decoding: value.compactBytes, as: UTF8.self)
                == "{\"z\":-3,\"a\":[true,null,1.5],\"m\":{},\"s\":\"x\"}")
    }
}
