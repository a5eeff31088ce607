@testable import KB4EventsCore
import Testing

@Suite struct JSONWriterTests {
    static let stringCases: [(String, String)] = [
        ("", #""""#),
        ("plain", #""plain""#),
        ("\"", #""\"""#),
        ("\\", #""\\""#),
        ("/", #""/""#),
        ("\u{08}", #""\b""#),
        ("\u{0C}", #""\f""#),
        ("\n", #""\n""#),
        ("\r", #""\r""#),
        ("\t", #""\t""#),
        ("\u{00}", #""\u0000""#),
        ("\u{01}", #""\u0001""#),
        ("\u{0B}", #""\u000b""#),
        ("\u{0E}", #""\u000e""#),
        ("\u{1B}", #""\u001b""#),
        ("\u{1F}", #""\u001f""#),
        ("\u{20}", #"" ""#),
        ("\u{7F}", "\"\u{7F}\""),
        ("\u{80}", "\"\u{80}\""),
        ("é", "\"é\""),
        ("\u{2028}\u{2029}", "\"\u{2028}\u{2029}\""),
        ("😀 مرحبا 密码 Пароль", "\"😀 مرحبا 密码 Пароль\""),
        ("a\"b\\c\nd", #""a\"b\\c\nd""#),
        ("=SUM(A1)", #""=SUM(A1)""#),
    ]

    @Test(arguments: stringCases)
    func escapesStringCanonically(_ text: String, _ expected: String) {
        #expect(JSONValue.string(text).compactString == expected)
        #expect(JSONValue.string(text).compactBytes == Array(expected.utf8))
    }

    @Test func escapesEveryControlCharacter() throws {
        let named: [UInt8: String] = [0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"]
        let hex = Array("0123456789abcdef")
        for byte in UInt8(0)..<0x20 {
            let expected = named[byte] ?? "\\u00" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 15)])
            let text = String(Character(Unicode.Scalar(byte)))
            #expect(JSONValue.string(text).compactString == "\"\(expected)\"", "U+\(byte)")
            #expect(try JSONParser.parse(JSONValue.string(text).compactBytes) == .string(text))
        }
    }

    static let valueCases: [(JSONValue, String)] = [
        (.null, "null"),
        (.bool(true), "true"),
        (.bool(false), "false"),
        (.number("3900011122"), "3900011122"),
        (.number("1.50"), "1.50"),
        (.number("1e3"), "1e3"),
        (.number("-0"), "-0"),
        (.array([]), "[]"),
        (.object(JSONObject()), "{}"),
        (.array([.null, .number("1"), .string("x"), .array([.array([])])]), #"[null,1,"x",[[]]]"#),
        (
            .object(
                JSONObject([("z", .number("1")), ("a", .null), ("z", .bool(true)), ("k\"ey", .object(JSONObject()))])),
            #"{"z":1,"a":null,"z":true,"k\"ey":{}}"#
        ),
    ]

    @Test(arguments: valueCases)
    func writesCompactForm(_ value: JSONValue, _ expected: String) {
        #expect(value.compactString == expected)
    }

    @Test func appendsToExistingBytes() {
        var out = Array("prefix:".utf8)
        JSONValue.array([.number("1")]).write(into: &out)
        JSONObject([("a", .string("b"))]).write(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == #"prefix:[1]{"a":"b"}"#)
    }

    @Test func objectWriteMatchesValueWrite() {
        let object = JSONObject([("b", .number("2")), ("a", .array([.string("é")]))])
        #expect(object.compactBytes == JSONValue.object(object).compactBytes)
    }

    @Test func sameValueAlwaysGivesSameBytes() throws {
        let text = #"{"b":1,"a":2,"c":{"y":null,"x":[3,2,1]}}"#
        let first = try JSONParser.parse(Array(text.utf8)).compactBytes
        for _ in 0..<5 {
            #expect(try JSONParser.parse(Array(text.utf8)).compactBytes == first)
        }
        #expect(String(decoding: first, as: UTF8.self) == text)
    }
}
