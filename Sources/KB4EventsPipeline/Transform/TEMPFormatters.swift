// TEMPORARY until the formatter files land; deleted then.
public import KB4EventsAPI
public protocol EventFormatter: Sendable {
    var fileExtension: String { get }
    func writeHeader(into out: inout [UInt8])
    func write(event: JSONObject, into out: inout [UInt8])
}
public struct NDJSONFormatter: EventFormatter {
    public var fileExtension: String { "ndjson" }
    public func writeHeader(into out: inout [UInt8]) {}
    public func write(event: JSONObject, into out: inout [UInt8]) { event.write(into: &out); out.append(10) }
}
public enum OutputFormat: String, Sendable, CaseIterable {
    case ndjson, csv
    public var formatter: any EventFormatter { NDJSONFormatter() }
}
