import Testing

@testable import KB4EventsAPI

@Suite struct PacerTests {
    @Test func startsTwoPercentUnderTheAllowance() throws {
        let pacer = Pacer(requestsPerSecond: 4)
        #expect(abs(try #require(pacer.currentRate) - 4 / 1.02) < 0.001)
    }

    @Test func eachThrottledAnswerSlowsItDownToAFloor() throws {
        let pacer = Pacer(requestsPerSecond: 4)
        #expect(pacer.slowDown())
        #expect(abs(try #require(pacer.currentRate) - 4 / 1.05) < 0.001)
        for _ in 0..<20 { pacer.slowDown() }
        #expect(!pacer.slowDown(), "the margin stops at its maximum")
        #expect(abs(try #require(pacer.currentRate) - 4 / 1.20) < 0.001)
    }

    @Test func anUnpacedClientStaysUnpaced() {
        let pacer = Pacer(requestsPerSecond: nil)
        #expect(pacer.currentRate == nil)
        #expect(!pacer.slowDown())
    }

    @Test func callsAreAtLeastOneIntervalApart() async throws {
        // Only a lower bound: a busy machine can make the gaps longer, never shorter.
        let pacer = Pacer(requestsPerSecond: 20, margin: 0)
        let clock = ContinuousClock()
        var releases: [ContinuousClock.Instant] = []
        for _ in 0..<4 {
            try await pacer.wait()
            releases.append(clock.now)
        }
        for (a, b) in zip(releases, releases.dropFirst()) {
            #expect(b - a >= .milliseconds(50))
        }
    }
}
