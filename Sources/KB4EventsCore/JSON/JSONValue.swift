/// A JSON value that keeps what was received: object key order, duplicate keys, and number literals as text.
///
/// Two values are equal when they would be written as the same bytes: numbers compare by their literal
/// text (`1.0` and `1` differ), objects by their keys and values in order.
package enum JSONValue: Sendable, Hashable {
    /// The literal `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, as its literal text exactly as received (for example `3900011122`, `1.50`, `-0`, `1e3`).
    ///
    /// The parser only produces text that matches the RFC 8259 number grammar; a value built by hand
    /// is written as is, so it must follow that grammar too.
    case number(String)
    /// A string, with escapes decoded.
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object, with its keys in the order received.
    case object(JSONObject)
}

/// A JSON object that keeps its keys in order, duplicates included.
///
/// `keys[i]` belongs to `values[i]`; both arrays always have the same length. Lookups scan linearly and
/// return the first match, which suits the small objects of an API event.
package struct JSONObject: Sendable, Hashable {
    /// The keys, in order; a key may repeat.
    package private(set) var keys: [String]
    /// The values, `values[i]` belonging to `keys[i]`.
    package private(set) var values: [JSONValue]

    /// Creates an empty object.
    package init() {
        keys = []
        values = []
    }

    /// Creates an object from key/value pairs, kept in the given order (duplicates kept).
    package init(_ pairs: [(String, JSONValue)]) {
        keys = pairs.map(\.0)
        values = pairs.map(\.1)
    }

    /// Creates an object from parallel arrays of keys and values, which must have the same length.
    package init(keys: [String], values: [JSONValue]) {
        precondition(keys.count == values.count, "JSONObject: \(keys.count) keys but \(values.count) values")
        self.keys = keys
        self.values = values
    }

    /// The number of members (duplicate keys counted each time).
    package var count: Int { keys.count }

    /// Whether the object has no members.
    package var isEmpty: Bool { keys.isEmpty }

    /// The value of the first member named `key`, or nil when there is none.
    ///
    /// Setting a value replaces the first member named `key`, or appends a member when there is none;
    /// setting nil removes every member named `key`.
    package subscript(key: String) -> JSONValue? {
        get {
            guard let i = index(of: key) else { return nil }
            return values[i]
        }
        set {
            if let newValue {
                if let i = index(of: key) {
                    values[i] = newValue
                } else {
                    append(key, newValue)
                }
            } else {
                var i = keys.count - 1
                while i >= 0 {
                    if keys[i] == key {
                        keys.remove(at: i)
                        values.remove(at: i)
                    }
                    i -= 1
                }
            }
        }
    }

    /// The position of the first member named `key`, or nil when there is none.
    package func index(of key: String) -> Int? {
        for i in keys.indices where keys[i] == key { return i }
        return nil
    }

    /// Whether a member named `key` is present (its value may be `null`).
    package func contains(_ key: String) -> Bool { index(of: key) != nil }

    /// Appends a member at the end, even when the key is already present.
    package mutating func append(_ key: String, _ value: JSONValue) {
        keys.append(key)
        values.append(value)
    }

    /// Reserves room for `capacity` members.
    package mutating func reserveCapacity(_ capacity: Int) {
        keys.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    /// The members as (key, value) pairs, in order.
    package var members: Zip2Sequence<[String], [JSONValue]> { zip(keys, values) }
}

extension JSONValue {
    /// The text of a string value; nil for any other kind.
    package var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The literal text of a number value; nil for any other kind.
    package var numberText: String? {
        if case .number(let text) = self { return text }
        return nil
    }

    /// The value of a boolean; nil for any other kind.
    package var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    /// The object of an object value; nil for any other kind.
    package var objectValue: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    /// The elements of an array value; nil for any other kind.
    package var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// Whether this is `null`.
    package var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The first member named `key` of an object value; nil when absent or when this is not an object.
    package subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }
}
