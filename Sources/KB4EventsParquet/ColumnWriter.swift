/// One column's chunk in the current row group: the open page's levels and values, the chunk's finished pages
/// (header and compressed body, in memory until the row group is written), its dictionary and statistics.
///
/// Values are typed all the way: integers, doubles and booleans go straight into the page's PLAIN bytes or the
/// dictionary's index, byte arrays are hashed and copied from the caller's buffer; nothing is boxed per value. A
/// struct, mutated in place in the file writer's array: one exclusivity check per value, not one per property.
struct ColumnWriter {
    let column: ParquetColumn
    let type: PhysicalType
    private let compressor: any ParquetCompressor
    private let pageSize: Int
    private let pageRowLimit: Int
    private let dictionaryLimit: Int
    private let statistics: Bool
    private let truncateLength: Int
    private let useDictionary: Bool
    private let pageObserver: (@Sendable (UnsafeRawBufferPointer) -> Void)?

    // The open page.
    private var levels: [UInt8] = []
    private var pageNulls = 0
    private var plain: [UInt8] = []
    private var booleanCount = 0
    private var indices: [UInt32] = []
    private var pageBounds = ValueBounds()
    private var body: [UInt8] = []

    // The chunk.
    /// Whether new values go into the dictionary (false once it passed its limit: the rest of the chunk is PLAIN).
    private var dictionaryActive: Bool
    private var fixedDictionary = FixedWidthDictionary()
    private var bytesDictionary = ByteArrayDictionary()
    private var pages: [UInt8] = []
    private var chunkBounds = ValueBounds()
    private var chunkNulls = 0
    private var chunkValues = 0
    private var uncompressedPageBytes = 0
    private var dictionaryPages = 0
    private var plainPages = 0

    /// Values (nulls included) appended to the current row group.
    private(set) var rowCount = 0

    /// A closed data page whose compression the file writer batches with other columns' pages.
    struct PendingPage {
        var kind: PageHeader.Kind
        var body: [UInt8]
    }

    /// Whether closed pages wait for the file writer to compress them in batches (a codec, and a batch size).
    private let defersCompression: Bool
    private var pending: [PendingPage] = []
    /// The bytes of the pages waiting for compression.
    private(set) var pendingBytes = 0

    init(_ column: ParquetColumn, properties: ParquetWriterProperties) {
        self.column = column
        type = column.kind.physicalType
        compressor = properties.compressor
        pageSize = properties.dataPageSize
        pageRowLimit = properties.dataPageRowLimit
        dictionaryLimit = properties.dictionaryPageSizeLimit
        statistics = properties.statistics
        truncateLength = properties.statisticsTruncateLength
        defersCompression = properties.compressor.codec != .uncompressed && properties.compressionBatchSize > 0
        useDictionary = column.dictionary && type != .boolean
        pageObserver = properties.pageObserver
        dictionaryActive = useDictionary
    }

    /// The bytes this chunk holds in memory now (finished pages, the open page, the dictionary).
    var bufferedBytes: Int {
        pages.count + pendingBytes + plain.count + levels.count / 8 + indices.count * 4 + bytesDictionary.plainSize
            + fixedDictionary.count * 8
    }

    // MARK: Appending

    @inline(__always)
    private func typeCheck(_ expected: PhysicalType) {
        precondition(type == expected, "column \(column.name) is \(column.kind), not \(expected)")
    }

    mutating func appendNull() throws {
        levels.append(0)
        pageNulls += 1
        rowCount += 1
        if levels.count >= pageRowLimit { try flushPage() }
    }

    mutating func append(int64 value: Int64) throws {
        beginValue(.int64)
        if statistics { pageBounds.observe(value) }
        try appendFixed(bits: UInt64(bitPattern: value), width: 8) { ByteOrder.append(value, to: &$0) }
    }

    mutating func append(int32 value: Int32) throws {
        beginValue(.int32)
        if statistics { pageBounds.observe(Int64(value)) }
        try appendFixed(bits: UInt64(UInt32(bitPattern: value)), width: 4) { ByteOrder.append(value, to: &$0) }
    }

    mutating func append(double value: Double) throws {
        beginValue(.double)
        if statistics { pageBounds.observe(value) }
        try appendFixed(bits: value.bitPattern, width: 8) { ByteOrder.append(value.bitPattern, to: &$0) }
    }

    mutating func append(boolean value: Bool) throws {
        beginValue(.boolean)
        if statistics { pageBounds.observe(value) }
        // PLAIN booleans are bit-packed, least significant bit first.
        if booleanCount & 7 == 0 { plain.append(0) }
        if value { plain[plain.count - 1] |= 1 << UInt8(booleanCount & 7) }
        booleanCount += 1
        try closePageIfFull()
    }

