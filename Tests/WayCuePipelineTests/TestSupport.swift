import Foundation
import WayCueCapture
import WayCueCues
import WayCueDetector
import WayCueImage
@testable import WayCuePipeline

/// Delivers `count` generated frames (frame i has pixel value i % 256), optionally pacing them
/// and optionally stalling (blocking without a frame) after `stallAfter` frames.
final class GeneratedSource: FrameSource, @unchecked Sendable {
    let name = "generated"
    let count: Int
    let interval: Double
    let stallAfter: Int?
    let stallSeconds: Double
    let width: Int, height: Int
    private let lock = NSLock()
    private var index = 0
    private var closed = false

    init(count: Int, interval: Double = 0, stallAfter: Int? = nil, stallSeconds: Double = 0,
         width: Int = 64, height: Int = 48) {
        self.count = count
        self.interval = interval
        self.stallAfter = stallAfter
        self.stallSeconds = stallSeconds
        self.width = width
        self.height = height
    }

    func next() throws -> Frame? {
        lock.lock()
        guard !closed, index < count else { lock.unlock(); return nil }
        let i = index
        index += 1
        lock.unlock()
        if let s = stallAfter, i == s {
            let end = MonotonicClock.now() + stallSeconds
            while MonotonicClock.now() < end {
                if isClosed { return nil }
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
        if interval > 0 { Thread.sleep(forTimeInterval: interval) }
        let image = Image(width: width, height: height, format: .rgb8, fill: UInt8(i % 256))
        return Frame(image: image, timestamp: Double(i) * 0.1, sequence: UInt64(i), sourceFormat: .rgb24)
    }

    var isClosed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return closed
    }

    func close() {
        lock.lock()
        closed = true
        lock.unlock()
    }
}

/// A detector that takes `delay` seconds, reports a fixed detection in its input's pixels,
/// and checks that it is never called from two threads at once.
final class SlowDetector: ObjectDetecting {
    let modelID = "slow test double"
    let classes: [ObjectClass] = [.cone]
    let delay: Double
    private let lock = NSLock()
    private var active = 0
    private(set) var overlaps = 0
    private(set) var calls = 0
    private(set) var sizes: Set<[Int]> = []
    let box: Box?

    init(delay: Double, box: Box? = nil) {
        self.delay = delay
        self.box = box
    }

    func detect(_ image: Image) throws -> [Detection] {
        lock.lock()
        active += 1
        if active > 1 { overlaps += 1 }
        calls += 1
        sizes.insert([image.width, image.height])
        lock.unlock()
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        lock.lock()
        active -= 1
        lock.unlock()
        return box.map { [Detection(objectClass: .cone, score: 0.9, box: $0)] } ?? []
    }
}

/// Records everything a pipeline reports (thread-safe).
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var frames: [ProcessedFrame] = []
    private var cueList: [Cue] = []

    var observer: @Sendable (PipelineEvent) -> Void {
        { [self] event in
            lock.lock()
            defer { lock.unlock() }
            switch event {
            case let .frame(frame, cues):
                frames.append(frame)
                cueList.append(contentsOf: cues)
            case let .tick(_, cues):
                cueList.append(contentsOf: cues)
            }
        }
    }

    var processed: [ProcessedFrame] {
        lock.lock()
        defer { lock.unlock() }
        return frames
    }

    var cues: [Cue] {
        lock.lock()
        defer { lock.unlock() }
        return cueList
    }
}

/// A sink that remembers whether it was finished.
final class FinishRecordingSink: CueSink {
    private(set) var received: [Cue] = []
    private(set) var finished = 0
    func receive(_ cue: Cue) { received.append(cue) }
    func finish() throws { finished += 1 }
}
