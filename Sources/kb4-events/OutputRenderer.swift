import ArgumentParser
import Foundation
import KB4EventsAPI
import KB4EventsCore

/// The one output convention of the commands: `--output FORM` picks what stdout gets; each command offers some of
/// the forms (`OutputForm.check`) and has a human form, and the one default rule (`chosen`) decides when none is
/// asked for.
enum OutputForm: String, ExpressibleByArgument, CaseIterable {
    /// One line for people (the summary of `sync` and `backfill`).
    case text
    /// Aligned columns for people; a key/value listing for one object.
    case table
    /// One JSON document: an object, or an array for lists (streamed page by page).
    case json
    /// One compact JSON object per line.
    case ndjson

    /// The form in force: the one asked for; else `human`, or JSON when stdout is not a terminal and the command's
    /// default follows the terminal (`api`, `plan`, `sync --dry-run`: scripts and `jq` read them).
    static func chosen(_ asked: OutputForm?, human: OutputForm, jsonWhenPiped: Bool) -> OutputForm {
        asked ?? (jsonWhenPiped && isatty(STDOUT_FILENO) == 0 ? .json : human)
    }

    /// Refuses a form the command does not offer.
    static func check(_ asked: OutputForm?, offered: [OutputForm]) throws {
        guard let asked, !offered.contains(asked) else { return }
        throw ValidationError(
            "--output \(asked.rawValue) is not offered here: use " + offered.map(\.rawValue).joined(separator: " or "))
    }
}

/// `--output` of the `api` commands: json, ndjson or table; a table on a terminal, JSON otherwise.
struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: "Output: json, ndjson or table (default: table on a terminal, json otherwise).")
    var output: OutputForm?

    func validate() throws { try OutputForm.check(output, offered: [.json, .ndjson, .table]) }

    /// The form in force for this run.
    var style: OutputForm { OutputForm.chosen(output, human: .table, jsonWhenPiped: true) }
}

/// `--output` of `plan`, `status` and `verify`: json or table.
struct TableOutputOptions: ParsableArguments {
    @Option(name: .long, help: "Output: json or table (status and verify: table by default; plan: table on a terminal, json otherwise).")
    var output: OutputForm?

    func validate() throws { try OutputForm.check(output, offered: [.json, .table]) }

    /// Whether JSON is in force: asked for, or (`jsonWhenPiped`) stdout is not a terminal.
    func json(whenPiped jsonWhenPiped: Bool) -> Bool {
        OutputForm.chosen(output, human: .table, jsonWhenPiped: jsonWhenPiped) == .json
    }
}

/// One column of a list table: a title, where its value sits in a row, and the widest it may get.
struct TableColumn {
    let title: String
    let path: [String]
    let maxWidth: Int

    init(_ title: String, _ path: String, maxWidth: Int) {
        self.title = title
        self.path = path.split(separator: ".").map(String.init)
        self.maxWidth = maxWidth
    }

    static let events = [
        TableColumn("ID", "id", maxWidth: 36), TableColumn("OCCURRED", "occurred_date", maxWidth: 24),
        TableColumn("TYPE", "event_type.name", maxWidth: 24), TableColumn("USER", "user.email", maxWidth: 32),
        TableColumn("RISK", "risk.level", maxWidth: 4), TableColumn("SOURCE", "source", maxWidth: 16),
        TableColumn("EXTERNAL_ID", "external_id", maxWidth: 20),
        TableColumn("DESCRIPTION", "description", maxWidth: 40),
    ]
    static let eventTypes = [
        TableColumn("ID", "id", maxWidth: 14), TableColumn("NAME", "name", maxWidth: 40),
        TableColumn("DESCRIPTION", "description", maxWidth: 60),
    ]
    static let statuses = [
        TableColumn("ID", "id", maxWidth: 36), TableColumn("PROCESSED", "processed", maxWidth: 24),
        TableColumn("EVENTS", "details.events", maxWidth: 40),
        TableColumn("FAILURES", "details.failures", maxWidth: 50),
    ]
}

/// Writes results to stdout in the chosen style. Lists are written a page at a time, so memory stays bounded
/// however many pages `--all` follows; a JSON list is one array opened before the first page and closed at the end.
final class OutputRenderer {
    let style: OutputForm
    private let columns: [TableColumn]
    private let write: (String) -> Void
    private var listOpen = false
    private var rowsWritten = 0
    private var widths: [Int]?

