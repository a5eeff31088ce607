#if canImport(Glibc)
    import Glibc
#endif

/// An advisory `flock` on `<lake>/.kb4-events.lock`, held for a whole run. The kernel drops it when the
/// process dies, so a crashed run never leaves the lake locked. The holder's pid is written into the file.
public final class LakeLock {
    private let fd: Int32

    /// Takes the lock or throws a temporary error naming the holder's pid.
    public init(layout: LakeLayout) throws {
        let path = layout.root + "/.kb4-events.lock"
        do { try FileSystem.makeDirectories(layout.root) } catch {
            throw PipelineError(stage: .load, category: .output, code: "mkdir", message: "\(error)")
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw PipelineError(
                stage: .load, category: .output, code: "lock_open", message: "\(FileSystem.fail("open", path))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            var buf = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buf, 32, 0)
            close(fd)
            let holder = n > 0 ? String(decoding: buf[0..<n], as: UTF8.self).trimmingASCIIWhitespaceAndNewlines() : "?"
            throw PipelineError(
                stage: .run, category: .temporary, code: "locked",
                message: "another kb4-events run (pid \(holder)) holds the lock on \(layout.root); try again when it ends")
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

    /// The run holding the lock on a lake right now: its pid and when it took the lock (the lock file's
    /// mtime, written as it is taken); nil when no run holds it. Reads only (a shared try-lock, released at once).
    public static func holder(layout: LakeLayout) -> (pid: String, since: Double)? {
        let path = layout.root + "/.kb4-events.lock"
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        var buf = [UInt8](repeating: 0, count: 32)
        let n = pread(fd, &buf, 32, 0)
        let pid = n > 0 ? String(decoding: buf[0..<n], as: UTF8.self).trimmingASCIIWhitespaceAndNewlines() : "?"
        var st = stat()
        let since = fstat(fd, &st) == 0 ? Double(st.st_mtim.tv_sec) : 0
        return (pid, since)
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
