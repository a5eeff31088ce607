/// What a column holds, as the caller thinks of it; each maps to one physical type and its annotations.
package enum ParquetColumnKind: Sendable, Equatable {
    /// UTF-8 text: BYTE_ARRAY, logical STRING, converted UTF8.
    case string
    /// A JSON document as UTF-8 text: BYTE_ARRAY, logical JSON, converted JSON.
    case json
    /// INT64, unannotated.
    case int64
    /// INT32, unannotated.
    case int32
    /// DOUBLE.
    case double
    /// BOOLEAN.
    case boolean
    /// Milliseconds since the Unix epoch, UTC: INT64, logical TIMESTAMP(MILLIS, isAdjustedToUTC), converted
    /// TIMESTAMP_MILLIS.
    case timestampMillis
    /// Days since the Unix epoch: INT32, logical DATE, converted DATE.
    case date

    var physicalType: PhysicalType {
        switch self {
        case .string, .json: .byteArray
        case .int64, .timestampMillis: .int64
        case .int32, .date: .int32
        case .double: .double
        case .boolean: .boolean
        }
    }

    var convertedType: ConvertedType? {
        switch self {
        case .string: .utf8
        case .json: .json
        case .timestampMillis: .timestampMillis
        case .date: .date
        case .int64, .int32, .double, .boolean: nil
        }
    }
}

/// One leaf of a flat schema. Every column is OPTIONAL: a null is a null.
package struct ParquetColumn: Sendable, Equatable {
    package var name: String
    package var kind: ParquetColumnKind
    /// Whether to try dictionary encoding (few distinct values); it falls back to PLAIN past the size limit.
    /// Ignored for BOOLEAN.
    package var dictionary: Bool

    package init(_ name: String, _ kind: ParquetColumnKind, dictionary: Bool = false) {
        self.name = name
        self.kind = kind
        self.dictionary = dictionary
    }
}

/// A flat schema: the columns in order.
package struct ParquetSchema: Sendable, Equatable {
    package var columns: [ParquetColumn]

    package init(_ columns: [ParquetColumn]) {
        self.columns = columns
    }
}
