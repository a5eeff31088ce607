/// Why a document is not valid JSON, and where.
package struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The byte offset of the problem from the start of the document.
    package let offset: Int
    /// A short human reason, such as `unexpected character 'x'` or `invalid UTF-8`.
    package let reason: String

    /// Creates an error at `offset` with `reason`.
    package init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    /// `"<reason> at byte <offset>"`.
    package var description: String { "\(reason) at byte \(offset)" }
}

/// A strict RFC 8259 parser working directly on UTF-8 bytes.
///
/// It rejects comments, trailing commas, `NaN`, single quotes, leading zeros, unescaped control characters,
/// invalid UTF-8 anywhere, and nesting deeper than ``maximumDepth``. A lone surrogate in a `\u` escape (valid
/// JSON syntax, but no Unicode text) becomes U+FFFD, as Go's encoding/json does, so one such string in an
/// event never makes a whole page unreadable.
/// Whitespace may surround the document; anything else after it is an error. Object keys keep their order
/// and duplicates; numbers keep their literal text.
package enum JSONParser {
    /// The deepest nesting of arrays and objects accepted; one more level is an error.
    static let maximumDepth = 512

    /// Parses a whole document.
    package static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) -> JSONValue in try parse(buffer) }
        }
        return try result.get()
    }

    /// Parses a whole document held in `buffer`; the buffer is not retained.
    package static func parse(_ buffer: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        guard let base = buffer.baseAddress, buffer.count > 0 else {
            throw JSONParseError(offset: 0, reason: "empty input")
        }
        var scanner = Scanner(base: base.assumingMemoryBound(to: UInt8.self), count: buffer.count)
        defer { scanner.releaseStacks() }
        scanner.skipWhitespace()
        if scanner.position == scanner.end {
            throw JSONParseError(offset: scanner.position, reason: "empty input")
        }
        let value = try scanner.parseValue()
        scanner.skipWhitespace()
        if scanner.position != scanner.end {
            throw scanner.unexpected(at: scanner.position)
        }
        return value
    }
}

// MARK: - Scanner

private enum Byte {
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let comma = UInt8(ascii: ",")
    static let colon = UInt8(ascii: ":")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let minus = UInt8(ascii: "-")
    static let plus = UInt8(ascii: "+")
    static let dot = UInt8(ascii: ".")
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")
}

/// The parsing state: a cursor over the bytes plus reusable stacks, so each array or object is allocated once
/// at its final size.
private struct Scanner {
    let base: UnsafePointer<UInt8>
    let end: Int
    var position = 0
    var depth = 0
    /// Elements of the arrays being parsed, innermost last.
    var elementStack = MoveStack<JSONValue>()
    /// Keys and values of the objects being parsed, innermost last.
    var keyStack = MoveStack<String>()
    var valueStack = MoveStack<JSONValue>()
    /// Decoded bytes of a string that contains escapes.
    var scratch: [UInt8] = []

