/// The Thrift compact protocol, write side only: what Parquet's footer and page headers need.
///
/// Field headers carry the delta from the previous field id in the high nibble when it is 1…15, else the id follows
/// as a zigzag varint; booleans live in the field header's type nibble; integers are zigzag varints; binary is a
/// varint length then the bytes; a list header carries its size in the high nibble when below 15. Each struct has
/// its own "previous field id", so nested structs push and pop it.
struct CompactEncoder {
    /// The compact protocol's type nibbles.
    enum FieldType: UInt8 {
        case boolTrue = 1
        case boolFalse = 2
        case byte = 3
        case i16 = 4
        case i32 = 5
        case i64 = 6
        case double = 7
        case binary = 8
        case list = 9
        case set = 10
        case map = 11
        case `struct` = 12
    }

    private(set) var bytes: [UInt8] = []
    private var lastFieldID: Int16 = 0
    private var enclosing: [Int16] = []

    init() {}

    // MARK: Primitives

    /// Unsigned LEB128: seven bits a byte, low group first, high bit set on all but the last.
    mutating func writeVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func writeI32(_ value: Int32) { writeVarint(UInt64(Zigzag.encode(Int64(value)))) }
    mutating func writeI64(_ value: Int64) { writeVarint(Zigzag.encode(value)) }

    mutating func writeBinary(_ value: some Collection<UInt8>) {
        writeVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func writeString(_ value: String) { writeBinary(value.utf8) }

    // MARK: Fields and structs

    mutating func fieldHeader(_ id: Int16, _ type: FieldType) {
        let delta = Int(id) - Int(lastFieldID)
        if delta > 0 && delta <= 15 {
            bytes.append(UInt8(delta) << 4 | type.rawValue)
        } else {
            bytes.append(type.rawValue)
            writeVarint(Zigzag.encode(Int64(id)))  // an i16, zigzag like any integer
        }
        lastFieldID = id
    }

    mutating func field(_ id: Int16, i32 value: Int32) {
        fieldHeader(id, .i32)
        writeI32(value)
    }

    mutating func field(_ id: Int16, i64 value: Int64) {
        fieldHeader(id, .i64)
        writeI64(value)
    }

    mutating func field(_ id: Int16, bool value: Bool) {
        fieldHeader(id, value ? .boolTrue : .boolFalse)
    }

    mutating func field(_ id: Int16, binary value: some Collection<UInt8>) {
        fieldHeader(id, .binary)
        writeBinary(value)
    }

    mutating func field(_ id: Int16, string value: String) {
        fieldHeader(id, .binary)
        writeString(value)
    }

    /// A struct-typed field: `body` writes its fields, then the stop byte closes it.
    mutating func field(_ id: Int16, struct body: (inout CompactEncoder) -> Void) {
        fieldHeader(id, .struct)
        writeStruct(body)
    }

    /// A struct value (a list element, or the top-level message): its own field-id frame, then the stop byte.
    mutating func writeStruct(_ body: (inout CompactEncoder) -> Void) {
        enclosing.append(lastFieldID)
        lastFieldID = 0
        body(&self)
        bytes.append(0)  // stop
        lastFieldID = enclosing.removeLast()
    }

    /// A list header: size in the high nibble below 15, else 0xF then a varint size.
    mutating func listHeader(_ elementType: FieldType, count: Int) {
        if count < 15 {
            bytes.append(UInt8(count) << 4 | elementType.rawValue)
        } else {
            bytes.append(0xF0 | elementType.rawValue)
            writeVarint(UInt64(count))
        }
    }

    mutating func field(_ id: Int16, i32List values: [Int32]) {
        fieldHeader(id, .list)
        listHeader(.i32, count: values.count)
        for value in values { writeI32(value) }
    }

    mutating func field(_ id: Int16, stringList values: [String]) {
        fieldHeader(id, .list)
        listHeader(.binary, count: values.count)
        for value in values { writeString(value) }
    }

    /// A list of structs: `element` writes the fields of one.
    mutating func field<Element>(
        _ id: Int16, structList values: [Element], element: (inout CompactEncoder, Element) -> Void
    ) {
        fieldHeader(id, .list)
        listHeader(.struct, count: values.count)
        for value in values { writeStruct { element(&$0, value) } }
    }
}

/// Zigzag maps signed to unsigned so small magnitudes stay small: 0→0, -1→1, 1→2, -2→3.
enum Zigzag {
    static func encode(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }

    static func decode(_ value: UInt64) -> Int64 {
        Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }
}
