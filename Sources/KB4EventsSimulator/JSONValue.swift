/// The simulator's own JSON tree: object members keep their order, and decimals keep their text,
/// so what it writes is exactly what it means to write.
indirect enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case int(Int)
    /// A non-integer number, kept as its literal text (e.g. `1.5`).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    /// The value of `key` when this is an object that has it.
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// Canonical compact JSON bytes of this value.
    var compactBytes: [UInt8] {
        var writer = JSONWriter()
        writer.value(self)
        return writer.bytes
    }
}