    init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.end = count
    }

    /// Frees the stacks (and whatever an error left on them); call exactly once.
    mutating func releaseStacks() {
        elementStack.release()
        keyStack.release()
        valueStack.release()
    }

    // MARK: Values

    @inline(__always)
    mutating func skipWhitespace() {
        while position < end {
            let b = base[position]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            position += 1
        }
    }

    /// Parses one value at `position` (which must not be at whitespace or at the end).
    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        switch base[position] {
        case Byte.quote:
            position += 1
            return .string(try parseString())
        case Byte.openBrace:
            return try parseObject()
        case Byte.openBracket:
            return try parseArray()
        case Byte.minus, Byte.zero...Byte.nine:
            return .number(try parseNumber())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        default:
            throw unexpected(at: position)
        }
    }

    /// Skips whitespace before a value and fails with "truncated input" at the end.
    @inline(__always)
    mutating func skipWhitespaceBeforeValue() throws(JSONParseError) {
        skipWhitespace()
        if position == end { throw truncated() }
    }

    mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        if depth > JSONParser.maximumDepth {
            throw JSONParseError(offset: position, reason: "nesting deeper than \(JSONParser.maximumDepth)")
        }
    }

    mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        position += 1  // [
        try skipWhitespaceBeforeValue()
        if base[position] == Byte.closeBracket {
            position += 1
            depth -= 1
            return .array([])
        }
        let start = elementStack.count
        while true {
            let value = try parseValue()
            elementStack.append(value)
            skipWhitespace()
            guard position < end else { throw truncated() }
            let b = base[position]
            position += 1
            if b == Byte.comma {
                try skipWhitespaceBeforeValue()
            } else if b == Byte.closeBracket {
                break
            } else {
                throw unexpected(at: position - 1)
            }
        }
        let elements = elementStack.pop(from: start)
        depth -= 1
        return .array(elements)
    }

    mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        position += 1  // {
        skipWhitespace()
        guard position < end else { throw truncated() }
        if base[position] == Byte.closeBrace {
            position += 1
            depth -= 1
            return .object(JSONObject())
        }
        let start = keyStack.count
        while true {
            // key
            guard base[position] == Byte.quote else { throw unexpected(at: position) }
            position += 1
            let key = try parseString()
            skipWhitespace()
            guard position < end else { throw truncated() }
            guard base[position] == Byte.colon else { throw unexpected(at: position) }
            position += 1
            try skipWhitespaceBeforeValue()
            let value = try parseValue()
            keyStack.append(key)
            valueStack.append(value)
            skipWhitespace()
            guard position < end else { throw truncated() }
            let b = base[position]
            position += 1
            if b == Byte.comma {
                skipWhitespace()
                guard position < end else { throw truncated() }
            } else if b == Byte.closeBrace {
                break
            } else {
                throw unexpected(at: position - 1)
            }
        }
        let object = JSONObject(keys: keyStack.pop(from: start), values: valueStack.pop(from: start))
        depth -= 1
        return .object(object)
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let bytes = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for (i, expected) in bytes.enumerated() {
            let at = position + i
            guard at < end else { throw truncated() }
            guard base[at] == expected else { throw unexpected(at: at) }
        }
        position += bytes.count
    }

    /// Parses a number and returns its literal text.
    mutating func parseNumber() throws(JSONParseError) -> String {
        let start = position
        if base[position] == Byte.minus {
            position += 1
        }
        // integer part: 0 | [1-9][0-9]*
        guard position < end else { throw truncated() }
        let first = base[position]
        if first == Byte.zero {
            position += 1
            if position < end, isDigit(base[position]) {
                throw JSONParseError(offset: start, reason: "leading zero in number")
            }
        } else if isDigit(first) {
            position += 1
            skipDigits()
        } else {
            throw unexpected(at: position)
        }
        // fraction
        if position < end, base[position] == Byte.dot {
            position += 1
            try requireDigit()
            skipDigits()
        }
        // exponent
        if position < end, base[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < end, base[position] == Byte.plus || base[position] == Byte.minus {
                position += 1
            }
            try requireDigit()
            skipDigits()
        }
        return String(decoding: UnsafeBufferPointer(start: base + start, count: position - start), as: UTF8.self)
    }

    @inline(__always)
    func isDigit(_ b: UInt8) -> Bool { b &- Byte.zero < 10 }

    @inline(__always)
    mutating func skipDigits() {
        while position < end, isDigit(base[position]) { position += 1 }
    }

    mutating func requireDigit() throws(JSONParseError) {
        guard position < end else { throw truncated() }
        guard isDigit(base[position]) else { throw unexpected(at: position) }
        position += 1
    }

    // MARK: Strings

    /// Parses a string whose opening quote is just before `position`; leaves `position` after the closing quote.
    mutating func parseString() throws(JSONParseError) -> String {
        let start = position
        // Fast path: no escapes. Eight bytes at a time while they are plain printable ASCII.
        while true {
            while position &+ 8 <= end {
                let word = UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self)
                if Self.needsAttention(word) { break }
                position &+= 8
            }
            guard position < end else { throw unterminated(start) }
            let b = base[position]
            if b == Byte.quote {
                let text = String(
                    decoding: UnsafeBufferPointer(start: base + start, count: position - start), as: UTF8.self)
                position += 1
                return text
            } else if b == Byte.backslash {
                return try parseEscapedString(from: start)
            } else if b < 0x20 {
                throw JSONParseError(offset: position, reason: "unescaped control character in string")
            } else if b >= 0x80 {
                try skipUTF8Sequence(inStringFrom: start)
            } else {
                position += 1
            }
        }
    }

    /// Whether any of the eight bytes is `"`, `\`, below 0x20 or above 0x7F.
    @inline(__always)
    static func needsAttention(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        // A byte is zero in `x` exactly when `(x - 1) & ~x` has its high bit set (for bytes below 0x80).
        let hasQuote = (quote &- ones) & ~quote
        let hasBackslash = (backslash &- ones) & ~backslash
        let hasControl = (word &- ones &* 0x20) & ~word
        return (hasQuote | hasBackslash | hasControl | word) & high != 0
    }

    /// Slow path for a string with escapes: decodes into `scratch`.
    mutating func parseEscapedString(from start: Int) throws(JSONParseError) -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: base + start, count: position - start))
        while true {
            guard position < end else { throw unterminated(start) }
            let b = base[position]
            if b == Byte.quote {
                position += 1
                return String(decoding: scratch, as: UTF8.self)
            } else if b == Byte.backslash {
                try decodeEscape(stringStart: start)
            } else if b < 0x20 {
                throw JSONParseError(offset: position, reason: "unescaped control character in string")
            } else if b >= 0x80 {
                let from = position
                try skipUTF8Sequence(inStringFrom: start)
                scratch.append(contentsOf: UnsafeBufferPointer(start: base + from, count: position - from))
            } else {
                // Copy the run of plain bytes up to the next special one.
                let from = position
                position += 1
                while position < end {
                    let c = base[position]
                    if c == Byte.quote || c == Byte.backslash || c < 0x20 || c >= 0x80 { break }
                    position += 1
                }
                scratch.append(contentsOf: UnsafeBufferPointer(start: base + from, count: position - from))
            }
        }
    }

    /// Decodes the escape at `position` (a backslash) into `scratch`.
    mutating func decodeEscape(stringStart: Int) throws(JSONParseError) {
        let escapeStart = position
        position += 1
        guard position < end else { throw unterminated(stringStart) }
        let c = base[position]
        position += 1
        switch c {
        case Byte.quote: scratch.append(Byte.quote)
        case Byte.backslash: scratch.append(Byte.backslash)
        case UInt8(ascii: "/"): scratch.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try readHex4(stringStart: stringStart)
            if scalar >= 0xD800 && scalar <= 0xDBFF {
                // A high surrogate pairs with an escaped low surrogate right after it; alone it is U+FFFD and
                // whatever follows is read on its own.
                guard position < end else { throw unterminated(stringStart) }
                if base[position] == Byte.backslash, position + 1 < end, base[position + 1] == UInt8(ascii: "u") {
                    let resume = position
                    position += 2
                    let low = try readHex4(stringStart: stringStart)
                    if low >= 0xDC00 && low <= 0xDFFF {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        position = resume
                        scalar = 0xFFFD
                    }
                } else {
                    scalar = 0xFFFD
                }
            } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                scalar = 0xFFFD
            }
            appendUTF8(scalar)
        default:
            position -= 1
            throw JSONParseError(
                offset: escapeStart, reason: "invalid escape \(Self.describe(at: position, base, end))")
        }
    }

    mutating func readHex4(stringStart: Int) throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard position < end else { throw unterminated(stringStart) }
            let c = base[position]
            let digit: UInt8
            switch c {
            case Byte.zero...Byte.nine: digit = c - Byte.zero
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default:
                if c == Byte.quote { throw JSONParseError(offset: position, reason: "incomplete \\u escape") }
                throw JSONParseError(
                    offset: position,
                    reason: "invalid hex digit \(Self.describe(at: position, base, end)) in \\u escape")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Checks the multi-byte UTF-8 sequence at `position` and moves past it.
    mutating func skipUTF8Sequence(inStringFrom stringStart: Int) throws(JSONParseError) {
        switch Self.utf8SequenceLength(at: position, base, end) {
        case .valid(let length):
            position += length
        case .invalid:
            throw JSONParseError(offset: position, reason: "invalid UTF-8")
        case .truncated:
            throw unterminated(stringStart)
        }
    }

    enum SequenceCheck {
        case valid(Int)
        case invalid
        case truncated
    }

    /// Validates one UTF-8 sequence starting at `at` (Unicode Table 3-7: no overlongs, no surrogates,
    /// nothing above U+10FFFF).
    static func utf8SequenceLength(at: Int, _ base: UnsafePointer<UInt8>, _ end: Int) -> SequenceCheck {
        let lead = base[at]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0x00...0x7F: return .valid(1)
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return .invalid
        }
        for i in 1..<length {
            guard at + i < end else { return .truncated }
            let b = base[at + i]
            if i == 1 {
                guard b >= low && b <= high else { return .invalid }
            } else {
                guard b & 0xC0 == 0x80 else { return .invalid }
            }
        }
        return .valid(length)
    }

    // MARK: Errors

    func truncated() -> JSONParseError {
        JSONParseError(offset: end, reason: "truncated input")
    }

    func unterminated(_ stringStart: Int) -> JSONParseError {
        JSONParseError(offset: stringStart - 1, reason: "unterminated string")
    }

    /// "unexpected character …" for the byte at `at`, or "invalid UTF-8" when it starts no valid character.
    func unexpected(at: Int) -> JSONParseError {
        if base[at] >= 0x80, case .invalid = Self.utf8SequenceLength(at: at, base, end) {
            return JSONParseError(offset: at, reason: "invalid UTF-8")
        }
        return JSONParseError(offset: at, reason: "unexpected character \(Self.describe(at: at, base, end))")
    }

    /// The character at `at` for a message: `'x'` when printable, `U+000A` otherwise.
    static func describe(at: Int, _ base: UnsafePointer<UInt8>, _ end: Int) -> String {
        let b = base[at]
        if b >= 0x21 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        if b < 0x80 { return "U+" + hex4(UInt32(b)) }
        guard case .valid(let length) = utf8SequenceLength(at: at, base, end) else {
            return "0x" + String(b, radix: 16)
        }
        let text = String(decoding: UnsafeBufferPointer(start: base + at, count: length), as: UTF8.self)
        return "'\(text)'"
    }

    static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// A stack whose top elements are moved (not copied) into an exactly sized array: one allocation per container
/// and no reference-count traffic for the elements.
private struct MoveStack<Element> {
    private var storage: UnsafeMutablePointer<Element>
    private var capacity = 64
    private(set) var count = 0

    init() {
        storage = .allocate(capacity: capacity)
    }

    @inline(__always)
    mutating func append(_ element: consuming Element) {
        if count == capacity { grow() }
        (storage + count).initialize(to: element)
        count += 1
    }

    /// Removes the elements from `start` up and returns them in order.
    @inline(__always)
    mutating func pop(from start: Int) -> [Element] {
        let n = count - start
        guard n > 0 else { return [] }
        let source = storage + start
        count = start
        // `reserveCapacity` + `append` is specialized for the element type; `Array(unsafeUninitializedCapacity:)`
        // goes through a generic path that looks up type metadata on every call.
        var result: [Element] = []
        result.reserveCapacity(n)
        for i in 0..<n { result.append((source + i).move()) }
        return result
    }

    private mutating func grow() {
        let bigger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: storage, count: count)
        storage.deallocate()
        storage = bigger
        capacity *= 2
    }

    /// Destroys what is left and frees the memory; the stack must not be used afterwards.
    mutating func release() {
        storage.deinitialize(count: count)
        storage.deallocate()
        count = 0
    }
}
