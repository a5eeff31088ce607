import KB4EventsAPI
package import KB4EventsCore

/// Writes events as RFC 4180 CSV rows with the fixed columns of ``CSVFormatter/columns``.
///
/// - The columns and `_extra` are ``FlatEvent``'s (the flattening shared with Parquet): `event_type`, `user` and
///   `risk` are flattened with `__`; when one of them is null or absent its columns are empty, and when it is not an
///   object its columns are empty and the value goes to `_extra`.
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
    package static let columns: [String] = FlatColumn.names

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
        let flat = FlatEvent(event)
        var scratch: [UInt8] = []
        for column in Self.scalarColumns {
            if column != .id { out.append(UInt8(ascii: ",")) }
            writeScalar(flat.value(column), into: &out, scratch: &scratch)
        }
        out.append(UInt8(ascii: ","))
        if let metadata = flat.value(.metadata), !metadata.isNull {
            scratch.removeAll(keepingCapacity: true)
            metadata.write(into: &scratch)
            Self.writeField(scratch, into: &out)
        }
        out.append(UInt8(ascii: ","))
        scratch.removeAll(keepingCapacity: true)
        flat.writeExtra(into: &scratch)
        if !scratch.isEmpty { Self.writeField(scratch, into: &out) }
        out.append(UInt8(ascii: "\n"))
    }

    /// The columns written as scalars (all but `metadata` and `_extra`).
    private static let scalarColumns = FlatColumn.allCases.filter { $0 != .metadata && $0 != .extra }

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
