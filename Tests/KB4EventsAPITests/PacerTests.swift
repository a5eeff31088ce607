import Synchronization
import Testing

@testable import KB4EventsCore
@testable import KB4EventsAPI

@Suite struct PacerTests {
    @Test func startsThreePercentUnderTheAllowance() throws {
        let pacer = Pacer(requestsPerSecond: 4)
        #expect(abs(try #require(pacer.currentRate) - 4 / 1.03) < 0.001)
    }

    @Test func eachThrottledAnswerSlowsItDownToAFloor() throws {
        let pacer = Pacer(requestsPerSecond: 4)
        #expect(pacer.slowDown())
        #expect(abs(try #require(pacer.currentRate) - 4 / 1.06) < 0.001)
        for _ in 0..<20 { pacer.slowDown() }
        #expect(!pacer.slowDown(), "the margin stops at its maximum")
        #expect(abs(try #require(pacer.currentRate) - 4 / 1.20) < 0.001)
    }

    @Test func anUnpacedClientStaysUnpaced() {
        let pacer = Pacer(requestsPerSecond: nil)
        #expect(pacer.currentRate == nil)
        #expect(!pacer.slowDown())
    }

    @Test func aLateWakeUpDoesNotBringTheNextCallCloser() async throws {
        // The first wait that sleeps wakes 40 ms late (a busy machine); the next call must still come a full
        // interval (50 ms) after it, not at its planned slot. Only lower bounds: a busy machine can make the
        // gaps longer, never shorter.
        let sleeps = Mutex(0)
        let pacer = Pacer(requestsPerSecond: 20, margin: 0) { deadline in
            let late = sleeps.withLock { n in
                n += 1
                return n == 1
            }
            try await ContinuousClock().sleep(until: late ? deadline + .milliseconds(40) : deadline)
        }
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
