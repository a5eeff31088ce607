package import KB4EventsCore

/// Everything a running simulator knows: its data, its clock, its limits, its counters.
/// Only ever used under the simulator's lock.
struct SimulatorState: Sendable {
    static let apiKeyLabel = "kb4-events simulator key"

    var configuration: SimulatorConfiguration
    let generator: DataGenerator
    /// Simulated today as a day number; nil follows the real UTC day.
    var todayOverride: Int?
    var eventsByID: [String: Event] = [:]
    var eventIDsByDay: [Int: [String]] = [:]
    var eventTypes: [EventType]
    var statuses: [RequestStatus] = []
    var statusIndex: [String: Int] = [:]
    var limiter: RateLimiter
    var stats = SimulatorStats()
    var faultRNG: SplitMix64
    var runtimeRNG: SplitMix64
    var nextSequence = 1 << 60
    var requestCounter: UInt64 = 0
    /// Bumped by every insert and delete; stamps `sortedCache` entries.
    var mutationCount = 0
    /// Events sorted by an order, for one day or for all days (`day` nil), valid while the stamp equals
    /// `mutationCount`; paging a large day then costs a slice, not a sort per request.
    var sortedCache: [SortedListKey: (stamp: Int, events: [Event])] = [:]
    /// The generated range (first, last day numbers).
    let range: ClosedRange<Int>?

    /// Generates the data of `configuration`; `realToday` is used when the configuration has no `today`.
    init(configuration: SimulatorConfiguration, realToday: Int) {
        self.configuration = configuration
        generator = DataGenerator(seed: configuration.seed, accountID: configuration.accountID)
        eventTypes = generator.eventTypes
        todayOverride = configuration.today.flatMap { Day($0)?.ordinal }
        limiter = RateLimiter(requestsPerSecond: configuration.requestsPerSecond, dailyQuota: configuration.dailyQuota)
        faultRNG = SplitMix64(mixing: configuration.seed, 0xFA17)
        runtimeRNG = SplitMix64(mixing: configuration.seed, 0x2E47)

        let last = todayOverride ?? realToday
        let first = configuration.firstDay.flatMap { Day($0)?.ordinal } ?? last - (max(configuration.days, 1) - 1)
        guard first <= last else {
            range = nil
            return
        }
        range = first...last
        let meanPerDay = Double(configuration.events) / Double(last - first + 1)
        for day in first...last {
            for event in generator.events(onDay: day, meanPerDay: meanPerDay) {
                add(event)
            }
        }
    }

    /// The simulated UTC day.
    func today(realToday: Int) -> Int {
        todayOverride ?? realToday
    }

    mutating func add(_ event: Event) {
        mutationCount += 1
        eventsByID[event.id] = event
        eventIDsByDay[event.day, default: []].append(event.id)
    }

    @discardableResult
    mutating func removeEvent(id: String) -> Bool {
        guard let event = eventsByID.removeValue(forKey: id) else { return false }
        mutationCount += 1
        eventIDsByDay[event.day]?.removeAll { $0 == id }
        return true
    }

    mutating func takeSequence() -> Int {
        nextSequence += 1
        return nextSequence
    }

    /// Adds a backdated event at `millis` (created now), with random other fields; returns its id.
    mutating func insertEvent(millis: Int64, description: String?) -> String {
        let sequence = takeSequence()
        let event = generator.randomEvent(
            rng: &runtimeRNG, millis: millis, sequence: sequence, description: description)
        add(event)
        return event.id
    }

    /// Every event sorted by (occurred_date, id).
    func truthEvents() -> [Event] {
        eventsByID.values.sorted { a, b in
            a.occurredMillis != b.occurredMillis ? a.occurredMillis < b.occurredMillis : a.id < b.id
        }
    }

    /// Processes every pending creation request whose time has come, in submission order.
    mutating func settle(now: ContinuousClock.Instant, wallMillis: Int64) {
        let realToday = Day(millis: wallMillis).ordinal
        let timeOfDay = wallMillis - Int64(realToday) * UTCTime.millisPerDay
        let todayStart = Int64(today(realToday: realToday)) * UTCTime.millisPerDay
        for index in statuses.indices where statuses[index].processedMillis == nil && statuses[index].dueAt <= now {
            process(index: index, nowMillis: todayStart + timeOfDay)
        }
    }

    private mutating func process(index: Int, nowMillis: Int64) {
        let submission = statuses[index].submission
        statuses[index].processedMillis = nowMillis
        let email = submission.targetUser.lowercased()
        guard let user = generator.users.first(where: { $0.email.lowercased() == email }) else {
            statuses[index].failures.append(
                .object([
                    ("target_user", .string(submission.targetUser)), ("message", .string("User not found")),
                ]))
            return
        }
        let type: EventType
        if let known = eventTypes.first(where: { $0.name == submission.eventType }) {
            type = known
        } else {
            type = EventType(
                id: (eventTypes.map(\.id).max() ?? 3_900_000_000) + 1 + runtimeRNG.below(1000),
                name: submission.eventType, description: nil)
            eventTypes.append(type)
        }
        let occurred = submission.occurredDay.map { Int64($0) * UTCTime.millisPerDay } ?? nowMillis
        let occurredDay = Day(millis: occurred).ordinal
        let expireDay = submission.riskExpireDay ?? Day(ordinal: occurredDay).adding(months: 1).ordinal
        let event = Event(
            id: runtimeRNG.uuid(), sequence: takeSequence(), accountID: generator.accountID, user: user,
            externalID: submission.externalID, source: submission.source, description: submission.description,
            occurredMillis: occurred, riskLevel: submission.riskLevel, riskFactor: nil,
            riskDecayMode: submission.riskDecayMode, riskExpireDate: Day(ordinal: expireDay).description, metadata: nil,
            eventType: type)
        add(event)
        statuses[index].createdEventIDs.append(event.id)
    }
}

/// The key of a cached sorted listing: one day (or all days) in one order.
struct SortedListKey: Hashable {
    let day: Int?
    let order: EventOrder
}
