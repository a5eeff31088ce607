import KB4EventsAPI
import KB4EventsCore

/// The API's pages for one day as received, gzip-compressed on disk: staged during a run in its work directory,
/// then kept in `_raw/dt=D/` with `--keep-raw` (`DayCommitter`) or deleted. Staging lets a day be replayed without new API calls.
struct RawPages {
    /// Directory holding `page-NNNNN.json.gz`.
    let directory: String
    /// Whether stored pages are fsynced (they will be kept in `_raw/`).
    var durable = false
    /// Whether the directory is this run's copy (staged, or downloaded from the lake), removed when done; false when
    /// it is the lake's own directory read in place.
    var isScratch = true

    /// Level 1: raw pages are a safety copy, written at API pace; speed matters more than size here.
    static let compressionLevel = 1

    /// Prepares an empty staging directory.
    static func staging(_ directory: String, durable: Bool) throws -> RawPages {
        FileSystem.removeTree(directory)
        try FileSystem.makeDirectories(directory)
        return RawPages(directory: directory, durable: durable)
    }

    /// A day's kept pages in the lake (`objects` under `_raw/dt=D/`), readable locally: read in place when the store
    /// holds them as files; else copied into the run's work directory first.
    static func fetching(_ objects: [ObjectMeta], from layout: LakeLayout, day: Day, tag: String) async throws
        -> RawPages
    {
        if let directory = layout.store.localDirectory(prefix: layout.rawPartitionKey(day)) {
            return RawPages(directory: directory, isScratch: false)
        }
        let raw = try staging(layout.stagedRaw(day, tag: tag), durable: false)
        for object in objects {
            _ = try await layout.store.download(object.key, to: raw.directory + "/" + FileSystem.split(object.key).1)
        }
        return raw
    }

    /// Stores one page body.
    func store(page: Int, body: [UInt8]) throws {
        let path = directory + "/" + LakeLayout.rawPageName(page)
        let file = try OutputFile(path: path)
        do {
            let gzip = try GzipWriter(level: Self.compressionLevel) { try file.write($0) }
            try gzip.write(body)
            try gzip.finish()
            // Pages that will be kept are made durable as they arrive (one fsync per page, nothing at API pace);
            // pages that are only staged for a replay are deleted after the day and need none.
            if durable { try file.syncAndClose() } else { file.closeWithoutSync() }
        } catch {
            file.abandon()
            throw error
        }
    }

    /// Page numbers present, ascending.
    var pages: [Int] {
        FileSystem.list(directory).compactMap { name in
            guard name.hasPrefix("page-"), name.hasSuffix(".json.gz") else { return nil }
            return Int(name.dropFirst(5).dropLast(8))
        }.sorted()
    }

    /// Reads and decodes one stored page.
    func read(page: Int, describe: String) throws -> EventsPage {
        let path = directory + "/" + LakeLayout.rawPageName(page)
        let body = try GzipReader.decompress(try FileSystem.read(path))
        let json: JSONValue
        do { json = try JSONParser.parse(body) } catch {
            throw PipelineError(
                stage: .extract, category: .data, code: "raw_unparsable", message: "\(path) is not valid JSON",
                page: page, cause: "\(error)")
        }
        return try EventsPage(page: page, json: json, body: body, describe: describe)
    }

    /// Whether the lake's kept pages `objects` are these staged pages: the same page names with the same sizes.
    func matches(_ objects: [ObjectMeta]) -> Bool {
        let staged = pages.map { LakeLayout.rawPageName($0) }
        let kept = objects.map { FileSystem.split($0.key).1 }
        guard staged.sorted() == kept.sorted() else { return false }
        let sizes = Dictionary(objects.map { (FileSystem.split($0.key).1, $0.size) }, uniquingKeysWith: { a, _ in a })
        return staged.allSatisfy { FileSystem.fileSize(directory + "/" + $0) == sizes[$0] }
    }

    /// Deletes the staged pages.
    func remove() {
        FileSystem.removeTree(directory)
    }
}
