package import KB4EventsCore

/// What became of one `POST /events` request: pending until `processed` is set, then the created ids and failures.
package struct RequestStatus: Sendable, Equatable {
    /// The request id that `POST /events` returned.
    package let id: String
    /// When the API processed the request; nil while it is pending.
    package let processed: String?
    /// The ids of the events the request created (`details.events`).
    let eventIDs: [String]
    /// What went wrong (`details.failures`), as the API sent it.
    package let failures: [JSONValue]
    /// The whole status object as received.
    package let json: JSONObject

    /// Whether the API has processed the request.
    var isProcessed: Bool { processed != nil }

    /// Reads a status object; `describe` names it in errors.
    package init(_ value: JSONValue, describe: String) throws {
        guard case .object(let object) = value, let id = object["id"]?.stringValue else {
            throw APIError(
                kind: .invalidResponse, request: "GET /statuses", message: "\(describe): not a status object with an id"
            )
        }
        self.id = id
        self.json = object
        self.processed = object["processed"]?.stringValue
        let details = object["details"]
        self.eventIDs = details?["events"]?.arrayValue?.compactMap(\.stringValue) ?? []
        self.failures = details?["failures"]?.arrayValue ?? []
    }
}

/// `waitForStatus` gave up: the request was accepted but not processed within the time allowed.
package struct StatusWaitTimeout: Error, Sendable, CustomStringConvertible {
    /// The request id, to look up later with `get-status`.
    package let requestID: String
    /// How long the wait lasted, in seconds.
    let waitedSeconds: Double
    /// How many times the status was read.
    let polls: Int

    /// Creates the error.
    package init(requestID: String, waitedSeconds: Double, polls: Int) {
        self.requestID = requestID
        self.waitedSeconds = waitedSeconds
        self.polls = polls
    }

    package var description: String {
        let waited = (waitedSeconds * 10).rounded() / 10
        return
            "request \(requestID) was not processed after \(waited) s (\(polls) status reads); check it later with get-status"
    }
}
