import Dispatch
import Foundation
import Synchronization
import Testing

@testable import KB4EventsPipeline

/// The writers' second thread (`BackgroundStage`): order kept, memory bounded by its depth, the first failure
/// reported once and nothing consumed after it. The gzip and Parquet writers' byte-equality tests cover the happy
/// path through real files; these cover what those cannot provoke.
@Suite struct BackgroundStageTests {
    struct Boom: Error, Equatable { let item: Int }

    @Test func itemsAreConsumedInSubmissionOrderAndFinishRunsLast() throws {
        let seen = Mutex<[Int]>([])
        let stage = BackgroundStage<Int>(depth: 3) { item in seen.withLock { $0.append(item) } }
        for i in 0..<1000 { try stage.submit(i) }
        try stage.finish { seen.withLock { $0.append(-1) } }
        #expect(seen.withLock { $0 } == Array(0..<1000) + [-1])
    }

    @Test func theFirstFailureIsReportedAndNothingIsConsumedAfterIt() throws {
        let seen = Mutex<[Int]>([])
        let stage = BackgroundStage<Int>(depth: 2) { item in
            if item == 5 || item == 7 { throw Boom(item: item) }
            seen.withLock { $0.append(item) }
        }
        var reportedBySubmit: Boom?
        for i in 0..<50 {
            do { try stage.submit(i) } catch let error as Boom {
                reportedBySubmit = error
                break
            }
        }
        var lastRan = false
        #expect(throws: Boom(item: 5)) { try stage.finish { lastRan = true } }
        // A later submit sees the same (first) failure, whether or not one already reported it.
        if let reportedBySubmit { #expect(reportedBySubmit == Boom(item: 5)) }
        #expect(throws: Boom(item: 5)) { try stage.submit(99) }
        #expect(!lastRan, "the stream is not ended after a failure")
        #expect(seen.withLock { $0 } == [0, 1, 2, 3, 4])
    }

    @Test func aFailureInFinishIsReported() throws {
        let stage = BackgroundStage<Int>(depth: 2) { _ in }
        try stage.submit(1)
        #expect(throws: Boom(item: -1)) { try stage.finish { throw Boom(item: -1) } }
    }

    @Test func submitWaitsWhileDepthItemsAreQueued() throws {
        let gate = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        let stage = BackgroundStage<Int>(depth: 2) { item in
            if item == 0 {
                started.signal()
                gate.wait()
            }
        }
        try stage.submit(0)  // running, held at the gate
        started.wait()
        try stage.submit(1)  // queued behind it: both slots taken
        let third = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            try? stage.submit(2)
            third.signal()
        }
        #expect(third.wait(timeout: .now() + .milliseconds(300)) == .timedOut, "a third item waits for a slot")
        gate.signal()
        #expect(third.wait(timeout: .now() + .seconds(30)) == .success, "and goes in once one frees")
        try stage.finish {}
    }

    @Test func drainWaitsForTheItemRunningNow() throws {
        let done = Mutex(false)
        let stage = BackgroundStage<Int>(depth: 1) { _ in
            usleep(50_000)
            done.withLock { $0 = true }
        }
        try stage.submit(1)
        stage.drain()
        #expect(done.withLock { $0 })
    }
}
