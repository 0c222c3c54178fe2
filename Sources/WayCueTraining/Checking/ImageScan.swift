import Dispatch
import Foundation
import WayCueImage

/// What reading one image file found: its size and hashes, or why it could not be read.
public struct ImageScanResult: Sendable, Equatable {
    /// The image path.
    public var path: String
    /// Pixel size when decoded.
    public var size: ImageSize?
    /// Perceptual hash when decoded.
    public var dHash: DifferenceHash?
    /// FNV-1a 64 of the file bytes (exact-duplicate detection), when readable.
    public var contentHash: UInt64?
    /// Why the file is missing or could not be decoded.
    public var error: String?
    /// Whether the file does not exist.
    public var missing: Bool
}

/// Reads, decodes and hashes image files on several threads.
public enum ImageScan {
    /// Scans one file.
    public static func scan(path: String) -> ImageScanResult {
        var r = ImageScanResult(path: path, size: nil, dHash: nil, contentHash: nil, error: nil, missing: false)
        guard let data = FileManager.default.contents(atPath: path) else {
            r.missing = !FileManager.default.fileExists(atPath: path)
            r.error = r.missing ? "image file is missing" : "image file cannot be read"
            return r
        }
        let bytes = [UInt8](data)
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        r.contentHash = h
        do {
            let img = try Image.decode(bytes, source: path, as: .grey8)
            r.size = ImageSize(width: img.width, height: img.height)
            r.dHash = DifferenceHash(image: img)
        } catch {
            r.error = error.description
        }
        return r
    }

    /// Scans files with `jobs` threads; `progress(done, total)` is called from worker threads
    /// (serially) after each file.
    public static func scan(paths: [String], jobs: Int,
                            progress: (@Sendable (Int, Int) -> Void)? = nil) -> [ImageScanResult] {
        let box = ResultBox(count: paths.count)
        let workers = max(1, min(jobs, paths.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let i = box.claim() {
                let r = scan(path: paths[i])
                let done = box.store(r, at: i)
                progress?(done, paths.count)
            }
        }
        return box.results.map { $0! }
    }

    private final class ResultBox: @unchecked Sendable {
        let lock = NSLock()
        var next = 0
        var done = 0
        var results: [ImageScanResult?]
        let count: Int
        init(count: Int) {
            self.count = count
            results = Array(repeating: nil, count: count)
        }
        func claim() -> Int? {
            lock.lock(); defer { lock.unlock() }
            guard next < count else { return nil }
            next += 1
            return next - 1
        }
        func store(_ r: ImageScanResult, at i: Int) -> Int {
            lock.lock(); defer { lock.unlock() }
            results[i] = r
            done += 1
            return done
        }
    }
}
