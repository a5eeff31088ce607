import KB4EventsAPI
package import KB4EventsCore
package import KB4EventsParquet

/// One event as a typed Parquet row: the CSV's columns (``FlatEvent``), each typed as PRODUCT.md's Parquet section
/// says. Pure: the same event always gives the same row.
///
/// A column holds a value only when its type holds it exactly; nothing is coerced. A value of another type (a
/// string `risk.level`, an `account_id` beyond Int64, a `risk.level` of `2.5` or beyond Int32, a number in a string
/// column, an `occurred_date` with sub-millisecond digits, an `expire_date` that is not `YYYY-MM-DD`) leaves its
/// column null and goes to `_extra` under its key, as the CSV puts a group that is not an object there: the file
/// is written, the value kept as the API sent it, and a query finds it with `_extra IS NOT NULL`. (An event without
/// an id or a usable `occurred_date` never gets here: the transform stops the day with a data error first.)
package struct EventRow: Equatable, Sendable {
    package var id: String?
    package var accountID: Int64?
    /// Milliseconds since 1970-01-01T00:00:00Z.
    package var occurredMillis: Int64?
    package var eventTypeID: Int64?
    package var eventTypeName: String?
    package var eventTypeDescription: String?
    package var userID: Int64?
    package var userEmail: String?
    package var userArchived: Bool?
    package var externalID: String?
    package var source: String?
    package var description: String?
    package var riskLevel: Int32?
    package var riskFactor: Double?
    package var riskDecayMode: Int32?
    /// Days since 1970-01-01.
    package var riskExpireDays: Int32?
    /// Compact JSON text of `metadata` (a JSON string keeps its quotes).
    package var metadata: String?
    /// Compact JSON object of every member not in a column (and every rejected value); nil when none.
    package var extra: String?

    /// The schema version of the Parquet files (README "Layout on disk"); in the file's key-value metadata.
    package static let schemaVersion = "1"

    /// The files' schema: ``FlatColumn``'s columns in order, every one optional; dictionary encoding for every
    /// column whose values repeat within a day (all but `id`, `occurred_date`, `user__archived`, `external_id`,
    /// `metadata` and `_extra`). A column chunk whose dictionary passes 1 MiB falls back to PLAIN for its remaining pages.
    /// Measured (docs/BENCHMARKS.md): the larger set takes files from 0.61× to 0.57× of gzip NDJSON.
    package static let schema = ParquetSchema([
        ParquetColumn("id", .string),
        ParquetColumn("account_id", .int64, dictionary: true),
        ParquetColumn("occurred_date", .timestampMillis),
        ParquetColumn("event_type__id", .int64, dictionary: true),
        ParquetColumn("event_type__name", .string, dictionary: true),
        ParquetColumn("event_type__description", .string, dictionary: true),
        ParquetColumn("user__id", .int64, dictionary: true),
        ParquetColumn("user__email", .string, dictionary: true),
        ParquetColumn("user__archived", .boolean),
        ParquetColumn("external_id", .string),
        ParquetColumn("source", .string, dictionary: true),
        ParquetColumn("description", .string, dictionary: true),
        ParquetColumn("risk__level", .int32, dictionary: true),
        ParquetColumn("risk__factor", .double, dictionary: true),
        ParquetColumn("risk__decay_mode", .int32, dictionary: true),
        ParquetColumn("risk__expire_date", .date, dictionary: true),
        ParquetColumn("metadata", .json),
        ParquetColumn("_extra", .json),
    ])

    /// A row of nulls.
    package init() {}

    /// Maps `event` to its row.
    package init(event: JSONObject) {
        let flat = FlatEvent(event)
        var rejected = ColumnSet()
        func take<T>(_ column: FlatColumn, _ convert: (JSONValue) -> T?) -> T? {
            guard let value = flat.value(column), !value.isNull else { return nil }
            if let typed = convert(value) { return typed }
            rejected.insert(column)
            return nil
        }
        id = take(.id, Self.string)
        accountID = take(.accountID, Self.int64)
        occurredMillis = take(.occurredDate, Self.timestampMillis)
        eventTypeID = take(.eventTypeID, Self.int64)
        eventTypeName = take(.eventTypeName, Self.string)
        eventTypeDescription = take(.eventTypeDescription, Self.string)
        userID = take(.userID, Self.int64)
        userEmail = take(.userEmail, Self.string)
        userArchived = take(.userArchived) { $0.boolValue }
        externalID = take(.externalID, Self.string)
        source = take(.source, Self.string)
        description = take(.description, Self.string)
        riskLevel = take(.riskLevel, Self.int32)
        riskFactor = take(.riskFactor, Self.double)
        riskDecayMode = take(.riskDecayMode, Self.int32)
        riskExpireDays = take(.riskExpireDate, Self.date)
        if let value = flat.value(.metadata), !value.isNull {
            var out: [UInt8] = []
            value.write(into: &out)
            metadata = String(decoding: out, as: UTF8.self)
        }
        var out: [UInt8] = []
        flat.writeExtra(rejected: rejected, into: &out)
        if !out.isEmpty { extra = String(decoding: out, as: UTF8.self) }
    }

    // MARK: Types

    static func string(_ value: JSONValue) -> String? { value.stringValue }

    static func int64(_ value: JSONValue) -> Int64? { integer(value) }
    static func int32(_ value: JSONValue) -> Int32? { integer(value) }

    /// An integer literal (no fraction, no exponent) within the range of `T`.
    static func integer<T: FixedWidthInteger>(_ value: JSONValue) -> T? {
        guard let text = value.numberText, isIntegerLiteral(text) else { return nil }
        return T(text)
    }

    /// Any JSON number as the nearest double (as every JSON reader reads it), unless it is beyond the double range.
    static func double(_ value: JSONValue) -> Double? {
        guard let text = value.numberText, let number = Double(text), number.isFinite else { return nil }
        return number
    }

    /// An ISO 8601 timestamp whose instant milliseconds hold exactly (digits past the third of the fraction, if any,
    /// are zeros); an offset other than `Z` is the same instant, stored in UTC.
    static func timestampMillis(_ value: JSONValue) -> Int64? {
        guard let text = value.stringValue, let millis = parseTimestampMillis(text) else { return nil }
        let bytes = Array(text.utf8)
        if bytes.count > 20, bytes[19] == UInt8(ascii: ".") {
            var i = 20
            while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
                if i >= 23 && bytes[i] != UInt8(ascii: "0") { return nil }
                i += 1
            }
        }
        return millis
    }

    /// `YYYY-MM-DD` (from 1970-01-01) as days since 1970-01-01.
    static func date(_ value: JSONValue) -> Int32? {
        guard let text = value.stringValue, let day = Day(text) else { return nil }
        return Int32(exactly: day.ordinal)
    }

    private static func isIntegerLiteral(_ text: String) -> Bool {
        !text.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }
}
