/// The set of event ids seen in one day, compact enough for a million ids in a few tens of MB:
/// UUID-shaped ids are stored as 128-bit values, anything else as a string.
struct IDSet {
    private struct UUID128: Hashable {
        let high: UInt64
        let low: UInt64
    }
    private var uuids = Set<UUID128>()
    private var others = Set<String>()

    /// Number of distinct ids inserted.
    var count: Int { uuids.count + others.count }

    /// Inserts `id`; false when it was already there.
    mutating func insert(_ id: String) -> Bool {
        if let u = Self.pack(id) { return uuids.insert(u).inserted }
        return others.insert(id).inserted
    }

    /// Canonical lowercase 8-4-4-4-12 hex only (so two spellings of one UUID are never merged).
    private static func pack(_ id: String) -> UUID128? {
        var id = id
        return id.withUTF8 { b -> UUID128? in
            guard b.count == 36 else { return nil }
            var high: UInt64 = 0
            var low: UInt64 = 0
            var nibbles = 0
            for (i, c) in b.enumerated() {
                if i == 8 || i == 13 || i == 18 || i == 23 {
                    guard c == UInt8(ascii: "-") else { return nil }
                    continue
                }
                let v: UInt8
                switch c {
                case 48...57: v = c - 48
                case 97...102: v = c - 87
                default: return nil
                }
                if nibbles < 16 { high = high << 4 | UInt64(v) } else { low = low << 4 | UInt64(v) }
                nibbles += 1
            }
            return UUID128(high: high, low: low)
        }
    }
}
