/// Why the writer refused.
package enum ParquetWriterError: Error, Equatable, CustomStringConvertible {
    /// A row ended with a column given no value or more than one.
    case incompleteRow(column: String, values: Int)
    /// The schema has no columns, or two with one name.
    case invalidSchema(String)
    /// A call after `close()` or after an earlier failure.
    case closed

    package var description: String {
        switch self {
        case .incompleteRow(let column, let values): "parquet row ended with \(values) values for column \(column)"
        case .invalidSchema(let reason): "parquet schema: \(reason)"
        case .closed: "parquet writer used after close or failure"
        }
    }
}
