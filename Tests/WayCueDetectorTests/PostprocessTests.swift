import Foundation
import Testing
@testable import WayCueDetector
import WayCueImage

@Suite struct NMSTests {
    func det(_ c: ObjectClass, _ s: Float, _ x: Float) -> Detection {
        Detection(objectClass: c, score: s, box: Box(x1: x, y1: 0, x2: x + 10, y2: 10))
    }

    @Test func suppressesOverlapsOfTheSameClassOnly() {
        let input = [det(.pole, 0.5, 1), det(.pole, 0.9, 0), det(.cone, 0.8, 0), det(.pole, 0.7, 50)]
        let out = nonMaxSuppression(input, options: NMSOptions(iouThreshold: 0.5))
        #expect(out.map(\.score) == [0.9, 0.8, 0.7])
        let agnostic = nonMaxSuppression(input, options: NMSOptions(iouThreshold: 0.5, classAgnostic: true))
        #expect(agnostic.map(\.score) == [0.9, 0.7])
    }

    @Test func respectsMaxDetections() {
        let input = (0..<10).map { det(.cone, Float($0) / 10, Float($0) * 100) }
        #expect(nonMaxSuppression(input, options: NMSOptions(maxDetections: 3)).map(\.score) == [0.9, 0.8, 0.7])
    }

    @Test func detectionJSONMatchesTheCommandLineContract() throws {
        let d = Detection(objectClass: .pedGreen, score: 0.5, box: Box(x1: 1, y1: 2, x2: 3, y2: 4))
        let json = String(decoding: try JSONEncoder().encode(d), as: UTF8.self)
        #expect(json.contains("\"class\":\"ped_green\""))
        #expect(json.contains("\"box\":[1,2,3,4]"))
        #expect(try JSONDecoder().decode(Detection.self, from: Data(json.utf8)) == d)
    }
}

@Suite struct DistributionBoxDecoderTests {
    @Test func decodesAPeakedDistributionToExactDistances() {
        // One level of stride 8 on a 16x8 input: 2x1 cells, 2 classes, regMax 3 (4 bins).
        let decoder = DistributionBoxDecoder(classCount: 2, regMax: 3, strides: [8], centerOffset: 0.5)
        #expect(decoder.cellCount(inputWidth: 16, inputHeight: 8) == 2)
        var out = [Float](repeating: -20, count: 2 * decoder.valuesPerCell)
        // Cell 1 (x = 1): class 1 logit 2 -> score sigmoid(2); distances in bins: l=1, t=2, r=3, b=0.
        let base = decoder.valuesPerCell
        out[base + 1] = 2
        for (side, bin) in [1, 2, 3, 0].enumerated() { out[base + 2 + side * 4 + bin] = 30 }
        let cands = out.withUnsafeBufferPointer {
            decoder.decode($0, inputWidth: 16, inputHeight: 8, scoreThreshold: 0.3)
        }
        #expect(cands.count == 1)
        let c = cands[0]
        #expect(c.classIndex == 1)
        #expect(abs(c.score - 1 / (1 + exp(-2))) < 1e-6)
        // Centre (12, 4); l=8, t=16, r=24, b=0.
        #expect(abs(c.box.x1 - 4) < 1e-3 && abs(c.box.y1 - -12) < 1e-3)
        #expect(abs(c.box.x2 - 36) < 1e-3 && abs(c.box.y2 - 4) < 1e-3)
    }

    @Test func uniformDistributionGivesTheMeanBin() {
        let decoder = DistributionBoxDecoder(classCount: 1, regMax: 7, strides: [16], centerOffset: 0)
        var out = [Float](repeating: 0, count: decoder.valuesPerCell)
        out[0] = 5
        let cands = out.withUnsafeBufferPointer {
            decoder.decode($0, inputWidth: 16, inputHeight: 16, scoreThreshold: 0.5)
        }
        #expect(cands.count == 1)
        // Mean of bins 0...7 is 3.5, times stride 16 = 56 from the centre (0, 0).
        #expect(abs(cands[0].box.x1 + 56) < 1e-3 && abs(cands[0].box.x2 - 56) < 1e-3)
    }

    @Test func thresholdSkipsLowScores() {
        let decoder = DistributionBoxDecoder(classCount: 3, regMax: 7, strides: [8, 16])
        let n = decoder.cellCount(inputWidth: 32, inputHeight: 32) * decoder.valuesPerCell
        let out = [Float](repeating: -3, count: n)  // sigmoid(-3) = 0.047
        let none = out.withUnsafeBufferPointer { decoder.decode($0, inputWidth: 32, inputHeight: 32, scoreThreshold: 0.05) }
        let all = out.withUnsafeBufferPointer { decoder.decode($0, inputWidth: 32, inputHeight: 32, scoreThreshold: 0.04) }
        #expect(none.isEmpty)
        #expect(all.count == 16 + 4)
    }
}
