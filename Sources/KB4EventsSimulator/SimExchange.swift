/// One HTTP request as the simulator's routes see it.
struct SimRequest: Sendable {
    var method: String
    /// The path without the query, percent-decoded, without a trailing slash.
    var path: String
    /// Query parameters, percent-decoded (`+` is a space); the last value of a repeated name wins.
    var query: [String: String]
    var authorization: String?
    var body: [UInt8]

    /// Splits a request target such as `/events?page=2&per_page=50`.
    init(method: String, uri: String, authorization: String?, body: [UInt8]) {
        self.method = method
        self.authorization = authorization
        self.body = body
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var path = Self.percentDecode(String(parts[0]), plusIsSpace: false)
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        self.path = path
        var query: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = Self.percentDecode(String(kv[0]), plusIsSpace: true)
                query[name] = kv.count == 2 ? Self.percentDecode(String(kv[1]), plusIsSpace: true) : ""
            }
        }
        self.query = query
    }

    /// A query value, nil when absent or empty (Rails treats a blank filter as none).
    func parameter(_ name: String) -> String? {
        guard let value = query[name], !value.isEmpty else { return nil }
        return value
    }

    static func percentDecode(_ text: String, plusIsSpace: Bool) -> String {
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "%"), i + 2 < bytes.count,
                let value = UInt8(String(decoding: bytes[i + 1...i + 2], as: UTF8.self), radix: 16)
            {
                out.append(value)
                i += 3
            } else {
                out.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// What the simulator answers, and how it is delivered (fully, cut short, or stalled).
struct SimResponse: Sendable {
    enum Delivery: Sendable, Equatable {
        case complete
        /// Announce the full length, send only this many bytes, close.
        case truncated(sendBytes: Int)
        /// Send the head only, wait, close.
        case stall(seconds: Double)
    }

    var status: Int
    var contentType: String? = "application/json; charset=utf-8"
    var headers: [(name: String, value: String)] = []
    var body: [UInt8]
    var delivery: Delivery = .complete

    /// A JSON response.
    static func json(_ status: Int, _ body: [UInt8]) -> SimResponse {
        SimResponse(status: status, body: body)
    }

    /// `{"message":text}`.
    static func message(_ status: Int, _ text: String) -> SimResponse {
        json(status, JSONValue.object([("message", .string(text))]).compactBytes)
    }

    /// `{"data":…}` around already rendered JSON.
    static func data(_ status: Int, _ json: [UInt8]) -> SimResponse {
        var w = JSONWriter(capacity: json.count + 16)
        w.raw("{\"data\":")
        w.raw(json)
        w.raw("}")
        return SimResponse.json(status, w.bytes)
    }

    static let notFound = message(404, "Not Found")
}
