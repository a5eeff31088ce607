import KB4EventsAPI
package import KB4EventsCore

/// Writes events as RFC 4180 CSV rows with the fixed columns of ``CSVFormatter/columns``.
///
/// - `event_type`, `user` and `risk` are flattened with `__`; when one of them is null or absent its columns
///   are empty, and when it is not an object its columns are empty and the value goes to `_extra`.
/// - Null or absent → empty field; an empty string → `""`; booleans `true`/`false`; numbers as their literal;
///   strings as their text; an object or array in a scalar column → its compact JSON.
/// - `metadata` is the compact JSON of its value (a string keeps its JSON quotes); null or absent → empty.
/// - `_extra` is a compact JSON object of every member not mapped to a column, in the event's order: unknown
///   top-level members as they are, unknown members of `event_type`/`user`/`risk` as an object under their
///   parent's key, and any repeated occurrence of a key (only the first fills a column). Empty when none.
/// - A field is quoted when it contains `,` `"` LF or CR, or starts or ends with a space or tab; inner quotes
///   are doubled. Every line ends with LF. Text is kept exactly (no formula escaping).
struct CSVFormatter: EventFormatter {
    /// The header, in order; the same for every file.
    package static let columns: [String] = [
        "id", "account_id", "occurred_date",
        "event_type__id", "event_type__name", "event_type__description",
        "user__id", "user__email", "user__archived",
        "external_id", "source", "description",
        "risk__level", "risk__factor", "risk__decay_mode", "risk__expire_date",
        "metadata", "_extra",
    ]

    /// Creates the formatter.
    package init() {}

    /// `csv`.
    var fileExtension: String { "csv" }

    /// Appends the header line.
    func writeHeader(into out: inout [UInt8]) {
        for (i, column) in Self.columns.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: column.utf8)
        }
        out.append(UInt8(ascii: "\n"))
    }

    /// Appends one row for `event`, ending with `\n`.
    package func write(event: JSONObject, into out: inout [UInt8]) {
        // Where the first occurrence of each mapped top-level key sits in the event (-1: absent).
        var first = TopLevelSlots()
        for i in event.keys.indices {
            if let slot = TopLevel(key: event.keys[i]), first[slot] < 0 { first[slot] = i }
        }
        func value(_ slot: TopLevel) -> JSONValue? {
            let i = first[slot]
            return i < 0 ? nil : event.values[i]
        }

        var scratch: [UInt8] = []
        writeScalar(value(.id), into: &out, scratch: &scratch)
        out.append(UInt8(ascii: ","))
        writeScalar(value(.accountID), into: &out, scratch: &scratch)
        out.append(UInt8(ascii: ","))
        writeScalar(value(.occurredDate), into: &out, scratch: &scratch)
        out.append(UInt8(ascii: ","))
        writeGroup(value(.eventType), Group.eventType, into: &out, scratch: &scratch)
        out.append(UInt8(ascii: ","))
        writeGroup(value(.user), Group.user, into: &out, scratch: &scratch)
        out.append(UInt8(ascii: ","))
        writeScalar(value(.externalID), into: &out, scratch: &scratch)
        out.append(UInt8(ascii: ","))
        writeScalar(value(.source), into: &out, scratch: &scratch)
        out.append(UInt8(ascii: ","))
        writeScalar(value(.description), into: &out, scratch: &scratch)
        out.append(UInt8(ascii: ","))
        writeGroup(value(.risk), Group.risk, into: &out, scratch: &scratch)
        out.append(UInt8(ascii: ","))
        if let metadata = value(.metadata), !metadata.isNull {
            scratch.removeAll(keepingCapacity: true)
            metadata.write(into: &scratch)
            Self.writeField(scratch, into: &out)
        }
        out.append(UInt8(ascii: ","))
        scratch.removeAll(keepingCapacity: true)
        writeExtra(event, first: first, into: &scratch)
        if !scratch.isEmpty { Self.writeField(scratch, into: &out) }
        out.append(UInt8(ascii: "\n"))
    }

    // MARK: Columns

    private func writeScalar(_ value: JSONValue?, into out: inout [UInt8], scratch: inout [UInt8]) {
        guard let value else { return }
        switch value {
        case .null:
            return
        case .bool(let flag):
            out.append(contentsOf: flag ? Self.trueBytes : Self.falseBytes)
        case .number(let literal):
            Self.withUTF8(literal) { Self.writeField($0, into: &out) }
        case .string(let text):
            Self.withUTF8(text) { Self.writeField($0, into: &out) }
        case .array, .object:
            scratch.removeAll(keepingCapacity: true)
            value.write(into: &scratch)
            Self.writeField(scratch, into: &out)
        }
    }

    /// Writes the columns of a nested group (separated by commas, no trailing comma).
    private func writeGroup(_ value: JSONValue?, _ group: Group, into out: inout [UInt8], scratch: inout [UInt8]) {
        let object = value?.objectValue
        for (i, key) in group.keys.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            if let object { writeScalar(object[key], into: &out, scratch: &scratch) }
        }
    }

    /// Writes the `_extra` object into `out`, or nothing when no member is left over.
    private func writeExtra(_ event: JSONObject, first: TopLevelSlots, into out: inout [UInt8]) {
        var count = 0
        func member(_ key: String, _ write: (inout [UInt8]) -> Void) {
            out.append(count == 0 ? UInt8(ascii: "{") : UInt8(ascii: ","))
            count += 1
            JSONValue.string(key).write(into: &out)
            out.append(UInt8(ascii: ":"))
            write(&out)
        }
        for i in event.keys.indices {
            let key = event.keys[i]
            let value = event.values[i]
            guard let slot = TopLevel(key: key), first[slot] == i else {
                member(key) { value.write(into: &$0) }  // unknown, or a repeated key
                continue
            }
            guard let group = slot.group else { continue }
            switch value {
            case .null:
                continue
            case .object(let object):
                var unknown = JSONObject()
                for j in object.keys.indices {
                    let subkey = object.keys[j]
                    if group.keys.contains(subkey), object.index(of: subkey) == j { continue }
                    unknown.append(subkey, object.values[j])
                }
                if !unknown.isEmpty { member(key) { unknown.write(into: &$0) } }
            default:
                member(key) { value.write(into: &$0) }  // a group that is not an object
            }
        }
        if count > 0 { out.append(UInt8(ascii: "}")) }
    }

    // MARK: Fields

    private static let trueBytes = Array("true".utf8)
    private static let falseBytes = Array("false".utf8)

    private static func withUTF8(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        if text.utf8.withContiguousStorageIfAvailable(body) == nil {
            Array(text.utf8).withUnsafeBufferPointer(body)
        }
    }

    private static func writeField(_ bytes: [UInt8], into out: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { writeField($0, into: &out) }
    }

    /// Appends one field's text, quoted when RFC 4180 or the leading/trailing-blank rule requires it;
    /// an empty text becomes `""`.
    private static func writeField(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        guard let firstByte = bytes.first, let lastByte = bytes.last else {
            out.append(UInt8(ascii: "\""))
            out.append(UInt8(ascii: "\""))
            return
        }
        var quote = isBlank(firstByte) || isBlank(lastByte)
        var quotes = 0
        if !quote {
            for b in bytes where b == UInt8(ascii: ",") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") {
                quote = true
                break
            }
        }
        for b in bytes where b == UInt8(ascii: "\"") { quotes += 1 }
        if !quote && quotes == 0 {
            out.append(contentsOf: bytes)
            return
        }
        out.append(UInt8(ascii: "\""))
        if quotes == 0 {
            out.append(contentsOf: bytes)
        } else {
            var runStart = 0
            for i in bytes.indices where bytes[i] == UInt8(ascii: "\"") {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...i]))
                out.append(UInt8(ascii: "\""))
                runStart = i + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    private static func isBlank(_ b: UInt8) -> Bool { b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") }
}

