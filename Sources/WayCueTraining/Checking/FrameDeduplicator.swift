import Foundation
import WayCueImage

/// Keeps only frames that differ from every frame kept so far by more than a Hamming
/// threshold on their ``DifferenceHash`` (turns footage into frames worth labelling).
public struct FrameDeduplicator: Sendable {
    /// Frames within this many bits of a kept frame are dropped.
    public var threshold: Int
    /// Hashes of the frames kept so far.
    public private(set) var kept: [DifferenceHash] = []

    /// Creates a deduplicator.
    public init(threshold: Int = 6) { self.threshold = threshold }

    /// Offers a frame's hash; returns whether it is new (and keeps it when it is).
    public mutating func offer(_ hash: DifferenceHash) -> Bool {
        if kept.contains(where: { $0.distance(to: hash) <= threshold }) { return false }
        kept.append(hash)
        return true
    }

    /// Offers a frame image; see ``offer(_:)-(DifferenceHash)``.
    public mutating func offer(_ image: Image) -> Bool { offer(DifferenceHash(image: image)) }

    /// Result of ``selectFrames(inFolder:every:threshold:jobs:progress:)``.
    public struct Selection: Sendable {
        /// Frame files kept, in name order.
        public var kept: [String]
        /// Frames considered (after `every`).
        public var considered: Int
        /// Files that could not be decoded, with the reason.
        public var unreadable: [(path: String, reason: String)]
    }

    /// Selects distinct frames from a folder of JPEG/PNG frames, in file-name order.
    ///
    /// - Parameters:
    ///   - folder: The frames folder.
    ///   - every: Consider only every `every`-th frame (1 = all).
    ///   - threshold: Hamming threshold.
    ///   - jobs: Decoding threads.
    /// - Throws: ``DatasetError`` when the folder cannot be listed or holds no images.
    public static func selectFrames(inFolder folder: String, every: Int = 1, threshold: Int = 6, jobs: Int = 2,
                                    progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> Selection {
        guard let files = PathSupport.list(folder) else {
            throw DatasetError(.io, file: folder, reason: "cannot list folder")
        }
        let images = files.filter { PathSupport.imageExtensions.contains(PathSupport.ext($0)) }
        guard !images.isEmpty else {
            throw DatasetError(.layout, file: folder, reason: "no JPEG or PNG frames in folder")
        }
        let considered = stride(from: 0, to: images.count, by: max(1, every)).map { PathSupport.join(folder, images[$0]) }
        let scans = ImageScan.scan(paths: considered, jobs: jobs, progress: progress)
        var dedup = FrameDeduplicator(threshold: threshold)
        var kept: [String] = []
        var bad: [(String, String)] = []
        for s in scans {
            guard let h = s.dHash else { bad.append((s.path, s.error ?? "unreadable")); continue }
            if dedup.offer(h) { kept.append(s.path) }
        }
        return Selection(kept: kept, considered: considered.count, unreadable: bad)
    }
}
