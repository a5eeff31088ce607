/// The canonical compact form: no whitespace, object keys in their order, numbers as their literal text.
///
/// Strings escape only what JSON requires: `"` → `\"`, `\` → `\\`, U+0008 → `\b`, U+000C → `\f`,
/// U+000A → `\n`, U+000D → `\r`, U+0009 → `\t`, any other U+0000…U+001F → `\u00xx` (lowercase hex).
/// U+007F and everything from U+0080 up is written as raw UTF-8; `/` is not escaped.
/// The same value always gives the same bytes.
extension JSONValue {
    /// Appends the compact form of this value to `out`.
    package func write(into out: inout [UInt8]) {
        switch self {
        case .null:
            JSONWriting.append("null", to: &out)
        case .bool(let flag):
            JSONWriting.append(flag ? "true" : "false", to: &out)
        case .number(let literal):
            JSONWriting.appendUTF8(of: literal, to: &out)
        case .string(let text):
            JSONWriting.appendQuoted(text, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                element.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            object.write(into: &out)
        }
    }

    /// The compact form as bytes.
    package var compactBytes: [UInt8] {
        var out: [UInt8] = []
        write(into: &out)
        return out
    }

    /// The compact form as a string.
    package var compactString: String { String(decoding: compactBytes, as: UTF8.self) }
}

extension JSONObject {
    /// Appends the compact form of this object to `out`, members in order (duplicates included).
    package func write(into out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for i in keys.indices {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONWriting.appendQuoted(keys[i], to: &out)
            out.append(UInt8(ascii: ":"))
            values[i].write(into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// The compact form as bytes.
    package var compactBytes: [UInt8] {
        var out: [UInt8] = []
        write(into: &out)
        return out
    }
}

/// Byte-level helpers of the writer.
enum JSONWriting {
    /// Appends the UTF-8 bytes of a static string.
    @inline(__always)
    static func append(_ text: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends the UTF-8 bytes of `text` as they are.
    @inline(__always)
    static func appendUTF8(of text: String, to out: inout [UInt8]) {
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { out.append(contentsOf: $0) }
        if done == nil { out.append(contentsOf: text.utf8) }
    }

    /// Appends `text` as a JSON string literal with the canonical escaping.
    static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { appendEscaped($0, to: &out) }
        if done == nil { appendEscaped(Array(text.utf8), to: &out) }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends the canonical escaped form of UTF-8 `bytes` (without the surrounding quotes).
    static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var runStart = 0
        var i = 0
        let count = bytes.count
        while i < count {
            let b = bytes[i]
            if b >= 0x20 && b != 0x22 && b != 0x5C {
                i += 1
                continue
            }
            if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
            out.append(UInt8(ascii: "\\"))
            switch b {
            case 0x22: out.append(UInt8(ascii: "\""))
            case 0x5C: out.append(UInt8(ascii: "\\"))
            case 0x08: out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(UInt8(ascii: "f"))
            case 0x0A: out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "t"))
            default:
                let hex: StaticString = "0123456789abcdef"
                out.append(UInt8(ascii: "u"))
                out.append(UInt8(ascii: "0"))
                out.append(UInt8(ascii: "0"))
                out.append(hex.utf8Start[Int(b >> 4)])
                out.append(hex.utf8Start[Int(b & 0x0F)])
            }
            i += 1
            runStart = i
        }
        if runStart < count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<count])) }
    }

    static func appendEscaped(_ bytes: [UInt8], to out: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { appendEscaped($0, to: &out) }
    }
}
