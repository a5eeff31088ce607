package import KB4EventsCore

/// The HTTP API: authentication, limits, faults, then the endpoint.
extension SimulatorState {
    /// Answers one request. `now` drives limits and processing; `wallMillis` is the real UTC clock.
    mutating func respond(to request: SimRequest, now: ContinuousClock.Instant, wallMillis: Int64) -> SimResponse {
        requestCounter &+= 1
        settle(now: now, wallMillis: wallMillis)
        let realToday = Day(millis: wallMillis).ordinal
        let route = Self.routeName(request)
        stats.requestsByRoute[route, default: 0] += 1
        let isControl = request.path == "/_sim" || request.path.hasPrefix("/_sim/")
        if !isControl { stats.totalRequests += 1 }

        guard isAuthorized(request.authorization) else {
            stats.authFailures += 1
            switch configuration.authFailure {
            case .unauthorized:
                var response = SimResponse.message(401, "Unauthorized")
                response.headers.append(("WWW-Authenticate", "Bearer"))
                return response
            case .forbidden: return .message(403, "Forbidden")
            case .edge500: return .message(500, "Internal Server Error")
            }
        }
        if isControl {
            return control(request, now: now, wallMillis: wallMillis)
        }

        switch limiter.admit(day: today(realToday: realToday), now: now) {
        case .allowed: break
        case .limitExceeded:
            stats.tooManyRequests += 1
            stats.quotaExceeded += 1
            return tooMany("API Limit Exceeded")
        case .tooManyRequests:
            stats.tooManyRequests += 1
            stats.rateLimited += 1
            return tooMany("Too Many Requests")
        }

        let fault = configuration.faults.totalRate > 0 ? configuration.faults.fault(forDraw: faultRNG.unit()) : nil
        if fault == .serverError {
            stats.faultsInjected[.serverError, default: 0] += 1
            return serverError()
        }
        let response = endpoint(request, now: now, wallMillis: wallMillis)
        guard let fault, let faulty = Self.inject(fault, into: response, configuration: configuration.faults) else {
            return response
        }
        stats.faultsInjected[fault, default: 0] += 1
        return faulty
    }

