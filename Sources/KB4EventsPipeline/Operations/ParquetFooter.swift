/// What `verify` reads from a Parquet file's footer: its row count per row group and where each column chunk lies.
/// A minimal reader of the Thrift compact protocol (`apache/parquet-format` `parquet.thrift`): the fields it needs
/// are decoded, every other field is skipped by its type, so a file with more fields still reads.
struct ParquetFooter: Equatable {
    /// `FileMetaData.num_rows`.
    var rows: Int64 = 0
    /// `RowGroup.num_rows` of each row group.
    var rowGroupRows: [Int64] = []
    /// Byte ranges (start, length) of every column chunk, for the bounds check.
    var chunks: [(start: Int64, length: Int64)] = []

    static func == (a: ParquetFooter, b: ParquetFooter) -> Bool {
        a.rows == b.rows && a.rowGroupRows == b.rowGroupRows
            && a.chunks.map { [$0.start, $0.length] } == b.chunks.map { [$0.start, $0.length] }
    }

    /// Why a file is not a whole Parquet file.
    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    /// Checks the framing of a file of `size` bytes that starts with `head` and ends with `tail` (at least the
    /// footer and its 8-byte trailer), parses the footer and checks every column chunk lies between the leading
    /// magic and the footer. Returns the footer.
    static func read(size: Int, head: [UInt8], tail: [UInt8]) throws -> ParquetFooter {
        let magic: [UInt8] = Array("PAR1".utf8)
        guard size >= 12, head.count >= 4, Array(head[0..<4]) == magic else {
            throw Invalid(description: "no PAR1 magic at the start (\(size) bytes)")
        }
        guard tail.count >= 8, Array(tail[(tail.count - 4)...]) == magic else {
            throw Invalid(description: "no PAR1 magic at the end: truncated or not Parquet (\(size) bytes)")
        }
        let n = tail.count
        let length = Int(tail[n - 8]) | Int(tail[n - 7]) << 8 | Int(tail[n - 6]) << 16 | Int(tail[n - 5]) << 24
        guard length > 0, length + 12 <= size, length + 8 <= n else {
            throw Invalid(description: "footer length \(length) does not fit a file of \(size) bytes")
        }
        var reader = CompactReader(bytes: tail[(n - 8 - length)..<(n - 8)])
        var footer = ParquetFooter()
        do {
            try footer.decodeFileMetaData(&reader)
        } catch let error as Invalid {
            throw error
        } catch {
            throw Invalid(description: "footer unreadable")
        }
        let dataEnd = Int64(size - 8 - length)
        for chunk in footer.chunks where chunk.start < 4 || chunk.length < 0 || chunk.start + chunk.length > dataEnd {
            throw Invalid(
                description:
                    "a column chunk at \(chunk.start) (+\(chunk.length) bytes) lies outside the data (4…\(dataEnd))")
        }
        let sum = footer.rowGroupRows.reduce(0, +)
        guard sum == footer.rows else {
            throw Invalid(description: "row groups hold \(sum) rows, the footer says \(footer.rows)")
        }
        return footer
    }

    private mutating func decodeFileMetaData(_ r: inout CompactReader) throws {
        try r.forEachField { id, type, r in
            switch (id, type) {
            case (3, 6): rows = try r.readI64()
            case (4, 9):
                let (count, element) = try r.readListHeader()
                guard element == 12 else { throw Invalid(description: "row_groups is not a list of structs") }
                for _ in 0..<count { try decodeRowGroup(&r) }
            default: try r.skip(type)
            }
        }
    }

    private mutating func decodeRowGroup(_ r: inout CompactReader) throws {
        var groupRows: Int64?
        try r.forEachField { id, type, r in
            switch (id, type) {
            case (1, 9):
                let (count, element) = try r.readListHeader()
                guard element == 12 else { throw Invalid(description: "columns is not a list of structs") }
                for _ in 0..<count { try decodeColumnChunk(&r) }
            case (3, 6): groupRows = try r.readI64()
            default: try r.skip(type)
            }
        }
        guard let groupRows else { throw Invalid(description: "a row group without num_rows") }
        rowGroupRows.append(groupRows)
    }

    private mutating func decodeColumnChunk(_ r: inout CompactReader) throws {
        try r.forEachField { id, type, r in
            guard id == 3, type == 12 else { return try r.skip(type) }
            var dataOffset: Int64?
            var dictionaryOffset: Int64?
            var compressed: Int64?
            try r.forEachField { id, type, r in
                switch (id, type) {
                case (7, 6): compressed = try r.readI64()
                case (9, 6): dataOffset = try r.readI64()
                case (11, 6): dictionaryOffset = try r.readI64()
                default: try r.skip(type)
                }
            }
            guard let dataOffset, let compressed else {
                throw Invalid(description: "a column chunk without data_page_offset or total_compressed_size")
            }
            chunks.append((dictionaryOffset.map { min($0, dataOffset) } ?? dataOffset, compressed))
        }
    }
}

/// Reads Thrift compact protocol values from a byte slice.
struct CompactReader {
    struct End: Error {}

    private let bytes: ArraySlice<UInt8>
    private var position: Int

    init(bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        position = bytes.startIndex
    }

    mutating func byte() throws -> UInt8 {
        guard position < bytes.endIndex else { throw End() }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64 else { throw End() }
            value |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return value }
            shift += 7
        }
    }

    mutating func readI64() throws -> Int64 {
        let v = try varint()
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    mutating func readListHeader() throws -> (count: Int, element: UInt8) {
        let header = try byte()
        var count = Int(header >> 4)
        if count == 15 {
            let v = try varint()
            guard v <= UInt64(bytes.count) else { throw End() }
            count = Int(v)
        }
        return (count, header & 0x0F)
    }

    /// Calls `body` with each field's id and compact type until the struct's STOP.
    mutating func forEachField(_ body: (Int, UInt8, inout CompactReader) throws -> Void) throws {
        var last = 0
        while true {
            let header = try byte()
            if header == 0 { return }
            let delta = Int(header >> 4)
            let id: Int
            if delta == 0 {
                id = Int(try readI64())
            } else {
                id = last + delta
            }
            last = id
            try body(id, header & 0x0F, &self)
        }
    }

    /// Skips one value of compact type `type`.
    mutating func skip(_ type: UInt8) throws {
        switch type {
        case 1, 2: return  // a boolean field's value is in its type
        case 3: _ = try byte()
        case 4, 5, 6: _ = try varint()
        case 7: try advance(8)
        case 8: try advance(Int(clamping: try varint()))
        case 9, 10:
            let (count, element) = try readListHeader()
            for _ in 0..<count { try skipElement(element) }
        case 11:
            let count = try varint()
            guard count > 0 else { return }
            guard count <= UInt64(bytes.count) else { throw End() }
            let kinds = try byte()
            for _ in 0..<count {
                try skipElement(kinds >> 4)
                try skipElement(kinds & 0x0F)
            }
        case 12: try forEachField { _, type, r in try r.skip(type) }
        default: throw End()
        }
    }

    /// Skips an element of a list, set or map (a boolean there is a byte of its own).
    private mutating func skipElement(_ type: UInt8) throws {
        if type == 1 || type == 2 { _ = try byte() } else { try skip(type) }
    }

    private mutating func advance(_ n: Int) throws {
        guard n >= 0, n <= bytes.endIndex - position else { throw End() }
        position += n
    }
}
