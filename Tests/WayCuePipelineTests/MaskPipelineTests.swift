import Foundation
import Testing
import WayCueCues
import WayCueDetector
import WayCueImage
@testable import WayCuePipeline

/// How a detector's mask reaches the cue engine: one binary mask per class over the whole
/// frame at 1/8 of its size, through the pipeline's own letterbox when it applied one.
@Suite struct MaskPipelineTests {
    /// A mask whose class 0 covers the right half of the detector's input.
    static func rightHalf(imageWidth: Int, imageHeight: Int, input: Int) -> SegmentationMask {
        let t = LetterboxTransform(sourceWidth: imageWidth, sourceHeight: imageHeight, targetWidth: input, targetHeight: input)
        let g = input / 8
        var p = [Float](repeating: 0, count: 2 * g * g)
        for y in 0..<g { for x in g / 2..<g { p[y * g + x] = 0.9 } }
        return SegmentationMask(classNames: ["tactile_guide", "tactile_warning"], gridWidth: g, gridHeight: g, stride: 8,
                                probabilities: p, transform: t)
    }

    @Test func masksCoverTheFrameAtAnEighth() {
        let m = Self.rightHalf(imageWidth: 640, imageHeight: 480, input: 320)
        let cue = Pipeline.cueMasks(m, frameWidth: 640, frameHeight: 480, letterbox: nil)
        let guide = try! #require(cue[.tactileGuide]), warning = try! #require(cue[ObjectClass("tactile_warning")])
        #expect(guide.width == 80 && guide.height == 60 && guide.isValid)
        #expect(warning.values.allSatisfy { $0 == 0 })
        for row in 0..<60 {
            #expect(guide.values[row * 80 + 5] == 0)
            #expect(guide.values[row * 80 + 75] == 1)
        }
    }

    @Test func aPipelineLetterboxIsComposed() {
        // The pipeline letterboxed a 640x480 frame to 320x320 and the detector saw that image
        // (its own letterbox is then the identity): the right half still maps to the right half.
        let pre = LetterboxTransform(sourceWidth: 640, sourceHeight: 480, targetWidth: 320, targetHeight: 320)
        let m = Self.rightHalf(imageWidth: 320, imageHeight: 320, input: 320)
        let guide = Pipeline.cueMasks(m, frameWidth: 640, frameHeight: 480, letterbox: pre)[.tactileGuide]!
        #expect(guide.values[30 * 80 + 5] == 0 && guide.values[30 * 80 + 75] == 1)
    }
}
