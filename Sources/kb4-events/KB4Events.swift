import ArgumentParser

/// The command tree. Each command parses and validates flags, builds the library objects and runs them.
@main
struct KB4Events: AsyncParsableCommand {
    /// The version: the one place it is written (the manifest's `tool_version`, `--version`, the release's file name).
    static let version = "0.1.0"

    /// What `--version` prints: `0.1.0 (commit 589e07c1a2b3)`, or `0.1.0 (unknown commit)` for a non-release build.
    static let versionLine = "\(version) (\(BuildCommit.id.map { "commit \($0)" } ?? "unknown commit"))"

    static let configuration = CommandConfiguration(
        commandName: "kb4-events",
        abstract: "Export KnowBe4 KMSAT User Event API events into a data lake, one UTC day at a time.",
        discussion: """
            Exit codes: 0 done · 64 usage · 65 data error (verify: a damaged lake) · 66 not found (no lake) · \
            69 API unavailable · 73 cannot write output · \
            75 temporary (quota, lock; run again later) · 77 key or region refused · 78 configuration error · \
            130/143 interrupted (SIGINT/SIGTERM). Options may come before or after the command. \
            The API key comes from $KB4_EVENTS_API_KEY (name configurable) or --api-key-file, never from a flag value.
            """,
        version: versionLine,
        subcommands: [
            SyncCommand.self, BackfillCommand.self, PlanCommand.self, StatusCommand.self, VerifyCommand.self,
            RebuildCommand.self, DDLCommand.self, SimulateCommand.self, APICommand.self,
        ]
    )
}
