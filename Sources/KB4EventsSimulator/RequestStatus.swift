package import KB4EventsCore

/// The status of one `POST /events` request: pending until its due time, then processed.
struct RequestStatus: Sendable {
    /// What the request asked for, kept until processing.
    struct Submission: Sendable {
        var targetUser: String
        var eventType: String
        var externalID: String?
        var source: String?
        var description: String?
        var occurredDay: Int?
        var riskLevel: Int?
        var riskDecayMode: Int?
        var riskExpireDay: Int?
    }

    var id: String
    var submission: Submission
    var dueAt: ContinuousClock.Instant
    var createdEventIDs: [String] = []
    var failures: [JSONValue] = []
    /// Epoch milliseconds of processing (simulated day, real time of day), nil while pending.
    var processedMillis: Int64?

    /// `{"id":…,"details":{"events":[…],"failures":[…]},"processed":…,"api_key":…}`.
    func json(apiKeyLabel: String) -> [UInt8] {
        var w = JSONWriter()
        w.raw("{\"id\":")
        w.string(id)
        w.raw(",\"details\":{\"events\":")
        w.value(.array(createdEventIDs.map { .string($0) }))
        w.raw(",\"failures\":")
        w.value(.array(failures))
        w.raw("},\"processed\":")
        w.string(processedMillis.map(UTCTime.millis))
        w.raw(",\"api_key\":")
        w.string(apiKeyLabel)
        w.raw("}")
        return w.bytes
    }
}
