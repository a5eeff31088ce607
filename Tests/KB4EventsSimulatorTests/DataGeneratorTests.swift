@testable import KB4EventsSimulator
import Foundation
import Testing
@testable import KB4EventsCore

@Suite struct DataGeneratorTests {
    private func lines(_ configure: (inout SimulatorConfiguration) -> Void) -> [String] {
        Simulator(configuration: testConfiguration(configure)).truthLines()
    }

    private func onDays(_ lines: [String], _ days: ClosedRange<String>) -> [String] {
        lines.filter { line in
            guard let range = line.range(of: "\"occurred_date\":\"") else { return false }
            return days.contains(String(line[range.upperBound...].prefix(10)))
        }
    }

    @Test func sameSeedGivesIdenticalTruth() {
        let first = lines { _ in }
        #expect(!first.isEmpty)
        #expect(first == lines { _ in })
        #expect(first != lines { $0.seed = 8 })
    }

    @Test func overlappingDaysStayIdenticalWhenTheRangeMoves() {
        let tenDays = lines { _ in }
        let twentyDays = lines {
            $0.days = 20
            $0.events = 1200
        }
        let later = lines { $0.today = "2026-11-23" }
        let overlap = "2026-11-14"..."2026-11-20"
        #expect(!onDays(tenDays, overlap).isEmpty)
        #expect(onDays(tenDays, overlap) == onDays(twentyDays, overlap))
        #expect(onDays(tenDays, overlap) == onDays(later, overlap))
        #expect(twentyDays.count > tenDays.count)
    }

    @Test func truthIsSortedByOccurredThenIDAndCountsAddUp() throws {
        let simulator = Simulator(configuration: testConfiguration())
        let objects = try truthObjects(simulator)
        let keys = objects.map { ($0.occurred ?? "") + " " + ($0.id ?? "") }
        #expect(keys == keys.sorted())
        #expect(simulator.truthCounts().values.reduce(0, +) == objects.count)
        #expect(simulator.truthCounts().keys.allSatisfy { ("2026-11-11"..."2026-11-20").contains($0) })
    }

    @Test func dataHasTheEdgeCasesExportersMustSurvive() throws {
        let simulator = Simulator(
            configuration: testConfiguration {
                $0.events = 3000
                $0.days = 30
            })
        let lines = simulator.truthLines()
        let objects = try truthObjects(simulator)
        let stamps = objects.compactMap(\.occurred)
        #expect(stamps.contains { $0.hasSuffix("T00:00:00.000Z") })
        #expect(stamps.contains { $0.hasSuffix("T23:59:59.999Z") })
        #expect(Set(stamps).count < stamps.count)
        #expect(stamps.contains { $0.hasPrefix("2026-11-20") })
        let counts = simulator.truthCounts()
        #expect(counts.count < 30)
        #expect((counts.values.max() ?? 0) > 3 * 100)
        for key in ["external_id", "source", "description", "metadata"] {
            let nulls = objects.filter { $0[key] is NSNull }.count
            #expect(nulls > 0 && nulls < objects.count, "\(key)")
        }
        #expect(lines.contains { $0.contains("\\r\\n") })
        #expect(lines.contains { $0.contains("\\u0001") })
        #expect(lines.contains { $0.contains("\"description\":\"=") })
        #expect(lines.contains { $0.contains("👨‍👩‍👧‍👦") })
        #expect(lines.contains { $0.contains("\"archived\":true") })
        #expect(lines.contains { $0.contains("\"factor\":1.5") })
        let ids = objects.compactMap(\.id)
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.count == 36 && $0 == $0.lowercased() && Array($0)[14] == "4" })
    }

    @Test func dayCountsDoNotDependOnTheRange() {
        let generator = DataGenerator(seed: 3)
        let day = Day("2026-06-01")!.ordinal
        #expect(
            generator.events(onDay: day, meanPerDay: 50).map(\.json)
                == generator.events(onDay: day, meanPerDay: 50).map(\.json))
        #expect(generator.users.count == 200)
        #expect(Set(generator.users.map(\.email)).count == 200)
    }
}
