import KB4EventsAPI
package import KB4EventsCore

/// Writes each event as one line of compact JSON: members, key order and number literals as received.
struct NDJSONFormatter: EventFormatter {
    /// Creates the formatter.
    package init() {}

    /// `ndjson`.
    var fileExtension: String { "ndjson" }

    /// NDJSON has no header: appends nothing.
    func writeHeader(into out: inout [UInt8]) {}

    /// Appends the event's canonical compact JSON and `\n`.
    package func write(event: JSONObject, into out: inout [UInt8]) {
        event.write(into: &out)
        out.append(UInt8(ascii: "\n"))
    }
}
