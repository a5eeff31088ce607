package import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// The lake as a local directory: a key is a relative path under `root`. Every put writes a hidden temporary file
/// in the target directory (`.<name>.kb4tmp-<random>`), fsyncs it, renames it over the key and fsyncs the directory,
/// so a crash leaves the old object or the new one, never a torn one (temporaries are ignored by `list`).
///
/// Conditional puts hold an exclusive `flock` on the target directory from the check to the rename, so two
/// processes using this store cannot both win; `.create` also publishes with `link(2)`, which never replaces an
/// existing file, so it holds even against a writer that takes no lock.
///
/// ETag: `<inode>-<size>-<mtime in ns>` in hex, from one `stat` (a `head` reads no data). Every put creates a new
/// file while the old one still exists, so its inode differs from the current object's; with the nanosecond mtime
/// a replaced object never shows its old tag again in practice. It is a version tag, not a content hash: the
/// manifest's sha256 stays the content check.
struct LocalDirectoryStore: ObjectStore {
    /// The directory holding the objects.
    package let root: String

    /// A store rooted at `root` (created on the first put).
    package init(root: String) {
        var r = root
        while r.count > 1 && r.hasSuffix("/") { r.removeLast() }
        self.root = r
    }

    package var description: String { root }

    func path(_ key: String) throws -> String {
        try ObjectStoreError.validate(key)
        return root + "/" + key
    }

    @discardableResult
    func putFile(_ localPath: String, key: String) async throws -> ObjectMeta {
        let target = try path(key)
        return try publish(key: key, target: target, mode: .overwrite) { file in
            try FileSystem.forEachChunk(localPath, size: 1 << 20) { try file.write($0) }
        }
    }

    /// Publishes a finished, already fsynced local file by renaming it over `key` (no copy: a local lake's commit
    /// stays a rename when the work directory is on its file system), then fsyncs the directory. Copies
    /// (`putFile`) and removes the file when it is on another file system.
    @discardableResult
    func publish(_ localPath: String, key: String) async throws -> ObjectMeta {
        let target = try path(key)
        let (dir, _) = FileSystem.split(target)
        try FileSystem.makeDirectories(dir)
        if rename(localPath, target) != 0 {
            guard errno == EXDEV else { throw FileSystem.fail("rename to \(target)", localPath) }
            let meta = try await putFile(localPath, key: key)
            FileSystem.remove(localPath)
            return meta
        }
        try FileSystem.syncDirectory(dir)
        var st = stat()
        guard stat(target, &st) == 0 else { throw FileSystem.fail("stat", target) }
        return Self.meta(key: key, st)
    }

    @discardableResult
    package func put(_ bytes: [UInt8], key: String, mode: PutMode) async throws -> ObjectMeta {
        let target = try path(key)
        return try publish(key: key, target: target, mode: mode) { file in
            try bytes.withUnsafeBytes { try file.write($0) }
        }
    }

    package func get(_ key: String) async throws -> (bytes: [UInt8], meta: ObjectMeta)? {
        var bytes: [UInt8] = []
        guard let meta = try readThrough(key, bufferSize: 1 << 16, { bytes.append(contentsOf: $0) }) else { return nil }
        return (bytes, meta)
    }

    package func download(_ key: String, to localPath: String) async throws -> ObjectMeta? {
        var out: OutputFile?
        let meta = try readThrough(key, bufferSize: 1 << 20) { chunk in
            if out == nil { out = try OutputFile(path: localPath) }
            try out!.write(chunk)
        }
        guard let meta else { return nil }
        if out == nil { out = try OutputFile(path: localPath) }  // an empty object: an empty file
        out!.closeWithoutSync()
        return meta
    }

    /// Reads `key` through one descriptor, `body` getting each chunk, so the bytes and the tag (from the same
    /// descriptor's `fstat`) belong to the same version even if the object is replaced meanwhile; nil when absent.
    private func readThrough(_ key: String, bufferSize: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws
        -> ObjectMeta?
    {
        let target = try path(key)
        let fd = open(target, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw FileSystem.fail("open", target)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileSystem.fail("stat", target) }
        var buffer = [UInt8](repeating: 0, count: bufferSize)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileSystem.fail("read", target)
            }
            if n == 0 { break }
            try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return Self.meta(key: key, st)
    }

    package func head(_ key: String) async throws -> ObjectMeta? {
        let target = try path(key)
        var st = stat()
        guard stat(target, &st) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw FileSystem.fail("stat", target)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Self.meta(key: key, st)
    }

    package func list(prefix: String) async throws -> [ObjectMeta] {
        // Walk only the deepest directory the prefix names, then filter by the plain string prefix.
        let dirPart = prefix.lastIndex(of: "/").map { String(prefix[..<$0]) } ?? ""
        var found: [ObjectMeta] = []
        func walk(_ relative: String) {
            let dir = relative.isEmpty ? root : root + "/" + relative
            for name in FileSystem.list(dir) where !FileSystem.isTemporary(name) {
                let key = relative.isEmpty ? name : relative + "/" + name
                var st = stat()
                guard lstat(root + "/" + key, &st) == 0 else { continue }
                if (st.st_mode & S_IFMT) == S_IFDIR {
                    if key.hasPrefix(prefix) || prefix.hasPrefix(key + "/") { walk(key) }
                } else if (st.st_mode & S_IFMT) == S_IFREG, key.hasPrefix(prefix) {
                    found.append(Self.meta(key: key, st))
                }
            }
        }
        if dirPart.isEmpty || FileSystem.isDirectory(root + "/" + dirPart) { walk(dirPart) }
        return found.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }

