import Foundation
import WayCueCapture
import WayCueImage
import WayCueSynth

/// The ground truth of the frames a ``WalkFrameSource`` rendered, shared with the
/// ``GroundTruthDetector`` (thread-safe). Keeps the newest ``capacity`` frames' truth, and every
/// event seen.
public final class WalkTruthBook: @unchecked Sendable {
    /// Frames of truth kept (older ones are forgotten so a long run does not grow).
    public let capacity: Int
    private let lock = NSLock()
    private var frames: [UInt64: WalkTruthFrame] = [:]
    private var masks: [UInt64: Image] = [:]
    private var order: [UInt64] = []
    private var paving: [WalkCueCheck.PavingSample] = []

    /// Creates an empty book.
    public init(capacity: Int = 64) { self.capacity = max(1, capacity) }

    /// Stores the truth of frame `sequence`.
    public func store(_ truth: WalkTruthFrame, sequence: UInt64, markingMask: Image? = nil) {
        lock.lock()
        defer { lock.unlock() }
        frames[sequence] = truth
        masks[sequence] = markingMask
        paving.append(WalkCueCheck.PavingSample(t: truth.t, offset: truth.paving?.offset))
        order.append(sequence)
        while order.count > capacity {
            let old = order.removeFirst()
            frames[old] = nil
            masks[old] = nil
        }
    }

    /// The ground-marking mask of frame `sequence` (``SynthFrame/markingMask()``: 0, or 1 + the
    /// class index of tactile guide, tactile warning, crosswalk), while it is still kept.
    public func markingMask(for sequence: UInt64) -> Image? {
        lock.lock()
        defer { lock.unlock() }
        return masks[sequence]
    }

    /// The paving offset of every frame stored so far (a few bytes per frame).
    public var pavingSamples: [WalkCueCheck.PavingSample] {
        lock.lock()
        defer { lock.unlock() }
        return paving
    }

    /// The truth of frame `sequence`, while it is still kept.
    public func truth(for sequence: UInt64) -> WalkTruthFrame? {
        lock.lock()
        defer { lock.unlock() }
        return frames[sequence]
    }
}

/// A ``FrameSource`` that renders a scripted walk frame by frame (WayCueSynth), in process, and
/// records each frame's ground truth in a ``WalkTruthBook``.
///
/// Frames are stamped `index / fps` seconds; at ``PlaybackSpeed/recorded`` they are held back
/// to that pace like a camera, otherwise they come as fast as they render.
public final class WalkFrameSource: FrameSource, @unchecked Sendable {
    /// The walk.
    public let world: WalkWorld
    /// Frames per second of the walk's clock.
    public let fps: Double
    /// The name given (the walk file or `demo.walk`).
    public let name: String
    /// Where each frame's truth goes.
    public let truth: WalkTruthBook
    /// Frames in the walk.
    public let frameCount: Int
    private let speed: PlaybackSpeed
    /// Whether each frame's marking mask goes into the truth book (for truth masks).
    public var keepMasks = false
    private let lock = NSLock()
    private var index = 0
    private var closed = false
    private var start: Double?

    /// Builds the walk.
    ///
    /// - Parameters:
    ///   - script: The parsed walk.
    ///   - name: For messages.
    ///   - width: Frame width.
    ///   - height: Frame height.
    ///   - fps: Frames per second (0.5...120).
    ///   - speed: Pace of delivery.
    ///   - truth: The book to fill (a new one by default).
    public init(script: WalkScript, name: String, width: Int = 320, height: Int = 240, fps: Double = 10,
                speed: PlaybackSpeed = .asFastAsPossible, truth: WalkTruthBook = WalkTruthBook()) {
        world = WalkWorld(script: script, imageWidth: width, imageHeight: height)
        self.name = name
        self.fps = fps
        self.speed = speed
        self.truth = truth
        frameCount = world.frameCount(fps: fps)
    }

    /// Renders the next frame; `nil` after the walk's last frame or ``close()``.
    public func next() throws -> Frame? {
        lock.lock()
        guard !closed, index < frameCount else {
            lock.unlock()
            return nil
        }
        let i = index
        index += 1
        lock.unlock()
        let (frame, truthFrame) = world.frame(index: i, fps: fps)
        truth.store(truthFrame, sequence: UInt64(i), markingMask: keepMasks ? frame.markingMask() : nil)
        let t = Double(i) / fps
        if speed == .recorded {
            let now = MonotonicClock.now()
            lock.lock()
            if start == nil { start = now - t }
            let due = start! + t
            lock.unlock()
            if due > now { Thread.sleep(forTimeInterval: due - now) }
        }
        return Frame(image: frame.image, timestamp: t, sequence: UInt64(i), sourceFormat: .rgb24)
    }

    /// Ends the walk early.
    public func close() {
        lock.lock()
        closed = true
        lock.unlock()
    }
}
