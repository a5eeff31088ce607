import KB4EventsAPI

/// The API's pages for one day as received, gzip-compressed on disk: staged during a run in its work directory,
/// then promoted to `_raw/dt=D/` with `--keep-raw` or deleted. Staging lets a day be replayed without new API calls.
struct RawPages {
    /// Directory holding `page-NNNNN.json.gz`.
    let directory: String
    /// Whether stored pages are fsynced (they will be promoted to `_raw/`).
    var durable = false

    /// Level 1: raw pages are a safety copy, written at API pace; speed matters more than size here.
    static let compressionLevel = 1

    /// Prepares an empty staging directory.
    static func staging(_ directory: String, durable: Bool) throws -> RawPages {
        FileSystem.removeTree(directory)
        try FileSystem.makeDirectories(directory)
        return RawPages(directory: directory, durable: durable)
    }

    /// A day's kept pages in the lake (`objects` under `_raw/dt=D/`), readable locally: on a local lake read where
    /// they are; elsewhere copied into the run's work directory first.
    static func fetching(_ objects: [ObjectMeta], from layout: LakeLayout, day: Day, tag: String) async throws
        -> RawPages
    {
        if let local = layout.store as? LocalDirectoryStore {
            return RawPages(directory: local.root + "/" + String(layout.rawPartitionKey(day).dropLast()))
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

    /// Puts the staged pages under `_raw/dt=D/` in the lake, replacing what was there: on a local lake the directory
    /// is renamed into place (the work directory is on the lake's file system); elsewhere each page is put, then
    /// pages of an earlier copy that this one does not have are deleted.
    func promote(to layout: LakeLayout, day: Day, tempTag: String) async throws {
        if let local = layout.store as? LocalDirectoryStore {
            try promote(to: local.root + "/" + String(layout.rawPartitionKey(day).dropLast()), tempTag: tempTag)
            return
        }
        let prefix = layout.rawPartitionKey(day)
        var kept = Set<String>()
        for number in pages {
            let name = LakeLayout.rawPageName(number)
            try await layout.store.putFile(directory + "/" + name, key: prefix + name)
            kept.insert(prefix + name)
        }
        for object in try await layout.store.list(prefix: prefix) where !kept.contains(object.key) {
            try await layout.store.delete(object.key)
        }
        remove()
    }

    /// Moves the staged pages to the local directory `destination`, replacing what was there, durably.
    private func promote(to destination: String, tempTag: String) throws {
        try FileSystem.syncDirectory(directory)
        let (parent, name) = FileSystem.split(destination)
        try FileSystem.makeDirectories(parent)
        let old = parent + "/." + name + ".old-" + tempTag
        if FileSystem.exists(destination) { try FileSystem.rename(destination, old) }
        try FileSystem.rename(directory, destination)
        try FileSystem.syncDirectory(parent)
        FileSystem.removeTree(old)
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
