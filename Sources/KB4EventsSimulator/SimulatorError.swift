/// What can go wrong when configuring or running a simulator.
package enum SimulatorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A configuration value is unusable; the text names it.
    case invalidConfiguration(String)
    /// A fault spec could not be parsed; the text names the bad token.
    case invalidFaultSpec(String)
    /// `start` was called on a running simulator.
    case alreadyRunning
    /// The ground truth could not be written.
    case cannotWriteTruth(path: String, reason: String)

    /// A "what: why" message.
    package var description: String {
        switch self {
        case .invalidConfiguration(let message): "simulator configuration: \(message)"
        case .invalidFaultSpec(let message): "fault spec: \(message)"
        case .alreadyRunning: "simulator: already running"
        case .cannotWriteTruth(let path, let reason): "truth file \(path): \(reason)"
        }
    }
}
