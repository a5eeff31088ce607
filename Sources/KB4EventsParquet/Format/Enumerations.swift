/// The enumerations of `parquet.thrift` this writer uses, with their wire values.

/// `Type`: the physical types this writer uses.
enum PhysicalType: Int32 {
    case boolean = 0
    case int32 = 1
    case int64 = 2
    case double = 5
    case byteArray = 6
}

/// `ConvertedType`: the legacy annotations, still read by older readers.
enum ConvertedType: Int32 {
    case utf8 = 0
    case date = 6
    case timestampMillis = 9
    case json = 19
}

/// `Encoding`.
enum Encoding: Int32, Comparable {
    case plain = 0
    case rle = 3
    case rleDictionary = 8

    static func < (a: Encoding, b: Encoding) -> Bool { a.rawValue < b.rawValue }
}

/// `PageType`.
enum PageType: Int32 {
    case dataPage = 0
    case dictionaryPage = 2
}
