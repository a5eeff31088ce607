import Testing
@testable import KB4EventsCore

@Suite struct DayTests {
    @Test(arguments: [
        ("1970-01-01", 0), ("2026-11-21", 20_778), ("2024-02-29", 19_782), ("2000-03-01", 11_017),
    ])
    func parsesAndPrints(text: String, ordinal: Int) throws {
        let day = try #require(Day(text))
        #expect(day.ordinal == ordinal)
        #expect(day.description == text)
    }

    @Test(arguments: ["2026-02-29", "2026-13-01", "2026-00-10", "2026-1-01", "26-01-01", "2026/01/01", "", "2026-01-32"])
    func rejectsBadDates(text: String) {
        #expect(Day(text) == nil)
    }

    @Test func arithmeticCrossesMonthsAndYears() throws {
        let d = try #require(Day("2026-12-31"))
        #expect(d.next.description == "2027-01-01")
        #expect(try #require(Day("2024-03-01")).previous.description == "2024-02-29")
        #expect(Day.range(d, through: d.adding(days: 2)).map(\.description) == ["2026-12-31", "2027-01-01", "2027-01-02"])
        #expect(Day.range(d, through: d.previous).isEmpty)
    }

    @Test func dayOfEpochSeconds() {
        #expect(Day(secondsSinceEpoch: 86_399.9).description == "1970-01-01")
        #expect(Day(secondsSinceEpoch: 86_400).description == "1970-01-02")
    }

    @Test(arguments: [
        ("2026-11-21T00:00:00.000Z", Int64(20_778) * 86_400_000),
        ("2026-11-21T23:59:59.999Z", Int64(20_779) * 86_400_000 - 1),
        ("2026-11-21T10:00:00Z", Int64(20_778) * 86_400_000 + 36_000_000),
        ("2026-11-21T10:00:00.5Z", Int64(20_778) * 86_400_000 + 36_000_500),
        ("2026-11-21T10:00:00.123456Z", Int64(20_778) * 86_400_000 + 36_000_123),
        ("2026-11-21T01:00:00.000+02:00", Int64(20_778) * 86_400_000 - 3_600_000),
    ])
    func timestamps(text: String, millis: Int64) {
        #expect(parseTimestampMillis(text) == millis)
    }

    @Test(arguments: ["2026-11-21", "2026-11-21T25:00:00Z", "2026-11-21T10:00:00", "2026-11-21T10:00:00.Z", "x"])
    func badTimestamps(text: String) {
        #expect(parseTimestampMillis(text) == nil)
    }
}
