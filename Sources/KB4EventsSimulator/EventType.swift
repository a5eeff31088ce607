/// An event type of the simulated account.
struct EventType: Sendable {
    var id: Int
    var name: String
    var description: String?

    /// The full object of `/event_types`: id, account_id, name, description.
    func json(accountID: Int) -> [UInt8] {
        var writer = JSONWriter()
        writer.raw("{\"id\":")
        writer.int(id)
        writer.raw(",\"account_id\":")
        writer.int(accountID)
        writer.raw(",\"name\":")
        writer.string(name)
        writer.raw(",\"description\":")
        writer.string(description)
        writer.raw("}")
        return writer.bytes
    }
}
