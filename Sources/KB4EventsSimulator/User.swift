/// A user of the simulated account, as nested in an event.
struct User: Sendable {
    var email: String
    var id: Int
    var archived: Bool
}