    /// `GET /events/{id}`-style names for counting.
    static func routeName(_ request: SimRequest) -> String {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true)
        var shape = parts.prefix(1).map(String.init)
        if parts.first == "_sim" {
            shape = parts.prefix(2).map(String.init)
        } else if parts.count > 1 {
            shape.append("{id}")
        }
        return request.method + " /" + shape.joined(separator: "/")
    }

    private func isAuthorized(_ header: String?) -> Bool {
        Self.bearerKey(header) == configuration.apiKey
    }

    /// The key of an `Authorization: Bearer KEY` header; nil for any other header or none.
    static func bearerKey(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
        return parts.count == 2 && parts[0].lowercased() == "bearer" ? String(parts[1]) : nil
    }

    private func tooMany(_ message: String) -> SimResponse {
        var response = SimResponse.message(429, message)
        if let seconds = configuration.retryAfterSeconds {
            response.headers.append(("Retry-After", String(seconds)))
        }
        return response
    }

    private mutating func serverError() -> SimResponse {
        switch faultRNG.below(3) {
        case 0: return .message(500, "Internal Server Error")
        case 1:
            let html =
                "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway"
                + "</h1></center>\r\n</body>\r\n</html>\r\n"
            return SimResponse(status: 502, contentType: "text/html", body: Array(html.utf8))
        default: return .message(503, "Service Unavailable")
        }
    }

    /// The faulty version of a response, or nil when this fault cannot apply to it (then it is not counted).
    static func inject(_ fault: FaultKind, into response: SimResponse, configuration: FaultConfiguration)
        -> SimResponse?
    {
        var faulty = response
        switch fault {
        case .serverError:
            return nil
        case .stall:
            faulty.delivery = .stall(seconds: configuration.stallSeconds)
        case .truncatedBody:
            guard response.body.count >= 2 else { return nil }
            faulty.delivery = .truncated(sendBytes: response.body.count / 2)
        case .malformedJSON:
            guard response.status == 200, response.body.count >= 2 else { return nil }
            faulty.body = Array(response.body.prefix(response.body.count / 2))
        case .invalidUTF8:
            guard response.status == 200, let at = firstStringValue(in: response.body) else { return nil }
            faulty.body.insert(contentsOf: [0xFF, 0xFE, 0xC3, 0x28], at: at)
        }
        return faulty
    }

    /// The offset just inside the first string value (after `":"`) of a JSON body.
    private static func firstStringValue(in body: [UInt8]) -> Int? {
        let marker: [UInt8] = Array("\":\"".utf8)
        guard body.count > marker.count else { return nil }
        for start in 0...(body.count - marker.count) where body[start..<start + marker.count].elementsEqual(marker) {
            return start + marker.count
        }
        return nil
    }

    private mutating func endpoint(_ request: SimRequest, now: ContinuousClock.Instant, wallMillis: Int64)
        -> SimResponse
    {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        switch (request.method, parts.count, parts.first) {
        case ("GET", 1, "events"): return listEvents(request)
        case ("POST", 1, "events"): return createEvent(request, now: now)
        case ("GET", 2, "events"):
            guard let event = eventsByID[parts[1]] else { return .notFound }
            return .data(200, event.json)
        case ("DELETE", 2, "events"):
            guard removeEvent(id: parts[1]) else { return .notFound }
            return SimResponse(status: 204, contentType: nil, body: [])
        case ("GET", 1, "event_types"):
            let name = request.parameter("name")
            let rows = eventTypes.filter { name == nil || $0.name == name }
            var w = JSONWriter()
            w.raw("{\"data\":")
            w.raw(Self.array(rows.map { $0.json(accountID: generator.accountID) }))
            w.raw(",\"meta\":{\"count\":")
            w.int(rows.count)
            w.raw("}}")
            return .json(200, w.bytes)
        case ("GET", 2, "event_types"):
            guard let id = Int(parts[1]), let type = eventTypes.first(where: { $0.id == id }) else { return .notFound }
            return .data(200, type.json(accountID: generator.accountID))
        case ("GET", 1, "statuses"): return listStatuses(request)
        case ("GET", 2, "statuses"):
            guard let index = statusIndex[parts[1]] else { return .notFound }
            return .data(200, statuses[index].json(apiKeyLabel: Self.apiKeyLabel))
        default:
            return .notFound
        }
    }

    static func array(_ items: [[UInt8]]) -> [UInt8] {
        var w = JSONWriter()
        w.raw("[")
        for (index, item) in items.enumerated() {
            if index > 0 { w.raw(",") }
            w.raw(item)
        }
        w.raw("]")
        return w.bytes
    }

    // MARK: GET /events

    private mutating func listEvents(_ request: SimRequest) -> SimResponse {
        var day: Int?
        var riskLevel: Int?
        var decayMode: Int?
        var expireDate: String?
        var order = configuration.defaultOrder
        if let text = request.parameter("occurred_date") {
            guard let parsed = Day(text)?.ordinal else {
                return .message(400, "occurred_date: '\(text)' is not a date (YYYY-MM-DD)")
            }
            day = parsed
        }
        if let text = request.parameter("risk_level") {
            guard let value = Int(text), (-10...10).contains(value) else {
                return .message(400, "risk_level: '\(text)' is not an integer from -10 to 10")
            }
            riskLevel = value
        }
        if let text = request.parameter("risk_decay_mode") {
            guard let value = Int(text), value == 0 || value == 1 else {
                return .message(400, "risk_decay_mode: '\(text)' is not 0 or 1")
            }
            decayMode = value
        }
        if let text = request.parameter("risk_expire_date") {
            guard let parsed = Day(text)?.ordinal else {
                return .message(400, "risk_expire_date: '\(text)' is not a date (YYYY-MM-DD)")
            }
            expireDate = Day(ordinal: parsed).description
        }
        if let text = request.parameter("order_by") {
            guard let field = SortField(rawValue: text) else {
                return .message(400, "order_by: '\(text)' is not one of id, event_type, occurred_date")
            }
            order = EventOrder(field: field, direction: .ascending)
        }
        if let text = request.parameter("order_direction") {
            guard let direction = SortDirection(rawValue: text.lowercased()) else {
                return .message(400, "order_direction: '\(text)' is not asc or desc")
            }
            order.direction = direction
        }
        if configuration.ignoresRequestedOrder { order = configuration.defaultOrder }
        let eventType = request.parameter("event_type")
        let targetUser = request.parameter("target_user")?.lowercased()
        let externalID = request.parameter("external_id")
        let source = request.parameter("source")

        let sortedCandidates: [Event]
        let cacheKey = SortedListKey(day: day, order: order)
        if configuration.tieOrder != .random, let cached = sortedCache[cacheKey], cached.stamp == mutationCount {
            sortedCandidates = cached.events
        } else {
            let candidates = day.map(eventsOnFilterDay) ?? Array(eventsByID.values)
            sortedCandidates = sort(candidates, by: order)
            if configuration.tieOrder != .random { sortedCache[cacheKey] = (mutationCount, sortedCandidates) }
        }
        // Filtering keeps the sorted order.
        let unfiltered = eventType == nil && targetUser == nil && externalID == nil && source == nil && riskLevel == nil
            && decayMode == nil && expireDate == nil
        let sorted = unfiltered ? sortedCandidates : sortedCandidates.filter { event in
            (eventType == nil || event.eventType.name == eventType)
                && (targetUser == nil || event.user.email.lowercased() == targetUser)
                && (externalID == nil || event.externalID == externalID)
                && (source == nil || event.source == source)
                && (riskLevel == nil || event.riskLevel == riskLevel)
                && (decayMode == nil || event.riskDecayMode == decayMode)
                && (expireDate == nil || event.riskExpireDate == expireDate)
        }
        let paging = PageMeta.effective(
            page: request.query["page"], perPage: request.query["per_page"],
            defaultPerPage: configuration.defaultPerPage, maxPerPage: configuration.maxPerPage)
        let (rows, meta) = PageMeta.paginate(sorted, page: paging.page, limit: paging.limit)
        let body = PageMeta.listBody(rows: rows.lazy.map(\.json), meta: meta)

        if configuration.pageDrift, let day, meta.nextPage != nil {
            let end = order.field == .occurredDate && order.direction == .descending
            let window = filterWindow(day)
            let millis = end ? window.upperBound - 1 : window.lowerBound
            _ = insertEvent(millis: millis, description: "Inserted while a client was paging")
        }
        return .json(200, body)
    }

    /// The instants (ms) `occurred_date=day` selects: the UTC day, or the local day at `dayFilterOffsetMinutes`.
    func filterWindow(_ day: Int) -> Range<Int64> {
        let start = Int64(day) * UTCTime.millisPerDay - Int64(configuration.dayFilterOffsetMinutes) * 60_000
        return start..<(start + UTCTime.millisPerDay)
    }

    /// The events `occurred_date=day` selects.
    private func eventsOnFilterDay(_ day: Int) -> [Event] {
        guard configuration.dayFilterOffsetMinutes != 0 else {
            return (eventIDsByDay[day] ?? []).compactMap { eventsByID[$0] }
        }
        let window = filterWindow(day)
        return (day - 1...day + 1).flatMap { eventIDsByDay[$0] ?? [] }.compactMap { eventsByID[$0] }
            .filter { window.contains($0.occurredMillis) }
    }

    /// Sorts by the order's field and direction; equal keys keep the configured tie order (never reversed).
    private func sort(_ events: [Event], by order: EventOrder) -> [Event] {
        let descending = order.direction == .descending
        let tieOrder = configuration.tieOrder
        let salt = SplitMix64(mixing: configuration.seed, requestCounter, 0x7135).peek
        func tieKey(_ event: Event) -> UInt64 {
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            for byte in event.id.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
            var rng = SplitMix64(seed: hash ^ salt)
            return rng.next()
        }
        let keyed = events.map { (event: $0, tie: tieOrder == .random ? tieKey($0) : 0) }
        return keyed.sorted { a, b in
            let x = a.event
            let y = b.event
            switch order.field {
            case .occurredDate:
                if x.occurredMillis != y.occurredMillis { return descending != (x.occurredMillis < y.occurredMillis) }
            case .eventType:
                if x.eventType.name != y.eventType.name { return descending != (x.eventType.name < y.eventType.name) }
            case .id:
                if x.id != y.id { return descending != (x.id < y.id) }
            }
            switch tieOrder {
            case .insertion: return x.sequence < y.sequence
            case .id: return x.id < y.id
            case .random: return a.tie != b.tie ? a.tie < b.tie : x.id < y.id
            }
        }.map(\.event)
    }

    // MARK: POST /events

    private mutating func createEvent(_ request: SimRequest, now: ContinuousClock.Instant) -> SimResponse {
        let body: JSONValue
        do {
            body = try JSONParser.parse(request.body)
        } catch {
            return .message(400, "body: not valid JSON (\(error.message) at byte \(error.offset))")
        }
        guard case .object = body else { return .message(400, "body: must be a JSON object") }

        func string(_ key: String, max: Int?) -> Result<String?, SimResponseError> {
            switch body[key] {
            case nil, .null?: return .success(nil)
            case .string(let text)?:
                if let max, text.count > max {
                    return .failure(SimResponseError(422, "\(key): longer than \(max) characters"))
                }
                return .success(text)
            default: return .failure(SimResponseError(422, "\(key): must be a string"))
            }
        }
        func integer(_ key: String, _ allowed: ClosedRange<Int>) -> Result<Int?, SimResponseError> {
            let value: Int?
            switch body[key] {
            case nil, .null?: return .success(nil)
            case .int(let number)?: value = number
            case .string(let text)?: value = Int(text)
            default: value = nil
            }
            guard let value, allowed.contains(value) else {
                return .failure(
                    SimResponseError(
                        422, "\(key): must be an integer from \(allowed.lowerBound) to \(allowed.upperBound)"))
            }
            return .success(value)
        }
        func date(_ key: String) -> Result<Int?, SimResponseError> {
            switch string(key, max: nil) {
            case .failure(let error): return .failure(error)
            case .success(nil): return .success(nil)
            case .success(let text?):
                guard let day = Day(text)?.ordinal else {
                    return .failure(SimResponseError(422, "\(key): '\(text)' is not a date (YYYY-MM-DD)"))
                }
                return .success(day)
            }
        }

        do throws(SimResponseError) {
            guard let targetUser = try string("target_user", max: nil).get() else {
                return .message(400, "target_user: is required")
            }
            let parts = targetUser.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !targetUser.contains(" ") else {
                return .message(422, "target_user: '\(targetUser)' is not an e-mail address")
            }
            guard let eventType = try string("event_type", max: 255).get(), !eventType.trimmingSpaces.isEmpty else {
                return .message(400, "event_type: is required")
            }
            let submission = RequestStatus.Submission(
                targetUser: targetUser, eventType: eventType,
                externalID: try string("external_id", max: 64).get(), source: try string("source", max: 255).get(),
                description: try string("description", max: 255).get(), occurredDay: try date("occurred_date").get(),
                riskLevel: try integer("risk_level", -10...10).get(),
                riskDecayMode: try integer("risk_decay_mode", 0...1).get(),
                riskExpireDay: try date("risk_expire_date").get())
            let id = runtimeRNG.uuid()
            statusIndex[id] = statuses.count
            statuses.append(RequestStatus(id: id, submission: submission, dueAt: now + configuration.processingDelay))
            return .data(201, JSONValue.object([("id", .string(id))]).compactBytes)
        } catch {
            return .message(error.status, error.message)
        }
    }

    // MARK: GET /statuses

    private func listStatuses(_ request: SimRequest) -> SimResponse {
        var day: Int?
        if let text = request.parameter("processed") {
            guard let parsed = Day(text)?.ordinal else {
                return .message(400, "processed: '\(text)' is not a date (YYYY-MM-DD)")
            }
            day = parsed
        }
        let matching = statuses.filter { status in
            guard let day else { return true }
            return status.processedMillis.map { Day(millis: $0).ordinal == day } ?? false
        }
        let paging = PageMeta.effective(
            page: request.query["page"], perPage: request.query["per_page"],
            defaultPerPage: configuration.defaultPerPage, maxPerPage: configuration.maxPerPage)
        let (rows, meta) = PageMeta.paginate(matching, page: paging.page, limit: paging.limit)
        return .json(200, PageMeta.listBody(rows: rows.map { $0.json(apiKeyLabel: Self.apiKeyLabel) }, meta: meta))
    }
}

/// A validation problem on its way to becoming a response.
struct SimResponseError: Error {
    var status: Int
    var message: String

    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }
}

extension SplitMix64 {
    /// The next output without keeping the advanced state.
    var peek: UInt64 {
        var copy = self
        return copy.next()
    }
}