    mutating func append(bytes value: UnsafeRawBufferPointer) throws {
        precondition(value.count <= Int(Int32.max), "a byte array longer than 2 GiB")
        beginValue(.byteArray)
        if statistics { pageBounds.observe(value) }
        if dictionaryActive {
            try appendIndex(bytesDictionary.index(of: value), dictionarySize: bytesDictionary.plainSize)
        } else {
            ByteOrder.append(UInt32(value.count), to: &plain)
            plain.append(contentsOf: value)
        }
        try closePageIfFull()
    }

    /// The type check, level and count of a present value.
    @inline(__always)
    private mutating func beginValue(_ expected: PhysicalType) {
        typeCheck(expected)
        levels.append(1)
        rowCount += 1
    }

    /// A fixed-width value: its index in the dictionary (keyed on the value's bits, `width` bytes each in the
    /// dictionary page) or, without one, its PLAIN bytes.
    @inline(__always)
    private mutating func appendFixed(bits: UInt64, width: Int, plain writePlain: (inout [UInt8]) -> Void) throws {
        if dictionaryActive {
            try appendIndex(fixedDictionary.index(of: bits), dictionarySize: fixedDictionary.count * width)
        } else {
            writePlain(&plain)
        }
        try closePageIfFull()
    }

    @inline(__always)
    private mutating func appendIndex(_ entry: (index: UInt32, inserted: Bool), dictionarySize: Int) throws {
        indices.append(entry.index)
        if entry.inserted && dictionarySize > dictionaryLimit {
            // Like arrow-rs: the page so far stays dictionary-encoded, the rest of the chunk is PLAIN.
            try flushPage()
            dictionaryActive = false
        }
    }

    @inline(__always)
    private mutating func closePageIfFull() throws {
        if levels.count >= pageRowLimit || plain.count >= pageSize || indices.count >= pageSize {
            try flushPage()
        }
    }

    // MARK: Pages

    /// Encodes, compresses and keeps the open page: definition levels (4-byte length, RLE hybrid, bit width 1),
    /// then PLAIN values or the dictionary indices (bit width byte, RLE hybrid).
    mutating func flushPage() throws {
        guard !levels.isEmpty else { return }
        let dictionaryEncoded = dictionaryActive
        body.removeAll(keepingCapacity: true)
        body.append(contentsOf: [0, 0, 0, 0])
        if pageNulls == 0 {
            RLEHybrid.writeRun(1, count: levels.count, bitWidth: 1, into: &body)
        } else {
            RLEHybrid.encode(levels, bitWidth: 1, into: &body)
        }
        let levelBytes = UInt32(body.count - 4).littleEndian
        withUnsafeBytes(of: levelBytes) { bytes in
            for i in 0..<4 { body[i] = bytes[i] }
        }
        if dictionaryEncoded {
            let entries = type == .byteArray ? bytesDictionary.count : fixedDictionary.count
            let width = max(1, RLEHybrid.bitWidth(forMaximum: UInt64(max(entries, 1) - 1)))
            body.append(UInt8(width))
            RLEHybrid.encode(indices, bitWidth: width, into: &body)
        } else {
            body.append(contentsOf: plain)
        }
        let pageStatistics =
            statistics
            ? pageBounds.statistics(nullCount: pageNulls, type: type, truncateLength: truncateLength) : nil
        let kind = PageHeader.Kind.data(
            numValues: Int32(levels.count), encoding: dictionaryEncoded ? .rleDictionary : .plain,
            statistics: pageStatistics)
        observe(kind)
        if defersCompression {
            pending.append(PendingPage(kind: kind, body: body))
            pendingBytes += body.count
        } else {
            let page = try encodePage(kind: kind)
            pages.append(contentsOf: page.header)
            pages.append(contentsOf: page.compressed ?? body)
            uncompressedPageBytes += page.header.count + body.count
        }
        if dictionaryEncoded { dictionaryPages += 1 } else { plainPages += 1 }

        chunkBounds.merge(pageBounds, type)
        chunkNulls += pageNulls
        chunkValues += levels.count
        levels.removeAll(keepingCapacity: true)
        pageNulls = 0
        plain.removeAll(keepingCapacity: true)
        booleanCount = 0
        indices.removeAll(keepingCapacity: true)
        pageBounds.reset()
    }

    /// Hands over the closed pages waiting for compression, oldest first.
    mutating func takePendingPages() -> [PendingPage] {
        defer {
            pending.removeAll(keepingCapacity: true)
            pendingBytes = 0
        }
        return pending
    }

    /// Appends a page the file writer compressed (in a batch with others), in the order the pages closed.
    mutating func appendCompressedPage(_ kind: PageHeader.Kind, uncompressedSize: Int, compressed: [UInt8]) {
        let header = PageHeader(
            kind: kind, uncompressedSize: Int32(uncompressedSize), compressedSize: Int32(compressed.count)
        ).encode()
        pages.append(contentsOf: header)
        pages.append(contentsOf: compressed)
        uncompressedPageBytes += header.count + uncompressedSize
    }

