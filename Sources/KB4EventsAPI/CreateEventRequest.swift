package import KB4EventsCore

/// The body of `POST /events`: one event for one user, checked against the API's limits before it is sent.
///
/// Optional fields left nil are not sent; a zero `riskLevel` or `riskDecayMode` is sent as `0`, never dropped.
package struct CreateEventRequest: Sendable, Equatable {
    /// The user's e-mail address (required).
    package var targetUser: String
    /// The event type's name (required); an unknown name creates a new type.
    package var eventType: String
    /// The caller's own id for the event, at most 64 characters.
    package var externalID: String?
    /// Where the event came from (free text).
    package var source: String?
    /// What happened, at most 255 characters.
    package var description: String?
    /// `YYYY-MM-DD`; the API uses the day of processing when absent.
    package var occurredDate: String?
    /// An integer from −10 to 10; 0 is a value and is sent.
    package var riskLevel: Int?
    /// 0 or 1.
    package var riskDecayMode: Int?
    /// `YYYY-MM-DD`; the API uses the occurred date plus one month when absent.
    package var riskExpireDate: String?

    /// The longest `external_id` the API accepts, in characters.
    static let maxExternalIDLength = 64
    /// The longest `description` the API accepts, in characters.
    static let maxDescriptionLength = 255

    /// Creates a request with the two required fields; set the others as needed.
    package init(targetUser: String, eventType: String) {
        self.targetUser = targetUser
        self.eventType = eventType
    }

    /// Why a request was not sent: the field (as named in the body) and what is wrong with it.
    package struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        /// The body field, e.g. `risk_level`.
        package let field: String
        /// What is wrong, e.g. `must be an integer from -10 to 10, got 11`.
        package let reason: String

        /// Creates a validation failure.
        package init(field: String, reason: String) {
            self.field = field
            self.reason = reason
        }

        package var description: String { "\(field): \(reason)" }
    }

    /// Checks every field; throws the first problem found, in body order.
    package func validate() throws(Invalid) {
        if !Self.looksLikeEmail(targetUser) {
            throw Invalid(field: "target_user", reason: "'\(targetUser)' is not an e-mail address (name@domain.tld)")
        }
        if eventType.allSatisfy({ $0.isWhitespace }) {
            throw Invalid(field: "event_type", reason: "must not be empty")
        }
        if let externalID, externalID.unicodeScalars.count > Self.maxExternalIDLength {
            throw Invalid(
                field: "external_id",
                reason:
                    "is \(externalID.unicodeScalars.count) characters; at most \(Self.maxExternalIDLength) are allowed")
        }
        if let description, description.unicodeScalars.count > Self.maxDescriptionLength {
            throw Invalid(
                field: "description",
                reason:
                    "is \(description.unicodeScalars.count) characters; at most \(Self.maxDescriptionLength) are allowed"
            )
        }
        if let occurredDate, !Self.isCalendarDate(occurredDate) {
            throw Invalid(field: "occurred_date", reason: "'\(occurredDate)' is not a date (YYYY-MM-DD)")
        }
        if let riskLevel, !(-10...10).contains(riskLevel) {
            throw Invalid(field: "risk_level", reason: "must be an integer from -10 to 10, got \(riskLevel)")
        }
        if let riskDecayMode, riskDecayMode != 0 && riskDecayMode != 1 {
            throw Invalid(field: "risk_decay_mode", reason: "must be 0 or 1, got \(riskDecayMode)")
        }
        if let riskExpireDate, !Self.isCalendarDate(riskExpireDate) {
            throw Invalid(field: "risk_expire_date", reason: "'\(riskExpireDate)' is not a date (YYYY-MM-DD)")
        }
    }

    /// The JSON body: the set fields in a fixed order, integers as numbers (0 included).
    package var json: JSONValue {
        var body = JSONObject()
        body.append("target_user", .string(targetUser))
        body.append("event_type", .string(eventType))
        if let externalID { body.append("external_id", .string(externalID)) }
        if let source { body.append("source", .string(source)) }
        if let description { body.append("description", .string(description)) }
        if let occurredDate { body.append("occurred_date", .string(occurredDate)) }
        if let riskLevel { body.append("risk_level", .number(String(riskLevel))) }
        if let riskDecayMode { body.append("risk_decay_mode", .number(String(riskDecayMode))) }
        if let riskExpireDate { body.append("risk_expire_date", .string(riskExpireDate)) }
        return .object(body)
    }

    /// One `@`, a non-empty local part, a dotted domain, no whitespace or control characters.
    static func looksLikeEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty else { return false }
        let domain = parts[1]
        guard domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains("..") else {
            return false
        }
        return !text.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7F }
    }

    /// Whether `text` is `YYYY-MM-DD` naming a day that exists (leap years included).
    static func isCalendarDate(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return false }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), year >= 1,
            (1...12).contains(month)
        else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return (1...lengths[month - 1]).contains(day)
    }
}