    /// Creates a renderer; `columns` shape list tables, `write` receives the text (stdout by default).
    init(style: OutputForm, columns: [TableColumn] = [], write: @escaping (String) -> Void = OutputRenderer.stdout) {
        self.style = style
        self.columns = columns
        self.write = write
    }

    static func stdout(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Rows written so far by `rows(_:)`.
    var rowCount: Int { rowsWritten }

    /// Writes one object: compact JSON, or for a table one `key  value` line per (flattened) field.
    func object(_ object: JSONObject) {
        switch style {
        case .json, .ndjson:
            write(JSONValue.object(object).compactString + "\n")
        case .table, .text:
            var pairs: [(String, String)] = []
            Self.flatten(.object(object), prefix: "", into: &pairs)
            let width = pairs.map(\.0.count).max() ?? 0
            write(
                pairs.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(
                    separator: "\n") + "\n")
        }
    }

    /// Writes the next rows of a list (call once per page; `finishList()` after the last).
    func rows(_ items: [JSONObject]) {
        var text = ""
        switch style {
        case .json:
            if !listOpen { text += "[" }
            for item in items {
                if rowsWritten > 0 { text += "," }
                text += "\n" + JSONValue.object(item).compactString
                rowsWritten += 1
            }
        case .ndjson:
            for item in items {
                text += JSONValue.object(item).compactString + "\n"
                rowsWritten += 1
            }
        case .table, .text:
            let cells = items.map { item in columns.map { Self.cell(Self.value(at: $0.path, in: item)) } }
            if widths == nil {
                widths = columns.indices.map { i in
                    min(columns[i].maxWidth, max(columns[i].title.count, cells.map { $0[i].count }.max() ?? 0))
                }
                text += line(columns.map(\.title))
            }
            for row in cells {
                text += line(row)
                rowsWritten += 1
            }
        }
        listOpen = true
        if !text.isEmpty { write(text) }
    }

    /// Ends a list: closes the JSON array (an empty list is `[]`); a table with no rows still gets its header.
    func finishList() {
        switch style {
        case .json: write(listOpen && rowsWritten > 0 ? "\n]\n" : (listOpen ? "]\n" : "[]\n"))
        case .ndjson: break
        case .table, .text: if widths == nil { rows([]) }
        }
    }

    private func line(_ cells: [String]) -> String {
        guard let widths else { return "" }
        var parts: [String] = []
        for (i, cell) in cells.enumerated() {
            let width = widths[i]
            let fitted = cell.count > width ? String(cell.prefix(max(0, width - 1))) + "…" : cell
            parts.append(i == cells.count - 1 ? fitted : fitted.padding(toLength: width, withPad: " ", startingAt: 0))
        }
        var text = parts.joined(separator: "  ")
        while text.hasSuffix(" ") { text.removeLast() }
        return text + "\n"
    }

    /// The value at a key path of an object (nil when any step is missing).
    static func value(at path: [String], in object: JSONObject) -> JSONValue? {
        var current: JSONValue = .object(object)
        for key in path {
            guard let next = current[key] else { return nil }
            current = next
        }
        return current
    }

    /// The text of one table cell: strings as they are, null empty, arrays of scalars comma-separated,
    /// anything else compact JSON; control characters become spaces so a value cannot drive the terminal.
    static func cell(_ value: JSONValue?) -> String {
        let text: String
        switch value {
        case nil, .null?: text = ""
        case .string(let s)?: text = s
        case .number(let n)?: text = n
        case .bool(let b)?: text = b ? "true" : "false"
        case .array(let elements)? where elements.allSatisfy({ $0.objectValue == nil && $0.arrayValue == nil }):
            text = elements.map { cell($0) }.joined(separator: ", ")
        case let other?: text = other.compactString
        }
        return String(
            String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
    }

    /// `risk.level`-style key paths for nested objects; arrays and scalars become one cell each.
    static func flatten(_ value: JSONValue, prefix: String, into pairs: inout [(String, String)]) {
        if case .object(let object) = value, !object.isEmpty || prefix.isEmpty {
            for (key, member) in object.members {
                flatten(member, prefix: prefix.isEmpty ? key : prefix + "." + key, into: &pairs)
            }
        } else {
            pairs.append((prefix, cell(value)))
        }
    }
}
