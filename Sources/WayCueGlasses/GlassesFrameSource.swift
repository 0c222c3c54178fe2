import Foundation
import WayCueCapture
import WayCueImage

/// Why a camera message was refused.
public enum CameraFrameProblem: String, Sendable, Hashable, Codable, CaseIterable {
    /// A binary message that is not a JPEG (no `FF D8 FF` start).
    case notJPEG = "not_jpeg"
    /// A JPEG without its end marker, or one the decoder could not finish.
    case truncated
    /// Larger than the firmware's 61,440-byte frame buffer.
    case tooLarge = "too_large"
    /// A text message where a binary frame belongs (other than `SNAP:BEGIN`/`SNAP:END`).
    case text
}

/// The camera of one pair of glasses as a ``FrameSource``: the `/ws/camera` handler
/// ``offer(_:receivedAt:)``s each JPEG; ``next()`` hands the newest one over, decoded and
/// **un-mirrored** (the firmware sets `hmirror=1`, so the picture arrives flipped left-right).
/// A JPEG replaced before it was taken is dropped and counted, so the detector always sees the
/// newest frame.
public final class GlassesFrameSource: FrameSource, @unchecked Sendable {
    /// The firmware's frame buffer size at VGA (`640*480/5`): nothing larger can come from it.
    public static let maxFrameBytes = 61_440
    /// `"glasses <device>"`.
    public let name: String
    /// Whether frames arrive mirrored left-right (the stock firmware's `hmirror=1`).
    public let mirrored: Bool
    private let condition = NSCondition()
    private var pending: (bytes: [UInt8], receivedAt: Double, sequence: UInt64)?
    private var closed = false
    private var sequence: UInt64 = 0
    private var stats = Counters()
    private let limits = ImageDecodingLimits(maxPixels: 1600 * 1200)

    /// Counts of what the source saw.
    public struct Counters: Sendable, Hashable, Codable {
        /// JPEG messages accepted (before any was dropped).
        public var accepted = 0
        /// Accepted JPEGs replaced by a newer one before the pipeline took them.
        public var droppedBeforeDecode = 0
        /// Frames decoded and handed to the pipeline.
        public var delivered = 0
        /// Refused messages by reason.
        public var refused: [String: Int] = [:]
        /// Bytes of accepted JPEGs.
        public var bytes = 0
    }

    /// Creates the source of device `device`.
    public init(device: String, mirrored: Bool = true) {
        name = "glasses \(device)"
        self.mirrored = mirrored
    }

    /// Checks a camera message's bytes the cheap way (start and end markers, size).
    public static func check(_ bytes: [UInt8]) -> CameraFrameProblem? {
        if bytes.count > maxFrameBytes { return .tooLarge }
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF else { return .notJPEG }
        // The driver ends each frame at its EOI marker; allow a little padding after it.
        let tail = bytes.suffix(32)
        var hasEOI = false
        var i = tail.startIndex
        while i < tail.endIndex - 1 {
            if tail[i] == 0xFF && tail[i + 1] == 0xD9 { hasEOI = true; break }
            i += 1
        }
        return hasEOI ? nil : .truncated
    }

    /// Offers one camera message; returns the problem when it was refused.
    @discardableResult
    public func offer(_ bytes: [UInt8], receivedAt: Double = MonotonicClock.now()) -> CameraFrameProblem? {
        if let problem = Self.check(bytes) {
            refuse(problem)
            return problem
        }
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return nil }
        if pending != nil { stats.droppedBeforeDecode += 1 }
        pending = (bytes, receivedAt, sequence)
        sequence += 1
        stats.accepted += 1
        stats.bytes += bytes.count
        condition.signal()
        return nil
    }

    /// Counts a refused message.
    public func refuse(_ problem: CameraFrameProblem) {
        condition.lock()
        stats.refused[problem.rawValue, default: 0] += 1
        condition.unlock()
    }

    /// The counters so far.
    public func counters() -> Counters {
        condition.lock()
        defer { condition.unlock() }
        return stats
    }

    /// The newest frame, decoded and un-mirrored, waiting for one; `nil` after ``close()``.
    /// A JPEG that does not decode is counted as truncated and skipped.
    public func next() throws -> Frame? {
        while true {
            condition.lock()
            while pending == nil && !closed { condition.wait() }
            guard !closed, let p = pending else { condition.unlock(); return nil }
            pending = nil
            condition.unlock()
            let image: Image
            do {
                image = try Image(jpegData: p.bytes, source: name, as: .rgb8, limits: limits)
            } catch {
                refuse(.truncated)
                continue
            }
            let upright = mirrored ? image.mirroredLeftRight() : image
            condition.lock()
            stats.delivered += 1
            condition.unlock()
            return Frame(image: upright, timestamp: p.receivedAt, sequence: p.sequence, sourceFormat: .jpeg,
                         jpegData: mirrored ? nil : p.bytes, receivedAt: p.receivedAt)
        }
    }

    /// Ends the source: ``next()`` returns `nil`.
    public func close() {
        condition.lock()
        closed = true
        pending = nil
        condition.broadcast()
        condition.unlock()
    }
}

extension Image {
    /// The picture flipped left-right (what the firmware's `hmirror=1` undoes).
    public func mirroredLeftRight() -> Image {
        let bpp = format.bytesPerPixel
        var out = [UInt8](repeating: 0, count: width * height * bpp)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let s = y * stride, d = y * width * bpp
                    for x in 0..<width {
                        let si = s + x * bpp, di = d + (width - 1 - x) * bpp
                        for c in 0..<bpp { dst[di + c] = src[si + c] }
                    }
                }
            }
        }
        // The sizes are those of a valid image, so this cannot fail.
        return (try? Image(width: width, height: height, format: format, pixels: out)) ?? self
    }
}
