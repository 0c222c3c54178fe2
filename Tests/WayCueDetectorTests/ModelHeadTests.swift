import Foundation
import Testing
import WayCueImage
@testable import WayCueDetector

@Suite("Model heads")
struct ModelHeadTests {
    @Test("a head description survives its value name; WayCue's own keeps the dfl_head spelling")
    func valueNames() {
        let heads = [
            ModelHead(layout: .yolov8, strides: [8, 16, 32], scoresAreProbabilities: true, input: .ultralytics),
            ModelHead(layout: .yolov5, strides: [8, 16, 32], scoresAreProbabilities: true,
                      input: InputNormalization(channelOrder: .bgr, mean: [1, 2, 3], std: [4, 5, 6], resize: .stretch, padValue: 0)),
            ModelHead(layout: .distribution, regMax: 7, strides: [8, 16, 32, 64], centerOffset: 0, scoresAreProbabilities: true, input: .nanodet),
        ]
        for h in heads { #expect(ModelHead(valueName: h.valueName) == h, "\(h.valueName)") }
        let own = ModelHead(layout: .distribution, regMax: 7, strides: [8, 16, 32], centerOffset: 0.5)
        #expect(own.valueName.hasPrefix("dfl_head "))
        #expect(ModelHead(valueName: own.valueName) == own)
    }

    @Test("invalid or foreign names are not heads", arguments: [
        "output0", "waycue_head", "waycue_head layout=yolov9 strides=8", "waycue_head layout=yolov8",
        "waycue_head layout=yolov8 strides=8 std=0,1,1", "waycue_head layout=yolov8 strides=8 order=xyz",
        "waycue_head layout=yolov8 strides=8 pad=300", "waycue_head layout=yolov8 strides=8 mean=1,2",
        "waycue_head layout=distribution strides=8 regmax=0", "waycue_head layout=yolov8 strides=0",
    ])
    func invalid(_ name: String) {
        #expect(ModelHead(valueName: name) == nil)
    }

    @Test("fuzz: mutated head names never crash and what parses re-encodes to itself")
    func fuzz() {
        var rng = SystemRandomNumberGenerator()
        let seed = Array(ModelHead(layout: .yolov8, strides: [8, 16, 32], scoresAreProbabilities: true, input: .ultralytics).valueName.utf8)
        let alphabet = Array("0123456789=,. -abcdelmnoprstuvwxy_".utf8)
        for _ in 0..<3000 {
            var b = seed
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let i = Int.random(in: 0..<b.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: b[i] = alphabet.randomElement(using: &rng)!
                case 1: b.remove(at: i)
                default: b.insert(alphabet.randomElement(using: &rng)!, at: i)
                }
                if b.isEmpty { b = seed }
            }
            if let h = ModelHead(valueName: String(decoding: b, as: UTF8.self)) {
                #expect(ModelHead(valueName: h.valueName) == h)
            }
        }
    }

    @Test("YOLOv8 layout: channel-major boxes and class probabilities; every class over the threshold")
    func yolov8Decode() {
        let head = ModelHead(layout: .yolov8, strides: [8, 16, 32], scoresAreProbabilities: true, input: .ultralytics)
        let N = head.cellCount(inputWidth: 64, inputHeight: 32)   // 32 + 8 + 2
        #expect(N == 42)
        let C = 3
        var out = [Float](repeating: 0, count: N * (4 + C))
        func set(_ n: Int, _ box: [Float], _ scores: [Float]) {
            for k in 0..<4 { out[k * N + n] = box[k] }
            for c in 0..<C { out[(4 + c) * N + n] = scores[c] }
        }
        set(5, [20, 10, 8, 4], [0.1, 0.9, 0.6])
        set(40, [50, 20, 10, 10], [0.7, 0, 0])
        let d = out.withUnsafeBufferPointer { head.decode($0, classCount: C, inputWidth: 64, inputHeight: 32, scoreThreshold: 0.5) }
        #expect(d.count == 3)
        #expect(d.contains { $0.classIndex == 1 && $0.score == 0.9 && $0.box == Box(x1: 16, y1: 8, x2: 24, y2: 12) })
        #expect(d.contains { $0.classIndex == 2 && $0.score == 0.6 })
        #expect(d.contains { $0.classIndex == 0 && $0.box == Box(x1: 45, y1: 15, x2: 55, y2: 25) })
    }

    @Test("YOLOv5 layout: three anchors a cell, score = objectness x class probability")
    func yolov5Decode() {
        let head = ModelHead(layout: .yolov5, strides: [8, 16, 32], scoresAreProbabilities: true, input: .ultralytics)
        let N = head.cellCount(inputWidth: 32, inputHeight: 32)
        #expect(N == 3 * (16 + 4 + 1))
        let C = 2
        var out = [Float](repeating: 0, count: N * (5 + C))
        out.replaceSubrange(7 * 7..<8 * 7, with: [10, 10, 4, 6, 0.8, 0.25, 0.9])
        out.replaceSubrange(9 * 7..<10 * 7, with: [10, 10, 4, 6, 0.3, 1, 1])   // objectness too low
        let d = out.withUnsafeBufferPointer { head.decode($0, classCount: C, inputWidth: 32, inputHeight: 32, scoreThreshold: 0.5) }
        #expect(d.count == 1)
        #expect(d.first?.classIndex == 1 && abs((d.first?.score ?? 0) - 0.72) < 1e-6)
        #expect(d.first?.box == Box(x1: 8, y1: 7, x2: 12, y2: 13))
    }

    @Test("distribution heads with probabilities decode like the same head with logits")
    func probabilities() {
        let logits = ModelHead(layout: .distribution, regMax: 3, strides: [8, 16], centerOffset: 0)
        var probs = logits
        probs.scoresAreProbabilities = true
        let C = 2, per = C + 16, N = logits.cellCount(inputWidth: 32, inputHeight: 32)
        var rng = SystemRandomNumberGenerator()
        var out = (0..<(N * per)).map { _ in Float.random(in: -3...3, using: &rng) }
        let a = out.withUnsafeBufferPointer { logits.decode($0, classCount: C, inputWidth: 32, inputHeight: 32, scoreThreshold: 0.6) }
        for n in 0..<N { for c in 0..<C { out[n * per + c] = 1 / (1 + exp(-out[n * per + c])) } }
        let b = out.withUnsafeBufferPointer { probs.decode($0, classCount: C, inputWidth: 32, inputHeight: 32, scoreThreshold: 0.6) }
        #expect(a.count == b.count && !a.isEmpty)
        for (x, y) in zip(a, b) {
            #expect(x.classIndex == y.classIndex && abs(x.score - y.score) < 1e-4)
            #expect(abs(x.box.x1 - y.box.x1) < 1e-3 && abs(x.box.y2 - y.box.y2) < 1e-3)
        }
    }

    @Test("a stretch maps boxes back with two scales")
    func stretch() {
        let t = LetterboxTransform(sourceWidth: 640, sourceHeight: 480, stretchedToWidth: 320, height: 320)
        #expect(t.toSource(Box(x1: 160, y1: 160, x2: 320, y2: 320)) == Box(x1: 320, y1: 240, x2: 640, y2: 480))
    }
}
