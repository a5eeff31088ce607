public import KB4EventsAPI

/// Writes each event as one line of compact JSON: members, key order and number literals as received.
public struct NDJSONFormatter: EventFormatter {
    /// Creates the formatter.
    public init() {}

    /// `ndjson`.
    public var fileExtension: String { "ndjson" }

    /// NDJSON has no header: appends nothing.
    public func writeHeader(into out: inout [UInt8]) {}

    /// Appends the event's canonical compact JSON and `\n`.
    public func write(event: JSONObject, into out: inout [UInt8]) {
        event.write(into: &out)
        out.append(UInt8(ascii: "\n"))
    }
}
