/// Runs clean-up that must still happen when the caller was cancelled (a SIGINT/SIGTERM stopping a run: release
/// the lake's lease, write the run record, flush the call ledger, abort a multipart upload), the way swift-service-
/// lifecycle's graceful shutdown does: `body` runs in an unstructured task that does not inherit the caller's
/// cancellation, and the caller awaits it. The clean-up has a deadline of its own: after `deadline` seconds its task
/// is cancelled (its requests stop) and this returns what `body` returns then.
package func withUncancelledCleanup<T: Sendable>(
    deadline seconds: Double, _ body: sending @escaping @isolated(any) () async -> T
) async -> T {
    let work = Task(operation: body)
    let timer = Task {
        try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
        if !Task.isCancelled { work.cancel() }
    }
    let value = await work.value
    timer.cancel()
    return value
}
