/// Shortens long byte-array bounds so footers stay small, cutting only at UTF-8 character boundaries (STRING and
/// JSON bounds stay valid text).
enum BoundTruncation {
    /// A prefix is never greater than the value, so it is a valid lower bound.
    static func lower(_ value: [UInt8], limit: Int) -> ([UInt8], exact: Bool) {
        guard value.count > limit else { return (value, true) }
        return (Array(value[0..<boundary(value, atMost: limit)]), false)
    }

    /// The prefix with its last character incremented is greater than every value sharing the prefix; a character
    /// whose successor needs more bytes (or has none) is dropped and the one before it incremented. Nil when no
    /// character can be incremented: the max is then left out.
    static func upper(_ value: [UInt8], limit: Int) -> ([UInt8], exact: Bool)? {
        guard value.count > limit else { return (value, true) }
        var prefix = Array(value[0..<boundary(value, atMost: limit)])
        while !prefix.isEmpty {
            var start = prefix.count - 1
            while start > 0 && prefix[start] & 0xC0 == 0x80 { start -= 1 }
            let length = prefix.count - start
            if let scalar = decode(prefix[start...]) {
                var next = scalar + 1
                if (0xD800...0xDFFF).contains(next) { next = 0xE000 }
                if next <= 0x10FFFF, let encoded = Unicode.Scalar(next).map({ Array(String($0).utf8) }),
                    encoded.count == length
                {
                    prefix.replaceSubrange(start..., with: encoded)
                    return (prefix, false)
                }
            } else {
                // Not UTF-8 (raw bytes): increment the last byte, or drop it when it is 0xFF.
                if prefix[prefix.count - 1] < 0xFF {
                    prefix[prefix.count - 1] += 1
                    return (prefix, false)
                }
                prefix.removeLast()
                continue
            }
            prefix.removeSubrange(start...)
        }
        return nil
    }

    /// The largest cut ≤ `limit` that does not split a UTF-8 sequence.
    private static func boundary(_ value: [UInt8], atMost limit: Int) -> Int {
        var end = limit
        while end > 0 && value[end] & 0xC0 == 0x80 { end -= 1 }
        return end
    }

    private static func decode(_ bytes: ArraySlice<UInt8>) -> UInt32? {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        guard case .scalarValue(let scalar) = decoder.decode(&iterator), iterator.next() == nil else { return nil }
        return scalar.value
    }
}
