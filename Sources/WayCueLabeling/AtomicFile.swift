#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Writes files so that a crash or a kill leaves either the old content or the new, never a
/// mix: the bytes go to a temporary file in the same folder, are synced to disk, and the
/// temporary file is renamed over the target; the folder is synced so the rename survives.
public enum AtomicFile {
    /// Writes `data` to `path` atomically.
    ///
    /// - Throws: ``LabelStoreError/notWritable(_:_:)`` naming the path and the system's reason.
    public static func write(_ data: Data, to path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        let tmp = (dir as NSString).appendingPathComponent(".\((path as NSString).lastPathComponent).\(UUID().uuidString.prefix(8)).tmp")
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw LabelStoreError.notWritable(path, String(cString: strerror(errno))) }
        var ok = false
        defer {
            if !ok { unlink(tmp) }
        }
        let written: Int = data.withUnsafeBytes { raw -> Int in
            var off = 0
            while off < raw.count {
                let n = Glibc_write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 { if errno == EINTR { continue }; return -1 }
                off += n
            }
            return off
        }
        let err = errno
        if written != data.count || fsync(fd) != 0 {
            close(fd)
            throw LabelStoreError.notWritable(path, String(cString: strerror(written != data.count ? err : errno)))
        }
        close(fd)
        guard rename(tmp, path) == 0 else { throw LabelStoreError.notWritable(path, String(cString: strerror(errno))) }
        ok = true
        let dfd = open(dir.isEmpty ? "." : dir, O_RDONLY)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }

    private static func Glibc_write(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
        #if canImport(Glibc)
        return Glibc.write(fd, p, n)
        #else
        return Darwin.write(fd, p, n)
        #endif
    }
}
