package import KB4EventsCore

/// Deterministic data of a simulated account: users, event types and each day's events.
///
/// A day's events come from generators seeded by (seed, day, index) only, so changing the range or "today"
/// never changes a day that stays in range (as long as the mean per day, `events / days`, stays the same).
struct DataGenerator: Sendable {
    let seed: UInt64
    let accountID: Int
    let users: [User]
    let eventTypes: [EventType]

    private static let riskFactors = ["0.5", "1.5", "2.5", "0.1", "1.2", "3.75"]

    /// The data of `seed`; `accountID` nil draws the account id from the seed (the draw is made either way, so the
    /// rest of the data set does not depend on it).
    init(seed: UInt64, accountID: Int? = nil) {
        self.seed = seed
        var rng = SplitMix64(mixing: seed, 0xACC0)
        let drawn = 700_000 + rng.below(300_000)
        self.accountID = accountID ?? drawn

        var users: [User] = []
        var emails: Set<String> = []
        for index in 0..<200 {
            let first = rng.pick(TextPool.firstNames)
            let last = rng.pick(TextPool.lastNames)
            let domain = index % 17 == 0 ? TextPool.domains[1 + rng.below(2)] : TextPool.domains[0]
            var local = first + "." + last
            if index % 41 == 7 { local += "+sec" }
            var email = local + "@" + domain
            var suffix = 2
            while emails.contains(email) {
                email = local + String(suffix) + "@" + domain
                suffix += 1
            }
            emails.insert(email)
            users.append(User(email: email, id: 91_000_000 + index * 13 + rng.below(13), archived: rng.chance(0.08)))
        }
        self.users = users

        var types: [EventType] = []
        for entry in TextPool.eventTypes {
            let description = rng.chance(0.3) ? nil : entry.description
            types.append(
                EventType(
                    id: 3_900_000_000 + types.count * 1_000_003 + rng.below(1_000_000),
                    name: entry.name, description: description))
        }
        eventTypes = types
    }

    /// The events of one day, in creation order (by time; generation order among equal milliseconds).
    func events(onDay day: Int, meanPerDay: Double) -> [Event] {
        let count = eventCount(onDay: day, meanPerDay: meanPerDay)
        guard count > 0 else { return [] }
        let dayStart = Int64(day) * UTCTime.millisPerDay
        var tieRNG = SplitMix64(mixing: seed, UInt64(bitPattern: Int64(day)), 0x71E)
        let sharedMillis = Int64(tieRNG.below(Int(UTCTime.millisPerDay)))
        let sharedCount = day % 2 == 0 ? 3 : 2

        var drafts: [(millis: Int64, rng: SplitMix64)] = []
        drafts.reserveCapacity(count)
        for index in 0..<count {
            var rng = SplitMix64(mixing: seed, UInt64(bitPattern: Int64(day)), UInt64(index), 0xE7)
            var millis = Int64(rng.below(Int(UTCTime.millisPerDay)))
            if index == 0, day % 3 == 0 {
                millis = 0
            } else if index == 0, day % 3 == 1 {
                millis = UTCTime.millisPerDay - 1
            } else if count >= 4, (1...sharedCount).contains(index) {
                millis = sharedMillis
            }
            drafts.append((dayStart + millis, rng))
        }
        let ordered = drafts.enumerated().sorted { a, b in
            a.element.millis != b.element.millis ? a.element.millis < b.element.millis : a.offset < b.offset
        }
        return ordered.enumerated().map { position, entry in
            var rng = entry.element.rng
            return randomEvent(
                rng: &rng, millis: entry.element.millis,
                sequence: (day + 100_000) * 1_000_000 + position)
        }
    }

