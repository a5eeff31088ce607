#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file-system failure with the path and the system's reason.
struct FileError: Error, Sendable, CustomStringConvertible {
    /// What was attempted (`open`, `write`, `rename`, …).
    let operation: String
    /// The path involved.
    package let path: String
    /// errno.
    package let code: Int32

    package var description: String {
        "cannot \(operation) \(path): \(String(cString: strerror(code)))"
    }
}

/// Thin POSIX helpers: the lake needs fsync and rename semantics that Foundation does not promise.
enum FileSystem {
    static func fail(_ op: String, _ path: String) -> FileError { FileError(operation: op, path: path, code: errno) }

    /// `mkdir -p`.
    static func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) != 0 && errno != EEXIST { throw fail("create directory", current) }
        }
        guard isDirectory(path) else { throw FileError(operation: "create directory", path: path, code: ENOTDIR) }
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    static func fileSize(_ path: String) -> Int? {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : nil
    }

    /// Names in a directory (without `.` and `..`); empty when it does not exist.
    static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// fsync a directory so renames inside it are durable.
    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { throw fail("open directory", path) }
        defer { close(fd) }
        if fsync(fd) != 0 && errno != EINVAL { throw fail("sync directory", path) }
    }

    static func rename(_ from: String, _ to: String) throws {
        if Glibc.rename(from, to) != 0 { throw fail("rename to \(to)", from) }
    }

    static func remove(_ path: String) {
        unlink(path)
    }

    /// Removes a directory only when it is empty.
    static func removeIfEmpty(_ path: String) {
        rmdir(path)
    }

    /// Removes a directory tree (used for temporary staging only).
    static func removeTree(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in list(path) { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// Reads a whole file.
    static func read(_ path: String) throws -> [UInt8] {
        var result: [UInt8] = []
        try forEachChunk(path) { result.append(contentsOf: $0) }
        return result
    }

    /// Streams a file in chunks.
    static func forEachChunk(_ path: String, size: Int = 1 << 16, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw fail("open", path) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: size)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("read", path)
            }
            if n == 0 { break }
            try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    /// The one temporary-name rule of a lake and its state files: `.<name>.kb4tmp-<random>` beside `path`, hidden
    /// (readers skip names starting with `.`), so a crash never leaves a torn file under a real name.
    static func temporaryPath(for path: String) -> String {
        let (dir, name) = split(path)
        return dir + "/." + name + ".kb4tmp-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    /// Whether `name` is a temporary name (`temporaryPath`'s, or `.<name>.tmp-<tag>` of versions before it).
    static func isTemporary(_ name: String) -> Bool {
        name.hasPrefix(".") && (name.contains(".kb4tmp-") || name.contains(".tmp-"))
    }

    /// Writes `bytes` to `path` atomically and durably: hidden temp file in the same directory, fsync, rename,
    /// fsync the directory. With `mode`, the file gets exactly these permissions, whatever the umask.
    static func writeAtomically(_ bytes: [UInt8], to path: String, durable: Bool = true, mode: mode_t? = nil) throws {
        let (dir, _) = split(path)
        let temp = temporaryPath(for: path)
        let file = try OutputFile(path: temp)
        do {
            if let mode { try file.setMode(mode) }
            try bytes.withUnsafeBytes { try file.write($0) }
            if durable { try file.syncAndClose() } else { file.closeWithoutSync() }
            try rename(temp, path)
        } catch {
            file.abandon()
            remove(temp)
            throw error
        }
        if durable { try syncDirectory(dir) }
    }

    /// Whether no process `pid` runs in this pid namespace any more (another process than this one; `kill(pid, 0)`
    /// answers `ESRCH`): a killed run's scratch and lease may then be taken.
    static func processIsGone(_ pid: Int) -> Bool {
        pid > 0 && pid <= Int(Int32.max) && pid != Int(getpid()) && kill(pid_t(pid), 0) != 0 && errno == ESRCH
    }

    /// (directory, file name) of a path.
    static func split(_ path: String) -> (String, String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let dir = String(path[..<slash])
        return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
    }
}

/// A file opened for writing (created or truncated), written with retries on short writes, fsynced on close.
final class OutputFile {
    let path: String
    private var fd: Int32

    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSystem.fail("create", path) }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Sets the file's permissions (`fchmod`: the umask does not apply).
    func setMode(_ mode: mode_t) throws {
        if fchmod(fd, mode) != 0 { throw FileSystem.fail("set the permissions of", path) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileSystem.fail("write", path)
            }
            offset += n
        }
    }

    func syncAndClose() throws {
        if fsync(fd) != 0 { throw FileSystem.fail("sync", path) }
        let rc = close(fd)
        fd = -1
        if rc != 0 { throw FileSystem.fail("close", path) }
    }

    /// Closes without syncing (the file is about to be deleted).
    func abandon() {
        closeWithoutSync()
    }

    /// Closes without fsync: for scratch and advisory files whose loss in a crash is harmless.
    func closeWithoutSync() {
        if fd >= 0 { close(fd) }
        fd = -1
    }
}
