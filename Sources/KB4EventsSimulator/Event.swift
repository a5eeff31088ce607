package import KB4EventsCore

/// One event as the API stores it, with its JSON rendered once at creation.
struct Event: Sendable {
    var id: String
    /// Creation order (like a database's insertion order); decides `TieOrder.insertion`.
    var sequence: Int
    var accountID: Int
    var user: User
    var externalID: String?
    var source: String?
    var description: String?
    var occurredMillis: Int64
    var riskLevel: Int?
    /// The literal text of `risk.factor` (e.g. `1.5`), or nil for null.
    var riskFactor: String?
    var riskDecayMode: Int?
    var riskExpireDate: String?
    var metadata: JSONValue?
    var eventType: EventType
    /// The canonical compact JSON of this event, key order exactly as the API's.
    private(set) var json: [UInt8] = []

    init(
        id: String, sequence: Int, accountID: Int, user: User, externalID: String?, source: String?,
        description: String?, occurredMillis: Int64, riskLevel: Int?, riskFactor: String?, riskDecayMode: Int?,
        riskExpireDate: String?, metadata: JSONValue?, eventType: EventType
    ) {
        self.id = id
        self.sequence = sequence
        self.accountID = accountID
        self.user = user
        self.externalID = externalID
        self.source = source
        self.description = description
        self.occurredMillis = occurredMillis
        self.riskLevel = riskLevel
        self.riskFactor = riskFactor
        self.riskDecayMode = riskDecayMode
        self.riskExpireDate = riskExpireDate
        self.metadata = metadata
        self.eventType = eventType
        json = render()
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    var occurredDate: String { UTCTime.millis(occurredMillis) }

    /// The UTC day number the event occurred on.
    var day: Int { Day(millis: occurredMillis).ordinal }

    private func render() -> [UInt8] {
        var w = JSONWriter(capacity: 512)
        w.raw("{\"id\":")
        w.string(id)
        w.raw(",\"account_id\":")
        w.int(accountID)
        w.raw(",\"user\":{\"email\":")
        w.string(user.email)
        w.raw(",\"id\":")
        w.int(user.id)
        w.raw(",\"archived\":")
        w.bool(user.archived)
        w.raw("},\"external_id\":")
        w.string(externalID)
        w.raw(",\"source\":")
        w.string(source)
        w.raw(",\"description\":")
        w.string(description)
        w.raw(",\"occurred_date\":")
        w.string(occurredDate)
        w.raw(",\"risk\":{\"level\":")
        w.int(riskLevel)
        w.raw(",\"factor\":")
        w.raw(riskFactor ?? "null")
        w.raw(",\"decay_mode\":")
        w.int(riskDecayMode)
        w.raw(",\"expire_date\":")
        w.string(riskExpireDate)
        w.raw("},\"metadata\":")
        w.value(metadata)
        w.raw(",\"event_type\":{\"id\":")
        w.int(eventType.id)
        w.raw(",\"name\":")
        w.string(eventType.name)
        w.raw(",\"description\":")
        w.string(eventType.description)
        w.raw("}}")
        return w.bytes
    }
}
