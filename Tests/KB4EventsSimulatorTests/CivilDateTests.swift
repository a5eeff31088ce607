@testable import KB4EventsSimulator
import Testing

@Suite struct CivilDateTests {
    @Test func dayNumbersRoundTrip() throws {
        #expect(CivilDate.parseDay("1970-01-01") == 0)
        #expect(CivilDate.parseDay("2000-03-01") == 11_017)
        for day in stride(from: -1000, through: 30_000, by: 37) {
            #expect(CivilDate.parseDay(CivilDate.formatDay(day)) == day)
        }
    }

    @Test(arguments: ["2026-02-29", "2026-13-01", "2026-00-10", "2026-1-01", "20261101", "2026-11-01T", "abcd-ef-gh"])
    func invalidDaysAreRejected(text: String) {
        #expect(CivilDate.parseDay(text) == nil)
    }

    @Test func timestampsHaveMillisecondsAndZ() throws {
        let day = try #require(CivilDate.parseDay("2024-02-29"))
        let start = Int64(day) * CivilDate.millisPerDay
        #expect(CivilDate.formatTimestamp(start) == "2024-02-29T00:00:00.000Z")
        #expect(CivilDate.formatTimestamp(start + CivilDate.millisPerDay - 1) == "2024-02-29T23:59:59.999Z")
        #expect(CivilDate.parseTimestamp("2024-02-29T23:59:59.999Z") == start + CivilDate.millisPerDay - 1)
        #expect(CivilDate.parseTimestamp("2024-02-29T24:00:00.000Z") == nil)
        #expect(CivilDate.parseTimestamp("2024-02-29 08:00:00.000Z") == nil)
    }

    @Test func addingAMonthClampsToTheMonthEnd() throws {
        func plusOne(_ text: String) throws -> String {
            CivilDate.formatDay(CivilDate.addingMonths(1, toDay: try #require(CivilDate.parseDay(text))))
        }
        #expect(try plusOne("2026-01-31") == "2026-02-28")
        #expect(try plusOne("2024-01-30") == "2024-02-29")
        #expect(try plusOne("2026-12-15") == "2027-01-15")
    }
}
