extension JSONValue {
    /// Writes an indented (2 spaces) form for files people read, such as the manifest; scalars stay canonical.
    package func writePretty(into out: inout [UInt8], indent: Int = 0) {
        func newline(_ level: Int) {
            out.append(UInt8(ascii: "\n"))
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: level * 2))
        }
        switch self {
        case .array(let items) where !items.isEmpty:
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                item.writePretty(into: &out, indent: indent + 1)
            }
            newline(indent)
            out.append(UInt8(ascii: "]"))
        case .object(let object) where object.count > 0:
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in zip(object.keys, object.values).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                JSONValue.string(key).write(into: &out)
                out.append(contentsOf: Array(": ".utf8))
                value.writePretty(into: &out, indent: indent + 1)
            }
            newline(indent)
            out.append(UInt8(ascii: "}"))
        default:
            write(into: &out)
        }
    }
}

extension JSONValue {
    /// The value as indented JSON text with a final newline (the manifest's style), for command output.
    package var prettyText: String {
        var out: [UInt8] = []
        writePretty(into: &out)
        out.append(UInt8(ascii: "\n"))
        return String(decoding: out, as: UTF8.self)
    }
}
