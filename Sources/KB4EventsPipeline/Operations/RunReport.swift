package import KB4EventsCore

/// What an export run leaves for operators after it ends, success or failure: `_state/last_run.json` in the lake
/// and, with a metrics file, the Prometheus metrics. Failing to write either is a warning (returned for the caller to
/// print), never the run's outcome.
package struct RunReport: Sendable {
    package let command: String
    package let runID: String
    package let startedAt: Double
    package let metricsFile: String?
    /// The account the record names and every metric series is labelled with (`ResolvedPipeline.account`; before
    /// the pipeline is resolved, `ResolvedPipeline.fallbackAccount`).
    package var account: String

    package init(command: String, runID: String, startedAt: Double, metricsFile: String?, account: String) {
        self.command = command
        self.runID = runID
        self.startedAt = startedAt
        self.metricsFile = metricsFile
        self.account = account
    }

    /// Writes the record (unless the run never reached its lake, or was turned away by its lock or its version) and
    /// the metrics; returns what could not be written.
    package func write(
        exitCode: Int, summary: RunSummary?, error: (any Error)?, lake: LakeLayout?, recordVersion: RunRecord.Version,
        budget: CallBudget?, now: Double
    ) async -> [String] {
        var warnings: [String] = []
        var summary = summary ?? .empty
        if summary.durationSeconds == 0 { summary.durationSeconds = now - startedAt }
        // A run turned away by the lock did nothing to the lake; the run holding the lock records its own.
        // A lake from a newer kb4-events is left as it is, its state files included.
        let leaveLake = ["locked", "newer_version"].contains((error as? PipelineError)?.code ?? "")
        // A local lake that was never created gets no record (the run did not reach it).
        if let lake, !leaveLake, lake.store.exists {
            let record = RunRecord(
                command: command, runID: runID, startedAt: isoSeconds(startedAt), finishedAt: isoSeconds(now),
                exitCode: exitCode, error: error.map { "\($0)" }, summary: summary, account: account)
            do { try await record.save(to: lake, replacing: recordVersion) } catch {
                warnings.append("cannot record the last run in \(lake.root)/\(LakeLayout.lastRunKey): \(error)")
            }
        }
        if let metricsFile {
            let metrics = RunMetrics(
                account: account, summary: summary, exitCode: exitCode, finishedAt: now,
                lastSuccess: exitCode == 0 ? now : RunMetrics.previousLastSuccess(at: metricsFile),
                callsLeftToday: budget?.remaining)
            do { try metrics.write(to: metricsFile) } catch {
                warnings.append("cannot write the metrics file \(metricsFile): \(error)")
            }
        }
        return warnings
    }
}
