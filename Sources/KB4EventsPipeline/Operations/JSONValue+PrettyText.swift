public import KB4EventsAPI

extension JSONValue {
    /// The value as indented JSON text with a final newline (the manifest's style), for command output.
    public var prettyText: String {
        var out: [UInt8] = []
        writePretty(into: &out)
        out.append(UInt8(ascii: "\n"))
        return String(decoding: out, as: UTF8.self)
    }
}
