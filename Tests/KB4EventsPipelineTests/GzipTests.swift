import Foundation
import Testing

@testable import KB4EventsCore
@testable import KB4EventsPipeline

@Suite struct GzipTests {
    @Test(arguments: [0, 1, 100, 70_000, 1_000_000])
    func roundTrip(size: Int) throws {
        var rng = SystemRandomNumberGenerator()
        let words = ["alpha", "beta", "gamma", "δέλτα", "🙂", "\n", ",", "\""]
        var input: [UInt8] = []
        while input.count < size { input += Array(words[Int(rng.next() % UInt64(words.count))].utf8) }
        input = Array(input.prefix(size))
        let compressed = try GzipWriter.compress(input)
        #expect(try GzipReader.decompress(compressed) == input)
    }

    @Test func headerHasNoTimeAndNoName() throws {
        let out = try GzipWriter.compress(Array("hello".utf8))
        #expect(Array(out.prefix(3)) == [0x1f, 0x8b, 8])
        #expect(out[3] == 0, "no FNAME/FEXTRA/FCOMMENT flags")
        #expect(Array(out[4..<8]) == [0, 0, 0, 0], "mtime 0")
    }

    @Test func sameInputSameBytes() throws {
        let input = Array(String(repeating: "{\"id\":\"x\"}\n", count: 5000).utf8)
        #expect(try GzipWriter.compress(input) == GzipWriter.compress(input))
    }

    @Test func truncatedStreamIsAnError() throws {
        let out = try GzipWriter.compress(Array(String(repeating: "abc", count: 10_000).utf8))
        #expect(throws: GzipError.self) { try GzipReader.decompress(Array(out.dropLast(4))) }
        var flipped = out
        flipped[flipped.count / 2] ^= 0xFF
        #expect(throws: GzipError.self) { try GzipReader.decompress(flipped) }
    }

    @Test func systemGzipAcceptsOurOutput() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kb4-gzip-\(UUID().uuidString).gz").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        for input in [[UInt8](), Array("one line\n".utf8)] {
            _ = FileManager.default.createFile(atPath: path, contents: Data(try GzipWriter.compress(input)))
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", "gzip -t '\(path)' && gzip -dc '\(path)' | wc -c"]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
            let count = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(Int(count.trimmingCharacters(in: .whitespacesAndNewlines)) == input.count)
        }
    }
}
