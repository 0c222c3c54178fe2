import Foundation
import Testing
import WayCueCues
import WayCueDetector
import WayCueImage
@testable import WayCuePipeline

/// A signal-pass detector double: records what the pipeline gives it and when it was asked for
/// the signal pass; reports a green pedestrian light only when the signal pass runs.
final class SignalPassDouble: SignalPassDetecting, @unchecked Sendable {
    let modelID = "signal pass double"
    let classes: [ObjectClass] = [.pedGreen, .cone]
    let signalPassOptions: SignalPassOptions?
    private let lock = NSLock()
    private(set) var flags: [Bool] = []
    private(set) var sizes: [[Int]] = []

    init(every: Int) { signalPassOptions = SignalPassOptions(every: every) }

    func detect(_ image: Image) throws -> [Detection] { try detect(image, includeSignalPass: true) }

    func detect(_ image: Image, includeSignalPass: Bool) throws -> [Detection] {
        lock.lock()
        flags.append(includeSignalPass)
        sizes.append([image.width, image.height])
        lock.unlock()
        var found = [Detection(objectClass: .cone, score: 0.9, box: Box(x1: 1, y1: 30, x2: 9, y2: 40))]
        if includeSignalPass { found.append(Detection(objectClass: .pedGreen, score: 0.95, box: Box(x1: 30, y1: 2, x2: 34, y2: 10))) }
        return found
    }
}

@Suite struct SignalPassPipelineTests {
    @Test func signalPassRunsEveryNthFrameOnWholeFramesAndMarksTheRestPartial() throws {
        let detector = SignalPassDouble(every: 3)
        let log = EventLog()
        var options = PipelineOptions()
        options.inputSize = 32  // ignored for a signal-pass detector: it letterboxes itself
        options.mode = .everyFrame
        let report = try Pipeline(source: GeneratedSource(count: 10), detector: detector, options: options, observer: log.observer).run()
        #expect(detector.flags == [true, false, false, true, false, false, true, false, false, true])
        #expect(detector.sizes.allSatisfy { $0 == [64, 48] }, "the detector gets whole frames: \(detector.sizes)")
        #expect(log.processed.map(\.signalCoverage) == detector.flags.map { $0 ? .complete : .partial })
        #expect(report.stats.signalPasses == 4)
        // Boxes stay in frame pixels (no letterbox to undo).
        #expect(log.processed.first?.detections.contains { $0.box == Box(x1: 30, y1: 2, x2: 34, y2: 10) } == true)
    }

    @Test func detectorsWithoutASignalPassStillGetLetterboxedCompleteFrames() throws {
        let detector = SlowDetector(delay: 0)
        let log = EventLog()
        var options = PipelineOptions()
        options.inputSize = 128
        options.mode = .everyFrame
        let report = try Pipeline(source: GeneratedSource(count: 4), detector: detector, options: options, observer: log.observer).run()
        #expect(detector.sizes == [[128, 128]])
        #expect(log.processed.allSatisfy { $0.signalCoverage == .complete })
        #expect(report.stats.signalPasses == 0)
    }
}
