extension RunSummary {
    /// An empty summary (nothing done), e.g. for a run that failed before its first day.
    package static let empty = RunSummary()
}
