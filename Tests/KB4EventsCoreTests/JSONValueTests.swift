@testable import KB4EventsCore
import Testing

@Suite struct JSONValueTests {
    @Test func accessorsMatchTheirKindOnly() {
        let values: [JSONValue] = [
            .null, .bool(true), .number("1"), .string("s"), .array([.null]), .object(JSONObject([("k", .null)])),
        ]
        #expect(values.map(\.isNull) == [true, false, false, false, false, false])
        #expect(values.map(\.boolValue) == [nil, true, nil, nil, nil, nil])
        #expect(values.map(\.numberText) == [nil, nil, "1", nil, nil, nil])
        #expect(values.map(\.stringValue) == [nil, nil, nil, "s", nil, nil])
        #expect(values.map(\.arrayValue) == [nil, nil, nil, nil, [.null], nil])
        #expect(values.map { $0.objectValue?.keys } == [nil, nil, nil, nil, nil, ["k"]])
        #expect(values.map { $0["k"] } == [nil, nil, nil, nil, nil, .null])
    }

    @Test func subscriptReturnsFirstOfDuplicateKeys() {
        let object = JSONObject([("a", .number("1")), ("b", .number("2")), ("a", .number("3"))])
        #expect(object["a"] == .number("1"))
        #expect(object["missing"] == nil)
        #expect(object.index(of: "b") == 1)
        #expect(object.contains("b"))
        #expect(!object.contains("c"))
        #expect(object.count == 3)
        #expect(Array(object.members).map(\.0) == ["a", "b", "a"])
    }

    @Test func subscriptSetterReplacesAppendsAndRemoves() {
        var object = JSONObject([("a", .number("1")), ("b", .number("2")), ("a", .number("3"))])
        object["a"] = .string("x")
        #expect(object.keys == ["a", "b", "a"])
        #expect(object.values == [.string("x"), .number("2"), .number("3")])
        object["c"] = .null
        #expect(object.keys == ["a", "b", "a", "c"])
        object["a"] = nil
        #expect(object.keys == ["b", "c"])
        #expect(object.values == [.number("2"), .null])
    }

    @Test func appendKeepsDuplicatesAndOrder() {
        var object = JSONObject()
        #expect(object.isEmpty)
        object.append("z", .null)
        object.append("a", .bool(false))
        object.append("z", .number("2"))
        #expect(object.keys == ["z", "a", "z"])
        #expect(object == JSONObject([("z", .null), ("a", .bool(false)), ("z", .number("2"))]))
        #expect(object != JSONObject([("a", .bool(false)), ("z", .null), ("z", .number("2"))]))
    }

    @Test func numbersCompareByLiteralText() {
        #expect(JSONValue.number("1.0") != JSONValue.number("1"))
        #expect(JSONValue.number("1e3") == JSONValue.number("1e3"))
    }
}
