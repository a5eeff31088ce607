import Logging
package import KB4EventsCore

/// The User Event API's single actions: one event, event types, request statuses, creating and deleting.
///
/// Every call goes through `send` (pacing, retries, classification). A 404 is an `APIError` of kind `.notFound`;
/// a 400/422 is `.badRequest` carrying the server's own message. Ids are percent-encoded into the path.
extension Client {
    /// `GET /events/{id}`: one event, as the API sent it.
    package func getEvent(id: String) async throws -> JSONObject {
        let request = HTTPRequest(method: "GET", path: "/events/" + percentEncode(id))
        return try await dataObject(of: request, describe: "event \(id)")
    }

    /// `GET /events?…`: one page of events for `query`.
    package func listEvents(_ query: EventQuery) async throws -> EventsPage {
        var pager = EventPager(client: self, query: query, label: "events")
        guard let page = try await pager.next() else {
            throw APIError(kind: .invalidResponse, request: "GET /events", message: "events: no page was fetched")
        }
        return page
    }

    /// `POST /events`: validates `event`, sends it and returns the *request* id (not an event id).
    ///
    /// Nothing is sent when validation fails (`CreateEventRequest.Invalid` is thrown). Creation is asynchronous:
    /// follow the returned id with `getStatus(id:)` or `waitForStatus(id:timeout:interval:)`.
    package func createEvent(_ event: CreateEventRequest) async throws -> String {
        try event.validate()
        let request = HTTPRequest(method: "POST", path: "/events", body: event.json.compactBytes)
        let data = try await dataValue(of: request, expecting: [200, 201], describe: "new event")
        guard let id = data["id"]?.stringValue else {
            throw APIError(
                kind: .invalidResponse, request: "POST /events", message: "new event: the response has no data.id")
        }
        return id
    }

    /// `DELETE /events/{id}`: removes one event (the API answers 204).
    package func deleteEvent(id: String) async throws {
        let request = HTTPRequest(method: "DELETE", path: "/events/" + percentEncode(id))
        _ = try await perform(request, expecting: [200, 202, 204], describe: "event \(id)")
    }

    /// `GET /event_types[?name=…]`: every event type, or those with exactly that name.
    package func listEventTypes(name: String? = nil) async throws -> [JSONObject] {
        let request = HTTPRequest(method: "GET", path: "/event_types", query: name.map { [("name", $0)] } ?? [])
        let json = try await performJSON(request, expecting: [200], describe: "event types")
        return try ListPage(page: 1, json: json, request: "GET /event_types", describe: "event types").items
    }

    /// `GET /event_types/{id}`: one event type.
    package func getEventType(id: String) async throws -> JSONObject {
        let request = HTTPRequest(method: "GET", path: "/event_types/" + percentEncode(id))
        return try await dataObject(of: request, describe: "event type \(id)")
    }

    /// `GET /statuses`: one page of request statuses, optionally only those processed on day `processed` (YYYY-MM-DD).
    package func listStatuses(processed: String? = nil, page: Int? = nil, perPage: Int? = nil) async throws -> ListPage {
        var pager = statusPages(processed: processed, startPage: page, perPage: perPage)
        guard let result = try await pager.next() else {
            throw APIError(kind: .invalidResponse, request: "GET /statuses", message: "statuses: no page was fetched")
        }
        return result
    }

    /// A pager over every page of `GET /statuses`, following `next_page` like `EventPager`.
    package func statusPages(processed: String? = nil, startPage: Int? = nil, perPage: Int? = nil) -> ListPager {
        ListPager(
            client: self, path: "/statuses", parameters: processed.map { [("processed", $0)] } ?? [],
            startPage: startPage, perPage: perPage, label: "statuses")
    }

    /// `GET /statuses/{id}`: what became of one `POST /events` request.
    package func getStatus(id: String) async throws -> RequestStatus {
        let request = HTTPRequest(method: "GET", path: "/statuses/" + percentEncode(id))
        let describe = "request status \(id)"
        return try RequestStatus(.object(try await dataObject(of: request, describe: describe)), describe: describe)
    }

