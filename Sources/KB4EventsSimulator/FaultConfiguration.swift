/// Rates (0…1) of injected faults, drawn per API request (never for `/_sim`) from a seeded generator.
///
/// One draw decides at most one fault per request, so the rates must add up to 1 or less.
package struct FaultConfiguration: Sendable, Equatable {
    /// 500, 502 or 503 with a small JSON or HTML body.
    var serverError: Double
    /// Headers announce the full body; only part of it is sent, then the connection closes.
    var truncatedBody: Double
    /// Headers are sent, then nothing for `stallSeconds`, then the connection closes.
    package var stall: Double
    /// How long a stalled response stays silent before closing.
    var stallSeconds: Double
    /// 200 with a syntactically broken JSON body (correct Content-Length).
    var malformedJSON: Double
    /// 200 with invalid UTF-8 bytes inside a JSON string.
    var invalidUTF8: Double

    /// No faults.
    package static let none = FaultConfiguration()

    /// Explicit rates; all default to 0, `stallSeconds` to 30.
    package init(
        serverError: Double = 0, truncatedBody: Double = 0, stall: Double = 0, stallSeconds: Double = 30,
        malformedJSON: Double = 0, invalidUTF8: Double = 0
    ) {
        self.serverError = serverError
        self.truncatedBody = truncatedBody
        self.stall = stall
        self.stallSeconds = stallSeconds
        self.malformedJSON = malformedJSON
        self.invalidUTF8 = invalidUTF8
    }

    /// Parses `5xx=0.1,truncate=0.05,stall=0.01,stall_secs=2,malformed=0.02,utf8=0.01` (any subset, any order;
    /// empty or `none` means no faults).
    package init(spec: String) throws(SimulatorError) {
        self.init()
        let trimmed = spec.trimmingSpaces
        guard !trimmed.isEmpty, trimmed != "none" else { return }
        for token in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = token.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = parts[0].trimmingSpaces
            guard parts.count == 2, let value = Double(parts[1].trimmingSpaces), value.isFinite else {
                throw .invalidFaultSpec("'\(token)' is not NAME=NUMBER")
            }
            if name == "stall_secs" {
                guard value >= 0 else { throw .invalidFaultSpec("'\(token)': stall_secs must be 0 or more") }
                stallSeconds = value
                continue
            }
            guard (0...1).contains(value) else { throw .invalidFaultSpec("'\(token)': a rate must be within 0…1") }
            switch name {
            case "5xx": serverError = value
            case "truncate": truncatedBody = value
            case "stall": stall = value
            case "malformed": malformedJSON = value
            case "utf8": invalidUTF8 = value
            default:
                throw .invalidFaultSpec(
                    "'\(token)': unknown fault '\(name)' (known: 5xx, truncate, stall, stall_secs, malformed, utf8)")
            }
        }
        guard totalRate <= 1 + 1e-9 else { throw .invalidFaultSpec("'\(spec)': the rates add up to more than 1") }
    }

    /// The probability that a request gets some fault.
    var totalRate: Double { serverError + truncatedBody + stall + malformedJSON + invalidUTF8 }

    /// The spec text that parses back to this value.
    package var spec: String {
        func text(_ value: Double) -> String {
            value == value.rounded() ? String(Int(value)) : String(value)
        }
        return "5xx=\(text(serverError)),truncate=\(text(truncatedBody)),stall=\(text(stall)),"
            + "stall_secs=\(text(stallSeconds)),malformed=\(text(malformedJSON)),utf8=\(text(invalidUTF8))"
    }

    /// The fault for a uniform draw in 0..<1, or nil.
    func fault(forDraw draw: Double) -> FaultKind? {
        var edge = 0.0
        for (kind, rate) in [
            (FaultKind.serverError, serverError), (.truncatedBody, truncatedBody), (.stall, stall),
            (.malformedJSON, malformedJSON), (.invalidUTF8, invalidUTF8),
        ] {
            edge += rate
            if draw < edge { return kind }
        }
        return nil
    }
}

/// One kind of injected fault.
package enum FaultKind: String, Sendable, CaseIterable {
    /// A 500, 502 or 503.
    case serverError = "5xx"
    /// A body cut short.
    case truncatedBody = "truncate"
    /// A silent response.
    case stall
    /// Broken JSON.
    case malformedJSON = "malformed"
    /// Invalid UTF-8.
    case invalidUTF8 = "utf8"
}

extension StringProtocol {
    var trimmingSpaces: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