    /// How many events a day has: about 10% of days are empty, about 5% dense (five times the mean).
    func eventCount(onDay day: Int, meanPerDay: Double) -> Int {
        var rng = SplitMix64(mixing: seed, UInt64(bitPattern: Int64(day)), 0xC0)
        let base = meanPerDay / 1.1
        let roll = rng.unit()
        let spread = rng.unit()
        if roll < 0.10 { return 0 }
        if roll < 0.15 { return Int((base * 5 * (0.8 + 0.4 * spread)).rounded()) }
        return Int((base * (0.5 + spread)).rounded())
    }

    /// An event with every field drawn from `rng` except its time and creation order.
    func randomEvent(rng: inout SplitMix64, millis: Int64, sequence: Int, description override: String? = nil)
        -> Event
    {
        let id = rng.uuid()
        let user = rng.pick(users)
        let type = rng.pick(eventTypes)
        let externalID: String?
        switch rng.below(10) {
        case 0..<3: externalID = nil
        case 3..<6: externalID = "soc-" + String(rng.int(in: 1000...9999))
        case 6..<8: externalID = "INC" + String(rng.int(in: 1_000_000...9_999_999))
        case 8: externalID = "edr:alert/" + String(rng.below(100_000)) + "?tenant=eu&x=\"q\""
        default: externalID = String(repeating: "k", count: 60) + String(rng.int(in: 1000...9999))
        }
        let source = rng.chance(0.2) ? nil : rng.pick(TextPool.sources)
        let description: String?
        let roll = rng.unit()
        if roll < 0.10 {
            description = nil
        } else if roll < 0.11 {
            description = ""
        } else if roll < 0.55 {
            description = rng.pick(TextPool.plainDescriptions)
        } else {
            description = rng.pick(TextPool.trickyDescriptions)
        }
        let levelRoll = rng.unit()
        let level: Int?
        if levelRoll < 0.05 {
            level = nil
        } else if levelRoll < 0.15 {
            level = 0
        } else if levelRoll < 0.25 {
            level = -rng.int(in: 1...10)
        } else {
            level = rng.int(in: 1...10)
        }
        let factor = rng.chance(0.15) ? rng.pick(Self.riskFactors) : nil
        let decay: Int? = rng.chance(0.05) ? nil : rng.below(2)
        let day = Day(millis: millis).ordinal
        let expire = rng.chance(0.5) ? nil : Day(ordinal: day + rng.int(in: 30...120)).description
        let metadata = rng.chance(0.6) ? nil : randomMetadata(rng: &rng)
        return Event(
            id: id, sequence: sequence, accountID: accountID, user: user, externalID: externalID, source: source,
            description: override ?? description, occurredMillis: millis, riskLevel: level, riskFactor: factor,
            riskDecayMode: decay, riskExpireDate: expire, metadata: metadata, eventType: type)
    }

    private func randomMetadata(rng: inout SplitMix64) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        if rng.chance(0.7) {
            members.append(("ip", .string("10.\(rng.below(256)).\(rng.below(256)).\(rng.int(in: 1...254))")))
        }
        if rng.chance(0.5) { members.append(("host", .string(rng.pick(TextPool.hosts)))) }
        if rng.chance(0.4) {
            let tags = (0..<rng.below(4)).map { _ in JSONValue.string(rng.pick(TextPool.tags)) }
            members.append(("tags", .array(tags)))
        }
        if rng.chance(0.3) {
            members.append(
                (
                    "counts",
                    .object([
                        ("clicks", .int(rng.below(20))), ("opens", .int(rng.below(50))), ("delta", .int(-rng.below(5))),
                    ])
                ))
        }
        if rng.chance(0.2) {
            members.append(
                (
                    "chain",
                    .object([
                        ("step", .int(1)),
                        ("next", .object([("step", .int(2)), ("flags", .array([.bool(true), .bool(false), .null]))])),
                    ])
                ))
        }
        if rng.chance(0.15) { members.append(("note", .string(rng.pick(TextPool.trickyDescriptions)))) }
        if rng.chance(0.1) { members.append(("empty", .object([]))) }
        if members.isEmpty { members.append(("ip", .string("192.0.2.\(rng.int(in: 1...254))"))) }
        return .object(members)
    }
}