    package func childNames() async throws -> [String] {
        FileSystem.list(root).filter { name in
            !name.hasPrefix(".") && FileSystem.isDirectory(root + "/" + name)
        }
        .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    package func child(_ name: String) throws -> any ObjectStore {
        LocalDirectoryStore(root: try path(name))
    }

    package func delete(_ key: String) async throws {
        let target = try path(key)
        if unlink(target) != 0 && errno != ENOENT && errno != ENOTDIR { throw FileSystem.fail("delete", target) }
        let (dir, _) = FileSystem.split(target)
        if FileSystem.isDirectory(dir) { try FileSystem.syncDirectory(dir) }
    }

    // MARK: - Where a directory differs from a bucket

    /// Moves the directory into place under `prefix` (the old copy renamed aside first, then removed), durably.
    func publishDirectory(_ localDirectory: String, prefix: String) async throws {
        try ObjectStoreError.validate(String(prefix.dropLast()))
        let destination = root + "/" + prefix.dropLast()
        try FileSystem.syncDirectory(localDirectory)
        let (parent, _) = FileSystem.split(destination)
        try FileSystem.makeDirectories(parent)
        let old = FileSystem.temporaryPath(for: destination)
        if FileSystem.exists(destination) { try FileSystem.rename(destination, old) }
        try FileSystem.rename(localDirectory, destination)
        try FileSystem.syncDirectory(parent)
        FileSystem.removeTree(old)
    }

    /// Reads the file in place (`scratch` is not used).
    package func read(_ key: String, scratch: String, _ body: (UnsafeRawBufferPointer) throws -> Void) async throws
        -> ObjectMeta?
    {
        try readThrough(key, bufferSize: 1 << 16, body)
    }

    func localDirectory(prefix: String) -> String? { root + "/" + prefix.dropLast() }

    func putCheaply(_ bytes: [UInt8], key: String) throws -> Bool {
        let target = try path(key)
        try FileSystem.makeDirectories(FileSystem.split(target).0)
        try FileSystem.writeAtomically(bytes, to: target, durable: false)
        return true
    }

    func lockForProcess() throws -> DirectoryLock? { try DirectoryLock(directory: root) }

    func processLockHolder() -> (pid: String, since: Double)? { DirectoryLock.holder(directory: root) }

    /// Removes the temporary names a killed writer left (`FileSystem.isTemporary`) in the places writers use: the
    /// root (the manifest), `_state/`, `_raw/` and every partition of `events/`; and the staging directories of
    /// earlier versions in `_raw/`.
    func removeLeftovers(logger: Logger) {
        for name in FileSystem.list(root) where FileSystem.isTemporary(name) { FileSystem.remove(root + "/" + name) }
        for name in FileSystem.list(root + "/_state") where FileSystem.isTemporary(name) {
            FileSystem.remove(root + "/_state/" + name)
        }
        for name in FileSystem.list(root + "/_raw")
        where FileSystem.isTemporary(name) || name.hasPrefix(".staging-") || name.hasPrefix(".spill-")
            || name.contains(".old-")
        {
            FileSystem.removeTree(root + "/_raw/" + name)
        }
        for partition in FileSystem.list(root + "/events") where partition.hasPrefix("dt=") {
            let dir = root + "/events/" + partition
            for name in FileSystem.list(dir) where FileSystem.isTemporary(name) {
                logger.info("removing a leftover temporary file", metadata: ["path": "\(dir)/\(name)"])
                FileSystem.remove(dir + "/" + name)
            }
        }
    }

    package var exists: Bool { FileSystem.isDirectory(root) }

    var placeName: String { "on disk" }

    // MARK: - Writing

    /// Temp file → fill → fsync → (under the directory lock) check the precondition → publish → fsync directory.
    private func publish(key: String, target: String, mode: PutMode, fill: (OutputFile) throws -> Void) throws
        -> ObjectMeta
    {
        let (dir, name) = FileSystem.split(target)
        try FileSystem.makeDirectories(dir)
        let temp = FileSystem.temporaryPath(for: target)
        let file = try OutputFile(path: temp)
        do {
            try fill(file)
            try file.syncAndClose()
        } catch {
            file.abandon()
            FileSystem.remove(temp)
            throw error
        }
        defer { FileSystem.remove(temp) }  // after a link (create) the temp name is left over; harmless otherwise

        let lock = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard lock >= 0 else { throw FileSystem.fail("open directory", dir) }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 {
            if errno != EINTR { throw FileSystem.fail("lock directory", dir) }
        }
        switch mode {
        case .overwrite:
            try FileSystem.rename(temp, target)
        case .create:
            if link(temp, target) != 0 {
                if errno == EEXIST { throw ObjectStoreError.preconditionFailed(store: root, key: key) }
                throw FileSystem.fail("link to \(target)", temp)
            }
        case .update(let etag):
            var st = stat()
            guard stat(target, &st) == 0, Self.etag(st) == etag else {
                throw ObjectStoreError.preconditionFailed(store: root, key: key)
            }
            try FileSystem.rename(temp, target)
        }
        try FileSystem.syncDirectory(dir)
        var st = stat()
        guard stat(target, &st) == 0 else { throw FileSystem.fail("stat", target) }
        return Self.meta(key: key, st)
    }

    static func etag(_ st: stat) -> String {
        let ns = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        return String(UInt64(st.st_ino), radix: 16) + "-" + String(Int64(st.st_size), radix: 16) + "-"
            + String(ns, radix: 16)
    }

    static func meta(key: String, _ st: stat) -> ObjectMeta {
        ObjectMeta(key: key, size: Int(st.st_size), etag: etag(st))
    }
}
