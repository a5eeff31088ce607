package import KB4EventsCore

/// The `/_sim` control endpoints for end-to-end tests of the binary (no quota, no rate limit, no faults).
extension SimulatorState {
    mutating func control(_ request: SimRequest, now: ContinuousClock.Instant, wallMillis: Int64) -> SimResponse {
        let realToday = Day(millis: wallMillis).ordinal
        switch (request.method, request.path) {
        case ("POST", "/_sim/today"):
            guard let text = request.parameter("day"), let day = Day(text)?.ordinal else {
                return .message(400, "day: expected YYYY-MM-DD")
            }
            setToday(day)
            return .json(200, JSONValue.object([("today", .string(Day(ordinal: day).description))]).compactBytes)
        case ("POST", "/_sim/faults"):
            do {
                configuration.faults = try FaultConfiguration(spec: request.query["spec"] ?? "")
            } catch {
                return .message(400, error.description)
            }
            return .json(200, JSONValue.object([("faults", .string(configuration.faults.spec))]).compactBytes)
        case ("POST", "/_sim/insert"):
            guard let text = request.parameter("occurred"), let millis = UTCTime.parseMillis(text) else {
                return .message(400, "occurred: expected YYYY-MM-DDTHH:MM:SS.mmmZ")
            }
            let id = insertEvent(millis: millis, description: request.query["description"])
            return .json(200, JSONValue.object([("id", .string(id))]).compactBytes)
        case ("POST", "/_sim/page_drift"):
            let on = request.query["on"].map { ["1", "true", "on", "yes"].contains($0.lowercased()) } ?? true
            configuration.pageDrift = on
            return .json(200, JSONValue.object([("page_drift", .bool(on))]).compactBytes)
        case ("GET", "/_sim/stats"):
            return .json(200, currentStats(realToday: realToday).json())
        case ("GET", "/_sim/truth"):
            var body: [UInt8] = []
            for event in truthEvents() {
                body.append(contentsOf: event.json)
                body.append(0x0A)
            }
            return SimResponse(status: 200, contentType: "application/x-ndjson; charset=utf-8", body: body)
        default:
            return .notFound
        }
    }

    /// Moves simulated today; the quota starts afresh when the day changes.
    mutating func setToday(_ day: Int) {
        todayOverride = day
        limiter.rollOver(to: day)
    }

    /// The counters, with the quota used on the current simulated day.
    func currentStats(realToday: Int) -> SimulatorStats {
        var copy = stats
        copy.quotaUsedToday = limiter.quotaDay == today(realToday: realToday) ? limiter.usedToday : 0
        return copy
    }
}
