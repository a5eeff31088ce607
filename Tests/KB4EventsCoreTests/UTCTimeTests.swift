import Testing
@testable import KB4EventsCore

@Suite struct UTCTimeTests {
    @Test func dayNumbersRoundTrip() throws {
        #expect(Day("1970-01-01")?.ordinal == 0)
        #expect(Day("2000-03-01")?.ordinal == 11_017)
        for ordinal in stride(from: 0, through: 30_000, by: 37) {
            #expect(Day(Day(ordinal: ordinal).description)?.ordinal == ordinal)
        }
        #expect(Day(ordinal: -1).description == "1969-12-31")
    }

    @Test(arguments: ["2026-02-29", "2026-13-01", "2026-00-10", "2026-1-01", "20261101", "2026-11-01T", "abcd-ef-gh"])
    func invalidDaysAreRejected(text: String) {
        #expect(Day(text) == nil)
    }

    @Test func millisecondTimestampsHaveMillisecondsAndZ() throws {
        let day = try #require(Day("2024-02-29"))
        let start = Int64(day.ordinal) * UTCTime.millisPerDay
        #expect(UTCTime.millis(start) == "2024-02-29T00:00:00.000Z")
        #expect(UTCTime.millis(start + UTCTime.millisPerDay - 1) == "2024-02-29T23:59:59.999Z")
        #expect(UTCTime.millis(-1) == "1969-12-31T23:59:59.999Z")
        #expect(UTCTime.parseMillis("2024-02-29T23:59:59.999Z") == start + UTCTime.millisPerDay - 1)
        #expect(UTCTime.parseMillis("2024-02-29T24:00:00.000Z") == nil)
        #expect(UTCTime.parseMillis("2024-02-29 08:00:00.000Z") == nil)
        #expect(UTCTime.parseMillis("2024-02-29T08:00:00.000+00:00") == nil)
        #expect(UTCTime.parseMillis("2024-02-29T08:00:00Z") == nil)
    }

    @Test func secondsAndSigV4Forms() {
        // 2026-11-30T23:05:09Z = 1_796_079_909
        #expect(UTCTime.seconds(1_796_079_909.75) == "2026-11-30T23:05:09Z")
        #expect(isoSeconds(0) == "1970-01-01T00:00:00Z")
        #expect(UTCTime.seconds(-0.5) == "1969-12-31T23:59:59Z")
        #expect(UTCTime.compactSeconds(1_796_079_909) == "20261130T230509Z")
    }

    @Test func rfc3339InstantsWithOffsetsAndFractions() {
        #expect(parseTimestampMillis("2026-11-30T23:05:09Z") == 1_796_079_909_000)
        #expect(parseTimestampMillis("2026-11-30T23:05:09.5Z") == 1_796_079_909_500)
        #expect(parseTimestampMillis("2026-12-01T00:05:09.123456+01:00") == 1_796_079_909_123)
        #expect(parseTimestampMillis("2026-11-30T23:05:09") == nil)
    }

    @Test func addingAMonthClampsToTheMonthEnd() throws {
        func plusOne(_ text: String) throws -> String { try #require(Day(text)).adding(months: 1).description }
        #expect(try plusOne("2026-01-31") == "2026-02-28")
        #expect(try plusOne("2024-01-30") == "2024-02-29")
        #expect(try plusOne("2026-12-15") == "2027-01-15")
    }

    @Test func millisBeforeTheEpochFloorToTheDayBefore() {
        #expect(Day(millis: -1).description == "1969-12-31")
        #expect(Day(millis: 0).description == "1970-01-01")
        #expect(Day(millis: UTCTime.millisPerDay - 1).description == "1970-01-01")
    }
}