// MARK: - Mapping

/// The top-level keys that fill columns.
private enum TopLevel: Int, CaseIterable {
    case id, accountID, occurredDate, eventType, user, externalID, source, description, risk, metadata

    init?(key: String) {
        switch key {
        case "id": self = .id
        case "account_id": self = .accountID
        case "occurred_date": self = .occurredDate
        case "event_type": self = .eventType
        case "user": self = .user
        case "external_id": self = .externalID
        case "source": self = .source
        case "description": self = .description
        case "risk": self = .risk
        case "metadata": self = .metadata
        default: return nil
        }
    }

    var group: Group? {
        switch self {
        case .eventType: .eventType
        case .user: .user
        case .risk: .risk
        default: nil
        }
    }
}

/// The nested objects flattened with `__`, and their mapped keys in column order.
private enum Group {
    case eventType, user, risk

    var keys: [String] {
        switch self {
        case .eventType: Self.eventTypeKeys
        case .user: Self.userKeys
        case .risk: Self.riskKeys
        }
    }

    static let eventTypeKeys = ["id", "name", "description"]
    static let userKeys = ["id", "email", "archived"]
    static let riskKeys = ["level", "factor", "decay_mode", "expire_date"]
}

/// The index of the first occurrence of each top-level key, without a heap allocation.
private struct TopLevelSlots {
    private var storage: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int) = (-1, -1, -1, -1, -1, -1, -1, -1, -1, -1)

    subscript(slot: TopLevel) -> Int {
        get {
            withUnsafeBytes(of: storage) {
                $0.load(fromByteOffset: slot.rawValue * MemoryLayout<Int>.stride, as: Int.self)
            }
        }
        set {
            withUnsafeMutableBytes(of: &storage) {
                $0.storeBytes(of: newValue, toByteOffset: slot.rawValue * MemoryLayout<Int>.stride, as: Int.self)
            }
        }
    }
}
