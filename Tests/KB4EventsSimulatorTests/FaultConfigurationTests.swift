@testable import KB4EventsSimulator
import Testing

@Suite struct FaultConfigurationTests {
    @Test func parsesEveryToken() throws {
        let faults = try FaultConfiguration(
            spec: "5xx=0.1,truncate=0.05,stall=0.01,stall_secs=2,malformed=0.02,utf8=0.01")
        #expect(
            faults
                == FaultConfiguration(
                    serverError: 0.1, truncatedBody: 0.05, stall: 0.01, stallSeconds: 2, malformedJSON: 0.02,
                    invalidUTF8: 0.01))
        #expect(try FaultConfiguration(spec: faults.spec) == faults)
    }

    @Test func emptyAndNoneMeanNoFaults() throws {
        #expect(try FaultConfiguration(spec: "") == .none)
        #expect(try FaultConfiguration(spec: "none") == .none)
        #expect(FaultConfiguration.none.totalRate == 0)
    }

    @Test(arguments: [
        ("bogus=0.1", "bogus"), ("5xx", "5xx"), ("5xx=lots", "5xx=lots"), ("stall=1.5", "stall=1.5"),
        ("5xx=0.1,,utf8=0.1", "''"), ("stall_secs=-1", "stall_secs"), ("5xx=0.6,stall=0.6", "more than 1"),
    ])
    func badSpecsNameTheToken(spec: String, named: String) {
        #expect {
            _ = try FaultConfiguration(spec: spec)
        } throws: { error in
            guard let error = error as? SimulatorError, case .invalidFaultSpec(let message) = error else {
                return false
            }
            return message.contains(named)
        }
    }

    @Test func drawsMapToKindsByCumulativeRate() {
        let faults = FaultConfiguration(
            serverError: 0.1, truncatedBody: 0.1, stall: 0.1, malformedJSON: 0.1, invalidUTF8: 0.1)
        #expect(faults.fault(forDraw: 0.05) == .serverError)
        #expect(faults.fault(forDraw: 0.15) == .truncatedBody)
        #expect(faults.fault(forDraw: 0.25) == .stall)
        #expect(faults.fault(forDraw: 0.35) == .malformedJSON)
        #expect(faults.fault(forDraw: 0.45) == .invalidUTF8)
        #expect(faults.fault(forDraw: 0.55) == nil)
        #expect(FaultConfiguration.none.fault(forDraw: 0) == nil)
    }
}
