import Testing
@testable import KB4EventsPipeline
@testable import KB4EventsCore

struct RunProgressTests {
    @Test func lineShowsDaysEventsCallsRateAndETA() {
        var p = RunProgress(daysTotal: 10)
        p.daysDone = 2
        p.events = 500
        p.calls = 9
        p.currentDay = Day("2026-11-20")!
        #expect(
            p.line(elapsedSeconds: 5) == "day 2026-11-20 · 2/10 days · 500 events · 9 calls · 100 events/s · ETA 0:20")
    }

    @Test func noETABeforeTheFirstDayNorAfterTheLast() {
        var p = RunProgress(daysTotal: 2)
        #expect(!p.line(elapsedSeconds: 1).contains("ETA"))
        p.daysDone = 2
        #expect(!p.line(elapsedSeconds: 1).contains("ETA"))
        #expect(RunProgress.clock(3725) == "1:02:05")
    }
}
