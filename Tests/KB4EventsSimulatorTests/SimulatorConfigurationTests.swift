@testable import KB4EventsSimulator
import Testing

@Suite struct SimulatorConfigurationTests {
    @Test func defaultsAreValid() throws {
        try SimulatorConfiguration().validate()
        #expect(SimulatorConfiguration().requestsPerSecond == 4)
        #expect(SimulatorConfiguration().defaultOrder == EventOrder(field: .occurredDate, direction: .descending))
    }

    @Test(arguments: [
        "today", "first day", "after today", "days", "events", "max per_page", "requests per second", "api key",
    ])
    func invalidValuesAreNamed(name: String) {
        var configuration = SimulatorConfiguration()
        switch name {
        case "today": configuration.today = "2026-02-30"
        case "first day": configuration.firstDay = "tomorrow"
        case "after today":
            configuration.today = "2026-01-01"
            configuration.firstDay = "2026-01-02"
        case "days": configuration.days = 0
        case "events": configuration.events = -1
        case "max per_page": configuration.maxPerPage = 0
        case "requests per second": configuration.requestsPerSecond = 0
        default: configuration.apiKey = ""
        }
        #expect {
            try configuration.validate()
        } throws: { error in
            (error as? SimulatorError)?.description.contains(name) == true
        }
    }
}
