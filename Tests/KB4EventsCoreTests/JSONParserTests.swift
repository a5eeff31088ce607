@testable import KB4EventsCore
import Testing

@Suite struct JSONParserTests {
    private func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    private func parseError(_ bytes: [UInt8]) -> JSONParseError? {
        do {
            let value = try JSONParser.parse(bytes)
            Issue.record("expected an error, parsed \(value)")
            return nil
        } catch {
            return error
        }
    }

    // MARK: Valid documents

    static let validCases: [(String, JSONValue)] = [
        ("null", .null),
        ("true", .bool(true)),
        ("false", .bool(false)),
        (" \t\r\n 7 \n", .number("7")),
        (#""""#, .string("")),
        (#""plain ascii""#, .string("plain ascii")),
        (#""Zoë 😀 مرحبا 密码 Пароль""#, .string("Zoë 😀 مرحبا 密码 Пароль")),
        ("[]", .array([])),
        ("{}", .object(JSONObject())),
        ("[ 1 , [ ] , { } , \"x\" ]", .array([.number("1"), .array([]), .object(JSONObject()), .string("x")])),
        (
            #"{"b":1,"a":{"z":null,"y":[true,false]}}"#,
            .object(
                JSONObject([
                    ("b", .number("1")),
                    ("a", .object(JSONObject([("z", .null), ("y", .array([.bool(true), .bool(false)]))]))),
                ]))
        ),
        (#"{"k":1,"k":2}"#, .object(JSONObject([("k", .number("1")), ("k", .number("2"))]))),
        (#"{"":""}"#, .object(JSONObject([("", .string(""))]))),
    ]

    @Test(arguments: validCases)
    func parsesValidDocument(_ text: String, _ expected: JSONValue) throws {
        #expect(try parse(text) == expected)
    }

    @Test func keepsKeyOrderAndDuplicates() throws {
        let object = try #require(try parse(#"{"z":1,"a":2,"m":3,"a":4}"#).objectValue)
        #expect(object.keys == ["z", "a", "m", "a"])
        #expect(object.values == [.number("1"), .number("2"), .number("3"), .number("4")])
        #expect(object["a"] == .number("2"))
    }

    @Test func parsesFromRawBuffer() throws {
        let bytes = Array(#"{"data":[{"id":"e1"}]}"#.utf8)
        let value = try bytes.withUnsafeBytes { buffer in try JSONParser.parse(buffer) }
        #expect(value["data"]?.arrayValue?.first?["id"] == .string("e1"))
    }

    // MARK: Numbers

    static let numberLiterals = [
        "0", "-0", "7", "-7", "1.50", "1e3", "1E+3", "1e-7", "-12.5e-3", "0.0", "3900011122",
        "123456789012345678901234567890", "1.0000000000000000000001", "2E-0",
    ]

    @Test(arguments: numberLiterals)
    func keepsNumberLiteralText(_ literal: String) throws {
        #expect(try parse(literal) == .number(literal))
        #expect(try parse("[\(literal)]") == .array([.number(literal)]))
        #expect(try parse("{\"n\":\(literal)}")["n"] == .number(literal))
    }

    // MARK: Strings and escapes

    static let escapeCases: [(String, String)] = [
        (#""\"""#, "\""),
        (#""\\""#, "\\"),
        (#""\/""#, "/"),
        (#""\b""#, "\u{08}"),
        (#""\f""#, "\u{0C}"),
        (#""\n""#, "\n"),
        (#""\r""#, "\r"),
        (#""\t""#, "\t"),
        (#""\u0000""#, "\u{00}"),
        (#""\u001f""#, "\u{1F}"),
        (#""\u0041""#, "A"),
        (#""\u00e9\u00E9""#, "éé"),
        (#""\u20ac""#, "€"),
        (#""\uFFFF""#, "\u{FFFF}"),
        (#""\ud83d\ude00""#, "😀"),
        (#""\uD83D\uDE00""#, "😀"),
        (#""\udbff\udfff""#, "\u{10FFFF}"),
        // Lone surrogates (valid JSON, no Unicode text) become U+FFFD; what follows is read on its own.
        (#""\ud800""#, "\u{FFFD}"),
        (#""\udc00""#, "\u{FFFD}"),
        (#""\ud800\u0041""#, "\u{FFFD}A"),
        (#""\ud800x""#, "\u{FFFD}x"),
        (#""\ude00\ud83d""#, "\u{FFFD}\u{FFFD}"),
        (#""\ud83d\ud83d\ude00""#, "\u{FFFD}😀"),
        (#""a\nb\tc \"q\" é 😀 end""#, "a\nb\tc \"q\" é 😀 end"),
        (
            #""long prefix before the first escape so the fast path runs a while\n then more text""#,
            "long prefix before the first escape so the fast path runs a while\n then more text"
        ),
    ]

    @Test(arguments: escapeCases)
    func decodesEscape(_ json: String, _ expected: String) throws {
        #expect(try parse(json) == .string(expected))
    }

    @Test func decodesEscapesInKeys() throws {
        let object = try #require(try parse(#"{"a\u0062\n":1}"#).objectValue)
        #expect(object.keys == ["ab\n"])
    }

    // MARK: Invalid documents

    static let invalidCases: [(String, Int, String)] = [
        ("", 0, "empty input"),
        ("  \n", 3, "empty input"),
        (#"{"a":1,}"#, 7, "unexpected character '}'"),
        ("[1,]", 3, "unexpected character ']'"),
        ("[1 2]", 3, "unexpected character '2'"),
        ("[1]]", 3, "unexpected character ']'"),
        (#"{"a":1}x"#, 7, "unexpected character 'x'"),
        (#"{"a" 1}"#, 5, "unexpected character '1'"),
        ("{1:2}", 1, "unexpected character '1'"),
        ("{'a':1}", 1, "unexpected character '''"),
        ("// c\n1", 0, "unexpected character '/'"),
        ("/* c */ 1", 0, "unexpected character '/'"),
        ("NaN", 0, "unexpected character 'N'"),
        ("[Infinity]", 1, "unexpected character 'I'"),
        ("True", 0, "unexpected character 'T'"),
        ("trux", 3, "unexpected character 'x'"),
        ("nul", 3, "truncated input"),
        ("01", 0, "leading zero in number"),
        ("-01", 0, "leading zero in number"),
        ("[00]", 1, "leading zero in number"),
        ("1.", 2, "truncated input"),
        ("[1.]", 3, "unexpected character ']'"),
        ("1.e3", 2, "unexpected character 'e'"),
        ("1e", 2, "truncated input"),
        ("[1e+]", 4, "unexpected character ']'"),
        ("+1", 0, "unexpected character '+'"),
        (".5", 0, "unexpected character '.'"),
        ("-", 1, "truncated input"),
        ("-a", 1, "unexpected character 'a'"),
        ("0x1F", 1, "unexpected character 'x'"),
        ("1 2", 2, "unexpected character '2'"),
        (#""abc"#, 0, "unterminated string"),
        (#"["abc\"]"#, 1, "unterminated string"),
        ("\"a\u{01}b\"", 2, "unescaped control character in string"),
        ("\"tab\there\"", 4, "unescaped control character in string"),
        ("\"line\nbreak\"", 5, "unescaped control character in string"),
        (#""\x""#, 1, "invalid escape 'x'"),
        (#""\U0041""#, 1, "invalid escape 'U'"),
        (#""\u12G4""#, 5, "invalid hex digit 'G' in \\u escape"),
        (#""\u12""#, 5, "incomplete \\u escape"),
        ("[", 1, "truncated input"),
        ("{", 1, "truncated input"),
        (#"{"a""#, 4, "truncated input"),
        (#"{"a":"#, 5, "truncated input"),
        (#"{"a":1"#, 6, "truncated input"),
        ("[1,", 3, "truncated input"),
        ("[é]", 1, "unexpected character 'é'"),
        ("\u{01}", 0, "unexpected character U+0001"),
    ]

    @Test(arguments: invalidCases)
    func rejectsInvalidDocument(_ text: String, _ offset: Int, _ reason: String) throws {
        let error = try #require(parseError(Array(text.utf8)))
        #expect(error.reason == reason)
        #expect(error.offset == offset)
        #expect(error.description == "\(reason) at byte \(offset)")
    }

    // MARK: UTF-8

    static let invalidUTF8Cases: [([UInt8], Int, String)] = [
        ([0x22, 0xC0, 0xAF, 0x22], 1, "invalid UTF-8"),  // overlong "/"
        ([0x22, 0xE0, 0x80, 0xAF, 0x22], 1, "invalid UTF-8"),  // overlong 3-byte
        ([0x22, 0xF0, 0x80, 0x80, 0xAF, 0x22], 1, "invalid UTF-8"),  // overlong 4-byte
        ([0x22, 0xED, 0xA0, 0x80, 0x22], 1, "invalid UTF-8"),  // encoded surrogate U+D800
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1, "invalid UTF-8"),  // above U+10FFFF
        ([0x22, 0x61, 0xE2, 0x82, 0x22], 2, "invalid UTF-8"),  // truncated sequence before the quote
        ([0x22, 0xE2, 0x82, 0x61, 0x22], 1, "invalid UTF-8"),  // truncated sequence before ASCII
        ([0x22, 0xFF, 0x22], 1, "invalid UTF-8"),
        ([0x22, 0xFE, 0x22], 1, "invalid UTF-8"),
        ([0x22, 0x61, 0x62, 0x80, 0x22], 3, "invalid UTF-8"),  // lone continuation byte
        ([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], 1, "invalid UTF-8"),
        ([0x22, 0x5C, 0x6E, 0xC3, 0x28, 0x22], 3, "invalid UTF-8"),  // after an escape (slow path)
        ([0x5B, 0xFF, 0x5D], 1, "invalid UTF-8"),  // outside a string
        ([0x7B, 0x22, 0xFE, 0x22, 0x3A, 0x31, 0x7D], 2, "invalid UTF-8"),  // in a key
        ([0x31, 0x20, 0xC0], 2, "invalid UTF-8"),  // after the document
        ([0x22, 0x61, 0xE2, 0x82], 0, "unterminated string"),  // input ends inside a sequence
    ]

    @Test(arguments: invalidUTF8Cases)
    func rejectsInvalidUTF8(_ bytes: [UInt8], _ offset: Int, _ reason: String) throws {
        let error = try #require(parseError(bytes))
        #expect(error.reason == reason)
        #expect(error.offset == offset)
    }

    @Test func invalidUTF8IsFoundFarInsideALongString() throws {
        // Past several 8-byte blocks of the fast path, and inside a page-like document.
        var bytes = Array(#"{"data":[{"description":"abcdefghijklmnopqrstuvwxyz"#.utf8)
        let badOffset = bytes.count
        bytes += [0xFF]
        bytes += Array(#"xyz"}]}"#.utf8)
        let error = try #require(parseError(bytes))
        #expect(error == JSONParseError(offset: badOffset, reason: "invalid UTF-8"))
    }

    @Test func acceptsBoundaryScalars() throws {
        let text = "\u{7F}\u{80}\u{7FF}\u{800}\u{D7FF}\u{E000}\u{FFFD}\u{10000}\u{10FFFF}"
        #expect(try parse("\"\(text)\"") == .string(text))
    }

    // MARK: Truncation and depth

    static let pageDocument = #"""
        {"data":[{"id":"0d6f3c1e-7b2a-4e55-9a43-2f1c9b7e6a10","account_id":700123,"user":{"email":"zoë@corp.example",
        "id":91000017,"archived":false},"description":"a \"q\" \\ \/ \u00e9 \ud83d\ude00 密码","risk":{"level":-6,
        "factor":1.50,"decay_mode":0,"expire_date":null},"metadata":{"tags":["x","y"],"n":1e-7}}],
        "meta":{"count":1,"next_page":null,"is_last_page":true}}
        """#

    @Test func everyTruncationOfADocumentIsAnError() throws {
        let bytes = Array(Self.pageDocument.utf8)
        _ = try JSONParser.parse(bytes)  // the whole document is valid
        for length in 0..<bytes.count {
            let error = try #require(parseError(Array(bytes[..<length])), "prefix of \(length) bytes")
            #expect(
                ["truncated input", "unterminated string", "empty input"].contains(error.reason),
                "prefix of \(length) bytes: \(error)")
        }
    }

    @Test func acceptsNestingUpToTheLimit() throws {
        let depth = JSONParser.maximumDepth
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        var value = try parse(arrays)
        for _ in 1..<depth { value = try #require(value.arrayValue?.first) }
        #expect(value == .array([]))

        let objects = String(repeating: #"{"a":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
        _ = try parse(objects)
    }

    @Test func rejectsNestingBeyondTheLimit() throws {
        let depth = JSONParser.maximumDepth + 1
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let error = try #require(parseError(Array(arrays.utf8)))
        #expect(error == JSONParseError(offset: depth - 1, reason: "nesting deeper than 512"))

        let mixed = String(repeating: #"{"a":["#, count: depth / 2 + 1)
        #expect(parseError(Array(mixed.utf8))?.reason == "nesting deeper than 512")
    }

    // MARK: Round trips

    @Test func writingACanonicalDocumentReproducesItsBytes() throws {
        let canonical =
            #"{"data":[{"id":"e1","n":[0,-0,1.50,1e3,1E+3,-2.5e-7,3900011122],"s":"q\" b\\ / \b\f\n\r\t\u0000\u001f"#
            + "\u{7F} é 😀 مرحبا 密码 Пароль"
            + #"","e":{},"a":[],"dup":1,"dup":2,"x":null,"t":true,"f":false}],"meta":{"next_page":null}}"#
        let bytes = Array(canonical.utf8)
        #expect(try JSONParser.parse(bytes).compactBytes == bytes)
    }

    @Test func writingANonCanonicalDocumentGivesTheCanonicalForm() throws {
        let input = #" { "a" : [ 1 , "\/\u00e9\u001F\u007f" ] ,"b":{ } } "#
        let expected = #"{"a":[1,"/é\u001f"# + "\u{7F}" + #""],"b":{}}"#
        #expect(try parse(input).compactString == expected)
    }

    @Test(arguments: [pageDocument, #"[1,"\u0000",{"k":[{}]},-0.0e+5]"#, #""only a string""#])
    func parseWriteParseIsIdentity(_ text: String) throws {
        let first = try parse(text)
        let second = try JSONParser.parse(first.compactBytes)
        #expect(first == second)
        #expect(first.compactBytes == second.compactBytes)
    }
}
