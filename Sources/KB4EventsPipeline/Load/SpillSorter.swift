#if canImport(Glibc)
    import Glibc
#endif
import KB4EventsAPI
import KB4EventsCore

/// Sorts a day's events by (`occurred_date`, `id`) with bounded memory: records are held up to a byte limit,
/// then sorted and written as a run file in a hidden directory; `finish` merges the runs.
///
/// Used for every day paged by id (`source.page_order: id`, or the rest of a run once a day's time-ordered pages
/// did not add up) and when the API breaks ascending order; a day paged by time in order streams and never spills.
final class SpillSorter {
    private struct Record {
        let key: EventKey
        let line: [UInt8]
    }

    private let directory: String
    private let limitBytes: Int
    private var buffer: [Record] = []
    private var bufferBytes = 0
    private var runs: [String] = []

    /// Creates a sorter that spills into `directory` (created on first spill) past `limitBytes` of held events.
    init(directory: String, limitBytes: Int = 8 << 20) {
        self.directory = directory
        self.limitBytes = limitBytes
    }

    deinit { FileSystem.removeTree(directory) }

    /// Number of run files written so far.
    var spilledRuns: Int { runs.count }

    func add(key: EventKey, event: JSONObject) throws {
        var line: [UInt8] = []
        event.write(into: &line)
        bufferBytes += line.count + key.id.utf8.count + 64
        buffer.append(Record(key: key, line: line))
        if bufferBytes >= limitBytes { try spill() }
    }

    private func spill() throws {
        guard !buffer.isEmpty else { return }
        try FileSystem.makeDirectories(directory)
        buffer.sort { $0.key < $1.key }
        let path = directory + "/run-\(runs.count)"
        let file = try OutputFile(path: path)
        var out: [UInt8] = []
        out.reserveCapacity(1 << 20)
        for r in buffer {
            Self.append(r, to: &out)
            if out.count >= 1 << 20 {
                try out.withUnsafeBytes { try file.write($0) }
                out.removeAll(keepingCapacity: true)
            }
        }
        try out.withUnsafeBytes { try file.write($0) }
        file.closeWithoutSync()  // a scratch file: no fsync needed
        runs.append(path)
        buffer.removeAll(keepingCapacity: false)
        bufferBytes = 0
    }

    /// Emits every record in order (parsing each event back from its compact JSON).
    func finish(_ emit: (EventKey, JSONObject) throws -> Void) throws {
        if runs.isEmpty {
            buffer.sort { $0.key < $1.key }
            for r in buffer { try emit(r.key, try Self.object(r.line)) }
            buffer = []
            return
        }
        try spill()
        var readers = try runs.map { try RunReader(path: $0) }
        var heads: [Record?] = try readers.indices.map { try readers[$0].next() }
        while true {
            var best: Int?
            for i in heads.indices {
                guard let h = heads[i] else { continue }
                if best == nil || h.key < heads[best!]!.key { best = i }
            }
            guard let i = best, let record = heads[i] else { break }
            try emit(record.key, try Self.object(record.line))
            heads[i] = try readers[i].next()
        }
    }

    private static func object(_ line: [UInt8]) throws -> JSONObject {
        guard case .object(let o) = try JSONParser.parse(line) else {
            throw PipelineError(stage: .transform, category: .data, code: "spill", message: "spilled event is not an object")
        }
        return o
    }

    private static func append(_ r: Record, to out: inout [UInt8]) {
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        u64(UInt64(bitPattern: r.key.millis))
        let id = Array(r.key.id.utf8)
        u64(UInt64(id.count))
        out.append(contentsOf: id)
        u64(UInt64(r.line.count))
        out.append(contentsOf: r.line)
    }

    /// Reads records back from a run file with a buffered file descriptor.
    private struct RunReader {
        /// Bytes read at a time: a merge holds one buffer per run (a million-event day has ~40 runs), so this
        /// stays small (1 MiB buffers made a 1M-event sort peak at 124 MB).
        static let chunkSize = 64 << 10
        let fd: Int32
        var buffer: [UInt8] = []
        var position = 0

        init(path: String) throws {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw FileSystem.fail("open", path) }
        }

        mutating func fill(_ needed: Int) throws -> Bool {
            while buffer.count - position < needed {
                if position > 0 {
                    buffer.removeFirst(position)
                    position = 0
                }
                var chunk = [UInt8](repeating: 0, count: max(Self.chunkSize, needed))
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 { throw FileError(operation: "read", path: "spill run", code: errno) }
                if n == 0 { return false }
                buffer.append(contentsOf: chunk[0..<n])
            }
            return true
        }

        mutating func u64() throws -> UInt64? {
            guard try fill(8) else { return nil }
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(buffer[position + i]) << (8 * UInt64(i)) }
            position += 8
            return v
        }

        mutating func bytes(_ n: Int) throws -> [UInt8] {
            guard try fill(n) else { throw FileError(operation: "read", path: "spill run (truncated)", code: EIO) }
            defer { position += n }
            return Array(buffer[position..<(position + n)])
        }

        mutating func next() throws -> Record? {
            guard let millis = try u64() else {
                close(fd)
                return nil
            }
            let idLen = Int(try u64() ?? 0)
            let id = String(decoding: try bytes(idLen), as: UTF8.self)
            let lineLen = Int(try u64() ?? 0)
            let line = try bytes(lineLen)
            return Record(key: EventKey(millis: Int64(bitPattern: millis), id: id), line: line)
        }
    }
}
