/// A column chunk's dictionary of fixed-width values (INT32, INT64, DOUBLE as bit patterns), in first-appearance
/// order, with an open-addressing index.
struct FixedWidthDictionary {
    private(set) var values: [UInt64] = []
    private var slots: [Int32] = Array(repeating: -1, count: 1024)

    var count: Int { values.count }

    /// The value's index, adding it when new.
    mutating func index(of value: UInt64) -> (index: UInt32, inserted: Bool) {
        let mask = slots.count - 1
        var slot = Self.hash(value) & mask
        while true {
            let entry = slots[slot]
            if entry < 0 { break }
            if values[Int(entry)] == value { return (UInt32(entry), false) }
            slot = (slot + 1) & mask
        }
        let index = values.count
        values.append(value)
        slots[slot] = Int32(index)
        if values.count * 2 > slots.count { grow() }
        return (UInt32(index), true)
    }

    mutating func removeAll() {
        values.removeAll(keepingCapacity: true)
        for i in slots.indices { slots[i] = -1 }
    }

    private static func hash(_ value: UInt64) -> Int {
        var h = value &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        return Int(truncatingIfNeeded: h)
    }

    private mutating func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for (index, value) in values.enumerated() {
            var slot = Self.hash(value) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index)
        }
    }
}

/// A column chunk's dictionary of byte arrays, entries concatenated in first-appearance order, with an
/// open-addressing index over their hashes.
struct ByteArrayDictionary {
    private(set) var data: [UInt8] = []
    /// Entry `i` is `data[offsets[i]..<offsets[i + 1]]`.
    private(set) var offsets: [Int] = [0]
    private var hashes: [UInt64] = []
    private var slots: [Int32] = Array(repeating: -1, count: 1024)

    var count: Int { hashes.count }
    /// The dictionary page's PLAIN size: a 4-byte length before each entry.
    var plainSize: Int { data.count + 4 * count }

    mutating func index(of value: UnsafeRawBufferPointer) -> (index: UInt32, inserted: Bool) {
        let hash = Self.hash(value)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = Int(slots[slot])
            if entry < 0 { break }
            if hashes[entry] == hash && equals(entry, value) { return (UInt32(entry), false) }
            slot = (slot + 1) & mask
        }
        let index = hashes.count
        hashes.append(hash)
        data.append(contentsOf: value)
        offsets.append(data.count)
        slots[slot] = Int32(index)
        if hashes.count * 2 > slots.count { grow() }
        return (UInt32(index), true)
    }

    mutating func removeAll() {
        data.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        offsets.append(0)
        hashes.removeAll(keepingCapacity: true)
        for i in slots.indices { slots[i] = -1 }
    }

    private func equals(_ entry: Int, _ value: UnsafeRawBufferPointer) -> Bool {
        let start = offsets[entry]
        let length = offsets[entry + 1] - start
        guard length == value.count else { return false }
        return data.withUnsafeBytes {
            ByteOrder.compare(UnsafeRawBufferPointer(rebasing: $0[start..<(start + length)]), value) == 0
        }
    }

    private mutating func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for (index, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index)
        }
    }

    /// Eight bytes at a time, multiply and fold; not cryptographic, only well spread.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let k: UInt64 = 0x9E37_79B9_7F4A_7C15
        var h: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(bytes.count)
        var p = 0
        let count = bytes.count
        while p + 8 <= count {
            let word = bytes.loadUnaligned(fromByteOffset: p, as: UInt64.self)
            h = (h ^ word) &* k
            h ^= h >> 31
            p += 8
        }
        if p < count {
            var word: UInt64 = 0
            var shift: UInt64 = 0
            while p < count {
                word |= UInt64(bytes[p]) << shift
                shift += 8
                p += 1
            }
            h = (h ^ word) &* k
        }
        h ^= h >> 29
        h = h &* k
        return h ^ (h >> 32)
    }
}
