/// The API's bearer secret. It never prints: `description` and `debugDescription` are redacted.
package struct APIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    let value: String

    /// Wraps a key; surrounding whitespace and newlines (from files) are trimmed. Returns nil when empty.
    package init?(_ raw: String) {
        let trimmed = raw.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty else { return nil }
        value = trimmed
    }

    /// The `Authorization` header value (`Bearer <key>`, no colon).
    var authorizationHeader: String { "Bearer \(value)" }

    package var description: String { "<redacted>" }
    package var debugDescription: String { "<redacted>" }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
