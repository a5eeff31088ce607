/// A value of any column kind, for callers that prefer one call per row over typed appends (tests, small files).
package enum ParquetValue: Sendable, Equatable {
    case null
    /// For `.string` and `.json` columns.
    case string(String)
    /// For `.int64` and `.timestampMillis` (milliseconds since the epoch) columns.
    case int64(Int64)
    /// For `.int32` and `.date` (days since the epoch) columns.
    case int32(Int32)
    case double(Double)
    case boolean(Bool)
}
