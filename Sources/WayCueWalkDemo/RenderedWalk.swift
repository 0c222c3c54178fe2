import Foundation
import WayCueCapture
import WayCueImage
import WayCueSynth

/// A walk rendered once into memory with all its ground truth, for replaying through the
/// pipeline many times without paying for rendering (benchmarks).
public final class RenderedWalk: @unchecked Sendable {
    /// The frames, in order.
    public let images: [Image]
    /// Frames per second of the walk's clock.
    public let fps: Double
    /// Every frame's truth (capacity: all frames).
    public let truth: WalkTruthBook
    /// The walk's camera.
    public let camera: CameraModel

    /// Renders `script` at `width` x `height` and `fps`, keeping at most `maxFrames` frames.
    public init(script: WalkScript, width: Int = 320, height: Int = 240, fps: Double = 10, maxFrames: Int? = nil) {
        let world = WalkWorld(script: script, imageWidth: width, imageHeight: height)
        let count = min(world.frameCount(fps: fps), maxFrames ?? .max)
        let book = WalkTruthBook(capacity: max(1, count))
        var images: [Image] = []
        images.reserveCapacity(count)
        for i in 0..<count {
            let (frame, truth) = world.frame(index: i, fps: fps)
            book.store(truth, sequence: UInt64(i))
            images.append(frame.image)
        }
        self.images = images
        self.fps = fps
        truth = book
        camera = world.camera
    }

    /// A source replaying the frames, stamped `index / fps`, paced at `paceFPS` frames per
    /// second of wall time (`nil`: as fast as possible).
    public func source(paceFPS: Double? = nil) -> ReplayFrameSource {
        ReplayFrameSource(images: images, fps: fps, paceFPS: paceFPS)
    }
}

/// Replays in-memory frames like a camera (paced) or as fast as possible.
public final class ReplayFrameSource: FrameSource, @unchecked Sendable {
    /// `"replay"`.
    public let name = "replay"
    private let images: [Image]
    private let fps: Double
    private let paceFPS: Double?
    private let lock = NSLock()
    private var index = 0
    private var closed = false
    private var start: Double?

    init(images: [Image], fps: Double, paceFPS: Double?) {
        self.images = images
        self.fps = fps
        self.paceFPS = paceFPS
    }

    /// The next frame, held back to its pace; `nil` at the end or after ``close()``.
    public func next() throws -> Frame? {
        lock.lock()
        guard !closed, index < images.count else { lock.unlock(); return nil }
        let i = index
        index += 1
        let now = MonotonicClock.now()
        if start == nil { start = now }
        let due = start! + (paceFPS.map { Double(i) / $0 } ?? 0)
        lock.unlock()
        if due > now { Thread.sleep(forTimeInterval: due - now) }
        return Frame(image: images[i], timestamp: Double(i) / fps, sequence: UInt64(i), sourceFormat: .rgb24)
    }

    /// Ends the replay.
    public func close() {
        lock.lock()
        closed = true
        lock.unlock()
    }
}