    /// Polls `GET /statuses/{id}` until the request is processed, or throws `StatusWaitTimeout` after `timeout`.
    ///
    /// Polls start half a second apart and double up to `interval`; each one is paced like any other call.
    /// A 404 counts as "not visible yet" (creation is asynchronous), so a wrong id ends in the timeout. The
    /// timeout also bounds a poll that is still retrying server errors: it is cancelled at the deadline.
    package func waitForStatus(id: String, timeout: Duration, interval: Duration = .seconds(5)) async throws
        -> RequestStatus
    {
        let clock = ContinuousClock()
        let started = clock.now
        let deadline = started + timeout
        var delay = min(Duration.milliseconds(500), interval)
        var polls = 0
        while true {
            let remaining = deadline - clock.now
            if remaining > .zero { try await clock.sleep(for: min(delay, remaining)) }
            polls += 1
            do {
                // Every poll may take a second even when the deadline has passed, so a timeout of 0 polls once.
                let poll = try await Self.until(max(deadline, clock.now + .seconds(1))) {
                    try await self.getStatus(id: id)
                }
                guard let status = poll else {
                    throw StatusWaitTimeout(requestID: id, waitedSeconds: (clock.now - started).seconds, polls: polls)
                }
                if status.isProcessed { return status }
                logger.debug("request not processed yet", metadata: ["request_id": "\(id)", "polls": "\(polls)"])
            } catch let error as APIError where error.kind == .notFound {
                logger.debug("request status not visible yet", metadata: ["request_id": "\(id)", "polls": "\(polls)"])
            }
            if clock.now >= deadline {
                throw StatusWaitTimeout(requestID: id, waitedSeconds: (clock.now - started).seconds, polls: polls)
            }
            delay = min(delay * 2, interval)
        }
    }

    // MARK: Helpers

    /// Runs `body`, or cancels it and returns nil when `deadline` comes first.
    static func until<T: Sendable>(
        _ deadline: ContinuousClock.Instant, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T? {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await ContinuousClock().sleep(until: deadline)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }

    /// Sends `request`; a 400/422 becomes a `.badRequest` error with the server's message.
    func perform(_ request: HTTPRequest, expecting expected: Set<Int>, describe: String) async throws -> HTTPResponse {
        let response = try await send(request, expecting: expected.union([400, 422]))
        if expected.contains(response.status) { return response }
        throw APIError(
            kind: .badRequest, status: response.status, request: "\(request.method) \(request.path)",
            message: "\(describe): the API refused the request: \(Self.serverMessage(response.body))")
    }

    /// Sends `request` and parses its JSON body. A body that does not parse is fetched again (within the retry
    /// budget) for GET and DELETE; a POST is never sent twice for that reason.
    func performJSON(_ request: HTTPRequest, expecting expected: Set<Int>, describe: String) async throws -> JSONValue {
        let clock = ContinuousClock()
        let started = clock.now
        var attempt = 0
        while true {
            attempt += 1
            let response = try await perform(request, expecting: expected, describe: describe)
            do {
                return try JSONParser.parse(response.body)
            } catch {
                let wait = retry.backoff(attempt: attempt)
                if request.method == "POST" || attempt > 5 || clock.now + wait - started > retry.budget {
                    throw APIError(
                        kind: .invalidResponse, status: response.status, request: "\(request.method) \(request.path)",
                        message: "\(describe): the response is not valid JSON (\(error))")
                }
                logger.warning(
                    "unparsable response, retrying", metadata: ["what": "\(describe)", "attempt": "\(attempt)"])
                try await clock.sleep(for: wait)
            }
        }
    }

    /// The `data` member of a `{"data": …}` body.
    func dataValue(of request: HTTPRequest, expecting expected: Set<Int> = [200], describe: String) async throws
        -> JSONValue
    {
        let json = try await performJSON(request, expecting: expected, describe: describe)
        guard let data = json["data"] else {
            throw APIError(
                kind: .invalidResponse, request: "\(request.method) \(request.path)",
                message: "\(describe): no \"data\" in the body")
        }
        return data
    }

    /// The `data` object of a `{"data": {…}}` body.
    func dataObject(of request: HTTPRequest, describe: String) async throws -> JSONObject {
        guard let object = try await dataValue(of: request, describe: describe).objectValue else {
            throw APIError(
                kind: .invalidResponse, request: "\(request.method) \(request.path)",
                message: "\(describe): \"data\" is not an object")
        }
        return object
    }

    /// The server's explanation from an error body: its `message` (or `error`, `errors`), else the text itself.
    static func serverMessage(_ body: [UInt8]) -> String {
        if let json = try? JSONParser.parse(body) {
            for key in ["message", "error", "errors"] {
                if let text = json[key]?.stringValue { return clean(text) }
                if let value = json[key], !value.isNull { return clean(value.compactString) }
            }
        }
        let text = clean(String(decoding: body.prefix(300), as: UTF8.self))
        return text.isEmpty ? "(no message)" : text
    }

    private static func clean(_ text: String) -> String {
        let scalars = text.unicodeScalars.prefix(300).map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }
        return String(String.UnicodeScalarView(scalars))
    }
}
