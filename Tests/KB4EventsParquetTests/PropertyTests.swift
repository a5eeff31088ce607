import Foundation
import KB4EventsParquet
@testable import KB4EventsSimulator
import Testing

/// Random rows from a seeded generator (nulls, sizes, extremes, NaN, -0.0, empty and non-ASCII strings), random
/// page, dictionary and row-group limits: pyarrow must read back exactly those values with exact statistics.
@Suite(.enabled(if: ParquetPython.enabled, "needs .build-venv with pyarrow and duckdb (required in CI)"))
struct PropertyTests {
    static let columns: [ParquetColumn] = [
        ParquetColumn("s", .string), ParquetColumn("s_dict", .string, dictionary: true),
        ParquetColumn("j", .json), ParquetColumn("i64", .int64), ParquetColumn("i64_dict", .int64, dictionary: true),
        ParquetColumn("i32", .int32), ParquetColumn("i32_dict", .int32, dictionary: true),
        ParquetColumn("f", .double), ParquetColumn("f_dict", .double, dictionary: true),
        ParquetColumn("b", .boolean), ParquetColumn("ts", .timestampMillis), ParquetColumn("d", .date),
    ]

    @Test(arguments: 1...6 as ClosedRange<UInt64>)
    func randomRowsReadBackExactly(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let properties = ParquetWriterProperties(
            createdBy: "property seed \(seed)",
            dataPageSize: [64, 1_024, 1 << 20].randomElement(using: &rng)!,
            dataPageRowLimit: Int.random(in: 1...400, using: &rng),
            dictionaryPageSizeLimit: [16, 500, 1 << 20].randomElement(using: &rng)!,
            rowGroupRowLimit: Int.random(in: 1...1_500, using: &rng))
        var fixture = Fixture(Self.columns, properties: properties)
        let rowCount = seed == 1 ? 0 : Int.random(in: 1...2_500, using: &rng)
        let nullRate = [0.0, 0.1, 0.5, 0.95].randomElement(using: &rng)!
        for _ in 0..<rowCount {
            var row: [ParquetValue] = []
            for column in Self.columns {
                if Double.random(in: 0..<1, using: &rng) < nullRate {
                    row.append(.null)
                } else {
                    row.append(Self.randomValue(column.kind, dictionary: column.dictionary, using: &rng))
                }
            }
            fixture.rows.append(row)
        }
        let directory = try TemporaryDirectory()
        let report = try fixture.check(in: directory, duckdb: seed == 2)
        #expect(report["rows"] as? Int == rowCount)
    }

    static func randomValue(_ kind: ParquetColumnKind, dictionary: Bool, using rng: inout SeededGenerator)
        -> ParquetValue
    {
        // Dictionary columns draw from few values so the dictionary has work to do.
        let few = dictionary && Bool.random(using: &rng)
        switch kind {
        case .string, .json:
            var text: String
            if few {
                text = ["alpha", "beta", "", "Γάμμα", "🙂🙂"][Int.random(in: 0..<5, using: &rng)]
            } else {
                let alphabet: [Character] = ["a", "z", "0", " ", "\"", "\\", "é", "中", "🙂", "\u{7F}", "\u{0}", "\n"]
                let length = [0, 1, 5, 40, 63, 64, 65, 200][Int.random(in: 0..<8, using: &rng)]
                text = String((0..<length).map { _ in alphabet.randomElement(using: &rng)! })
            }
            // JSON columns hold documents (DuckDB parses them): the text as a JSON string.
            return .string(kind == .json ? jsonString(text) : text)
        case .int64, .timestampMillis:
            if few { return .int64(Int64.random(in: -3...3, using: &rng)) }
            let choices: [Int64] = [.min, .max, 0, -1, 1, Int64.random(in: .min ... .max, using: &rng)]
            return .int64(choices.randomElement(using: &rng)!)
        case .int32, .date:
            if few { return .int32(Int32.random(in: -3...3, using: &rng)) }
            let choices: [Int32] = [.min, .max, 0, -1, Int32.random(in: .min ... .max, using: &rng)]
            return .int32(choices.randomElement(using: &rng)!)
        case .double:
            if few { return .double([0.5, -0.0, 0.0, .nan][Int.random(in: 0..<4, using: &rng)]) }
            let choices: [Double] = [
                .nan, -0.0, 0.0, .infinity, -.infinity, .greatestFiniteMagnitude, -.leastNonzeroMagnitude,
                Double(bitPattern: rng.next()), Double.random(in: -1e6...1e6, using: &rng),
            ]
            return .double(choices.randomElement(using: &rng)!)
        case .boolean:
            return .boolean(Bool.random(using: &rng))
        }
    }
}