    /// Shows `body`, with its header as if uncompressed, to the page observer.
    private func observe(_ kind: PageHeader.Kind) {
        guard let pageObserver else { return }
        let header = PageHeader(kind: kind, uncompressedSize: Int32(body.count), compressedSize: Int32(body.count))
            .encode()
        header.withUnsafeBytes { pageObserver($0) }
        body.withUnsafeBytes { pageObserver($0) }
    }

    /// Compresses `body` (nil when uncompressed: `body` is the page) and encodes the page header.
    private func encodePage(kind: PageHeader.Kind) throws -> (header: [UInt8], compressed: [UInt8]?) {
        let compressed: [UInt8]? =
            compressor.codec == .uncompressed ? nil : try body.withUnsafeBytes { try compressor.compress($0) }
        let header = PageHeader(
            kind: kind, uncompressedSize: Int32(body.count), compressedSize: Int32(compressed?.count ?? body.count)
        ).encode()
        return (header, compressed)
    }

    // MARK: The chunk

    /// Writes the chunk (dictionary page first, then the data pages) through `write`, starting at `offset` in the
    /// file, and starts the next row group's chunk empty.
    mutating func finishChunk(at offset: Int64, write: (UnsafeRawBufferPointer) throws -> Void) throws
        -> ColumnChunkMetadata
    {
        try flushPage()
        precondition(pending.isEmpty, "pages left uncompressed at the end of a chunk")
        var position = offset
        var dictionaryOffset: Int64?
        var uncompressed = uncompressedPageBytes
        var compressedTotal = pages.count
        var encodingStats: [PageEncodingCount] = []
        var encodings: Set<Encoding> = [.rle]
        if useDictionary {
            // The dictionary page: entries PLAIN, in the order they first appeared.
            body.removeAll(keepingCapacity: true)
            let entries: Int
            if type == .byteArray {
                entries = bytesDictionary.count
                bytesDictionary.data.withUnsafeBytes { data in
                    for i in 0..<entries {
                        let start = bytesDictionary.offsets[i], end = bytesDictionary.offsets[i + 1]
                        ByteOrder.append(UInt32(end - start), to: &body)
                        body.append(contentsOf: UnsafeRawBufferPointer(rebasing: data[start..<end]))
                    }
                }
            } else {
                entries = fixedDictionary.count
                for value in fixedDictionary.values {
                    if type == .int32 {
                        ByteOrder.append(UInt32(truncatingIfNeeded: value), to: &body)
                    } else {
                        ByteOrder.append(value, to: &body)
                    }
                }
            }
            observe(.dictionary(numValues: Int32(entries)))
            let page = try encodePage(kind: .dictionary(numValues: Int32(entries)))
            try page.header.withUnsafeBytes { try write($0) }
            try (page.compressed ?? body).withUnsafeBytes { try write($0) }
            let written = page.header.count + (page.compressed?.count ?? body.count)
            dictionaryOffset = position
            position += Int64(written)
            uncompressed += page.header.count + body.count
            compressedTotal += written
            encodingStats.append(PageEncodingCount(pageType: .dictionaryPage, encoding: .plain, count: 1))
            encodings.insert(.plain)
        }
        if dictionaryPages > 0 {
            encodingStats.append(
                PageEncodingCount(pageType: .dataPage, encoding: .rleDictionary, count: Int32(dictionaryPages)))
            encodings.insert(.rleDictionary)
        }
        if plainPages > 0 {
            encodingStats.append(PageEncodingCount(pageType: .dataPage, encoding: .plain, count: Int32(plainPages)))
            encodings.insert(.plain)
        }
        try pages.withUnsafeBytes { try write($0) }
        let metadata = ColumnChunkMetadata(
            type: type, encodings: encodings.sorted(), path: column.name, codec: compressor.codec,
            numValues: Int64(chunkValues), totalUncompressedSize: Int64(uncompressed),
            totalCompressedSize: Int64(compressedTotal), dataPageOffset: position,
            dictionaryPageOffset: dictionaryOffset,
            statistics: statistics
                ? chunkBounds.statistics(nullCount: chunkNulls, type: type, truncateLength: truncateLength) : nil,
            encodingStats: encodingStats)

        pages.removeAll(keepingCapacity: true)
        chunkBounds.reset()
        chunkNulls = 0
        chunkValues = 0
        uncompressedPageBytes = 0
        dictionaryPages = 0
        plainPages = 0
        rowCount = 0
        fixedDictionary.removeAll()
        bytesDictionary.removeAll()
        dictionaryActive = useDictionary
        return metadata
    }
}
