import Testing
@testable import KB4EventsCore
@testable import KB4EventsAPI

/// Validation and the JSON body of `POST /events`, without a network.
struct CreateEventRequestTests {
    static func valid() -> CreateEventRequest {
        CreateEventRequest(targetUser: "ana.silva@corp.example", eventType: "macro_blocked")
    }

    /// One change to a valid request, and the field it must be refused for (nil: accepted).
    static let cases: [(String, @Sendable (inout CreateEventRequest) -> Void, String?)] = [
        ("the two required fields", { _ in }, nil),
        (
            "every field",
            {
                $0.externalID = "soc-1"; $0.source = "EDR"; $0.description = "d"; $0.occurredDate = "2024-02-29"
                $0.riskLevel = -10; $0.riskDecayMode = 1; $0.riskExpireDate = "2024-12-31"
            }, nil
        ),
        ("no @", { $0.targetUser = "ana.silva.corp.example" }, "target_user"),
        ("two @", { $0.targetUser = "a@b@corp.example" }, "target_user"),
        ("empty local part", { $0.targetUser = "@corp.example" }, "target_user"),
        ("undotted domain", { $0.targetUser = "ana@localhost" }, "target_user"),
        ("domain ends with a dot", { $0.targetUser = "ana@corp." }, "target_user"),
        ("a space", { $0.targetUser = "ana silva@corp.example" }, "target_user"),
        ("empty event type", { $0.eventType = "" }, "event_type"),
        ("blank event type", { $0.eventType = "  " }, "event_type"),
        ("external_id of 64", { $0.externalID = String(repeating: "x", count: 64) }, nil),
        ("external_id of 65", { $0.externalID = String(repeating: "x", count: 65) }, "external_id"),
        ("description of 255", { $0.description = String(repeating: "é", count: 255) }, nil),
        ("description of 256", { $0.description = String(repeating: "d", count: 256) }, "description"),
        ("risk_level 0", { $0.riskLevel = 0 }, nil),
        ("risk_level 10", { $0.riskLevel = 10 }, nil),
        ("risk_level 11", { $0.riskLevel = 11 }, "risk_level"),
        ("risk_level -11", { $0.riskLevel = -11 }, "risk_level"),
        ("risk_decay_mode 2", { $0.riskDecayMode = 2 }, "risk_decay_mode"),
        ("risk_decay_mode -1", { $0.riskDecayMode = -1 }, "risk_decay_mode"),
        ("February 30", { $0.occurredDate = "2026-02-30" }, "occurred_date"),
        ("February 29 of a common year", { $0.occurredDate = "2026-02-29" }, "occurred_date"),
        ("February 29 of 1900", { $0.occurredDate = "1900-02-29" }, "occurred_date"),
        ("February 29 of 2000", { $0.occurredDate = "2000-02-29" }, nil),
        ("month 13", { $0.occurredDate = "2026-13-01" }, "occurred_date"),
        ("a timestamp", { $0.occurredDate = "2026-11-21T00:00:00Z" }, "occurred_date"),
        ("slashes", { $0.riskExpireDate = "2026/11/21" }, "risk_expire_date"),
        ("day 0", { $0.riskExpireDate = "2026-11-00" }, "risk_expire_date"),
    ]

    @Test(arguments: cases.indices)
    func validation(index: Int) {
        let (name, change, field) = Self.cases[index]
        var request = Self.valid()
        change(&request)
        do {
            try request.validate()
            #expect(field == nil, "\(name): accepted, expected a refusal for \(field ?? "")")
        } catch {
            #expect(error.field == field, "\(name): refused for \(error.field): \(error.reason)")
            #expect(error.description.hasPrefix(error.field + ": "))
        }
    }

    @Test func bodyKeepsZerosAndOmitsUnsetFields() {
        var request = Self.valid()
        request.riskLevel = 0
        request.riskDecayMode = 0
        #expect(
            request.json.compactString
                == #"{"target_user":"ana.silva@corp.example","event_type":"macro_blocked","risk_level":0,"risk_decay_mode":0}"#
        )
    }

    @Test func bodyWithEveryFieldInOrder() {
        var request = Self.valid()
        request.externalID = "soc-1"
        request.source = "EDR"
        request.description = "Said \"hi\""
        request.occurredDate = "2026-11-20"
        request.riskLevel = -3
        request.riskDecayMode = 1
        request.riskExpireDate = "2026-12-20"
        #expect(
            request.json.compactString
                == #"{"target_user":"ana.silva@corp.example","event_type":"macro_blocked","external_id":"soc-1","source":"EDR","description":"Said \"hi\"","occurred_date":"2026-11-20","risk_level":-3,"risk_decay_mode":1,"risk_expire_date":"2026-12-20"}"#
        )
    }
}
