#if canImport(Glibc)
    import Glibc
#endif

/// An advisory `flock` on `<directory>/.kb4-events.lock`, held for a whole run: how a local directory lets one writer
/// at a time in (`LocalDirectoryStore.lockForProcess`). The kernel drops it when the process dies, so a crashed run
/// never leaves the lake locked. The holder's pid is written into the file.
package final class DirectoryLock: Sendable {
    private let fd: Int32

    /// The lock file's name inside the directory.
    static let name = ".kb4-events.lock"

    /// Takes the lock on `directory` (created when missing) or throws a temporary error naming the holder's pid.
    init(directory: String) throws {
        let path = directory + "/" + Self.name
        do { try FileSystem.makeDirectories(directory) } catch {
            throw PipelineError(stage: .load, category: .output, code: "mkdir", message: "\(error)")
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw PipelineError(
                stage: .load, category: .output, code: "lock_open", message: "\(FileSystem.fail("open", path))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = Self.pid(in: fd)
            close(fd)
            throw PipelineError(
                stage: .run, category: .temporary, code: "locked",
                message: "another kb4-events run (pid \(holder)) holds the lock on \(directory); try again when it ends")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    /// The run holding the lock on `directory` right now: its pid and when it took the lock (the lock file's mtime,
    /// written as it is taken); nil when no run holds it. Reads only (a shared try-lock, released at once).
    static func holder(directory: String) -> (pid: String, since: Double)? {
        let fd = open(directory + "/" + name, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        var st = stat()
        let since = fstat(fd, &st) == 0 ? Double(st.st_mtim.tv_sec) : 0
        return (pid(in: fd), since)
    }

    /// The pid written in the lock file, `?` when none.
    private static func pid(in fd: Int32) -> String {
        var buf = [UInt8](repeating: 0, count: 32)
        let n = pread(fd, &buf, 32, 0)
        return n > 0 ? String(decoding: buf[0..<n], as: UTF8.self).trimmingASCIIWhitespaceAndNewlines() : "?"
    }
}

extension String {
    func trimmingASCIIWhitespaceAndNewlines() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\n" || f == "\t" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\n" || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
