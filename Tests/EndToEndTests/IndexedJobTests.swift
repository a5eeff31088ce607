import Foundation
import KB4EventsTestSupport
import Testing

/// The Kubernetes Indexed Job run as Kubernetes would run it, on one machine (`scripts/fleet.py check`): the built
/// binary once per index 0…11 with `JOB_COMPLETION_INDEX` set and `--pipeline accounts/$(JOB_COMPLETION_INDEX).yaml`,
/// four at a time, against one many-account simulator, every lake in one bucket in moto (signatures checked); one pod
/// killed with SIGKILL mid-run and started again, as `backoffLimitPerIndex` retries it. Every lake read back from the
/// bucket equals the simulator's truth for every day, and every metrics file carries its account's label.
@Suite(.enabled(if: TestPython.enabled)) struct IndexedJobTests {
    @Test func everyIndexLeavesItsLakeExactAKilledPodIncluded() async throws {
        let python = try #require(TestPython.path, Comment(rawValue: TestPython.missing("the Indexed Job test needs moto")))
        let result = try await BuiltBinary.run(
            [BuiltBinary.root + "/scripts/fleet.py", "check", BuiltBinary.path, "--kill-after", "1.5"],
            environment: ProcessInfo.processInfo.environment, executable: python)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("every lake equals the API"), "\(result.stdout)")
    }
}
