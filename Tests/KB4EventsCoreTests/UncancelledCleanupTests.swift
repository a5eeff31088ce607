import Testing

@testable import KB4EventsCore

/// Clean-up after a cancelled run (SIGINT/SIGTERM) runs outside the cancellation, bounded by its own deadline.
struct UncancelledCleanupTests {
    @Test func theCleanUpIsNotCancelledWithItsCaller() async {
        let run = Task { () async -> (caller: Bool, cleanup: Bool) in
            while !Task.isCancelled { await Task.yield() }
            let cleanup = await withUncancelledCleanup(deadline: 600) { () async -> Bool in
                // A sleep in a cancelled task would end at once and throw.
                (try? await Task.sleep(nanoseconds: 1_000_000)) != nil && !Task.isCancelled
            }
            return (Task.isCancelled, cleanup)
        }
        run.cancel()
        let seen = await run.value
        #expect(seen.caller, "the caller was cancelled")
        #expect(seen.cleanup, "the clean-up ran uncancelled")
    }

    @Test func aCleanUpPastItsDeadlineIsCancelled() async {
        let ended = await withUncancelledCleanup(deadline: 0.05) { () async -> Bool in
            (try? await Task.sleep(nanoseconds: 600_000_000_000)) == nil && Task.isCancelled
        }
        #expect(ended, "cancelled at its deadline, not after 600 s")
    }
}
