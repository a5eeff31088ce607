import Testing

@testable import KB4EventsParquet

/// Long byte-array bounds cut at characters: min a prefix, max an incremented prefix or none.
@Suite struct BoundTruncationTests {
    @Test func truncatedBoundsCutAtCharactersAndIncrementTheLast() throws {
        let value = Array((String(repeating: "a", count: 6) + "é" + "zzz").utf8)  // é is 2 bytes at offset 6
        #expect(BoundTruncation.lower(value, limit: 7) == (Array("aaaaaa".utf8), false))
        #expect(try #require(BoundTruncation.upper(value, limit: 7)) == (Array("aaaaab".utf8), false))
        #expect(try #require(BoundTruncation.upper(value, limit: 8)) == (Array("aaaaaa\u{ea}".utf8), false))
        #expect(BoundTruncation.upper(value, limit: 64)! == (value, true))
        // U+007F's successor takes two bytes: drop it, increment the character before.
        #expect(BoundTruncation.upper(Array("a\u{7F}\u{7F}".utf8), limit: 2)! == (Array("b".utf8), false))
        // U+10FFFF has no successor: no upper bound at all.
        #expect(BoundTruncation.upper(Array(String(repeating: "\u{10FFFF}", count: 3).utf8), limit: 8) == nil)
        // U+D7FF's successor skips the surrogates.
        #expect(BoundTruncation.upper(Array("\u{D7FF}\u{D7FF}".utf8), limit: 3)! == (Array("\u{E000}".utf8), false))
    }
}
