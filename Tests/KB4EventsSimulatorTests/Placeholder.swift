import Testing
import KB4EventsSimulator
@Test func simulatorPlaceholderUntilConformanceLands() { #expect(SimulatorConfiguration().defaultPerPage == 100) }
