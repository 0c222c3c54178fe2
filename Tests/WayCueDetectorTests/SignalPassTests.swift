import Foundation
import Testing
import WayCueImage
@testable import WayCueDetector

/// The high-resolution signal pass: where its tiles lie, what they feed the model, and that
/// the bundled detector merges it with the full-frame pass.
@Suite struct SignalPassTests {
    @Test func tilesAtCommonCameraSizes() {
        let o = SignalPassOptions()
        let vga = SignalPassPlan.tiles(imageWidth: 640, imageHeight: 480, inputWidth: 320, inputHeight: 320, options: o)
        #expect(vga.count == 2)
        #expect(vga.allSatisfy { $0.scale == 1 && $0.source.y1 == 0 && $0.source.height == 288 })
        #expect(vga.map(\.source.x1) == [0, 320])
        let street = SignalPassPlan.tiles(imageWidth: 800, imageHeight: 800, inputWidth: 320, inputHeight: 320, options: o)
        #expect(street.count == 6 && street.allSatisfy { $0.scale == 1 })
        // 1280x720 at native resolution would need 8 tiles: resampled smaller to fit 6.
        let hd = SignalPassPlan.tiles(imageWidth: 1280, imageHeight: 720, inputWidth: 320, inputHeight: 320, options: o)
        #expect(hd.count <= 6 && hd.count >= 2 && hd[0].scale < 1)
        #expect(SignalPassPlan.tiles(imageWidth: 0, imageHeight: 480, inputWidth: 320, inputHeight: 320, options: o).isEmpty)
    }

    @Test func tilesCoverTheWholeBandForAnySize() {
        var x: UInt64 = 99
        func next(_ n: Int) -> Int { x = x &* 6364136223846793005 &+ 1442695040888963407; return Int(x >> 33) % n }
        for _ in 0..<300 {
            let W = 40 + next(2500), H = 40 + next(2000)
            var o = SignalPassOptions()
            o.bandTop = Float(next(40)) / 100
            o.bandBottom = o.bandTop + 0.05 + Float(next(50)) / 100
            o.maxTiles = 1 + next(8)
            o.scale = 0.5 + Float(next(150)) / 100
            let tiles = SignalPassPlan.tiles(imageWidth: W, imageHeight: H, inputWidth: 320, inputHeight: 256, options: o)
            #expect(!tiles.isEmpty && tiles.count <= o.maxTiles, "\(W)x\(H) \(o): \(tiles.count) tiles")
            for t in tiles {
                #expect(t.source.width * t.scale <= 320.5 && t.source.height * t.scale <= 256.5)
                #expect(t.source.x1 >= -0.01 && t.source.x2 <= Float(W) + 0.01)
            }
            for _ in 0..<20 {
                let px = Float(next(W)) + 0.5
                let py = Float(H) * o.bandTop + (Float(H) * (o.bandBottom - o.bandTop) - 1) * Float(next(1000)) / 1000 + 0.5
                #expect(tiles.contains { px >= $0.source.x1 && px <= $0.source.x2 && py >= $0.source.y1 - 0.01 && py <= $0.source.y2 + 0.01 },
                        "\(W)x\(H): (\(px), \(py)) in no tile")
            }
        }
    }

    @Test func bandFollowsTheCameraPitch() {
        let level = SignalPassOptions.band(for: CameraModel(imageWidth: 640, imageHeight: 480, horizontalFOVDegrees: 70, height: 1.6, pitchDegrees: 0))
        let down = SignalPassOptions.band(for: CameraModel.chestDefault)  // 15 degrees down
        #expect(level.top == 0 && down.top == 0)
        #expect(level.bottom > 0.5 && level.bottom < 0.6, "a level camera sees signal heads above its centre row: \(level)")
        #expect(down.bottom < level.bottom, "pitched down, the heads move up the frame")
    }

    @Test func tileInputIsTheSourceAtNativeResolution() throws {
        var img = Image(width: 700, height: 500, format: .rgb8, fill: 0)
        img.fillRectangle(x: 400, y: 100, width: 10, height: 12, color: .red)
        let tiles = SignalPassPlan.tiles(imageWidth: 700, imageHeight: 500, inputWidth: 320, inputHeight: 320, options: SignalPassOptions())
        #expect(tiles.allSatisfy { $0.source.x1 == $0.source.x1.rounded() && $0.source.width == $0.source.width.rounded() },
                "tiles are whole-pixel crops")
        let tile = try #require(tiles.first { $0.source.x1 <= 400 && $0.source.x2 >= 420 })
        // What the detector feeds the model for this tile: the crop letterboxed like a frame.
        let r = tile.source
        let boxed = try img.cropped(x: Int(r.x1), y: Int(r.y1), width: Int(r.width), height: Int(r.height))
            .letterboxed(toWidth: 320, height: 320)
        #expect(boxed.transform.scaleX == 1 && boxed.transform.scaleY == 1, "native resolution")
        let input = boxed.image
        func px(_ x: Float, _ y: Float) -> [UInt8] {
            let p = boxed.transform.toTarget(x: x - r.x1, y: y - r.y1)
            let o = Int(p.y) * input.stride + Int(p.x) * 3
            return Array(input.pixels[o..<(o + 3)])
        }
        #expect(px(405, 105) == [255, 0, 0])
        #expect(px(399, 105) == [0, 0, 0])
        #expect(Array(input.pixels[(input.height - 1) * input.stride..<((input.height - 1) * input.stride + 3)])
                == [Image.letterboxPadValue, Image.letterboxPadValue, Image.letterboxPadValue], "below the band: pad")
    }

    @Test func badOptionsAreErrors() {
        for o in [SignalPassOptions(bandTop: 0.7, bandBottom: 0.6), SignalPassOptions(scale: 0), SignalPassOptions(maxTiles: 0),
                  SignalPassOptions(every: 0), SignalPassOptions(bandTop: .nan)] {
            #expect(throws: DetectorError.self) { try o.validate() }
        }
    }

    @Test func bundledDetectorMergesTheSignalPass() throws {
        let d = try Detector.default(threads: 1)
        #expect((d.signalPass != nil) == Detector.defaultModelUsesSignalPass)
        d.signalPass = SignalPassOptions()
        #expect(d.signalPassOptions != nil)
        var img = Image(width: 640, height: 480, format: .rgb8, fill: 90)
        img.fillRectangle(x: 100, y: 300, width: 200, height: 120, color: .white)
        let full = try d.detectFullFrame(img)
        let off = try d.detect(img, includeSignalPass: false)
        let on = try d.detect(img, includeSignalPass: true)
        #expect(off == full)
        // The signal pass only adds signal classes; everything else is the full frame's.
        #expect(on.filter { !SignalPassOptions.signalClasses.contains($0.objectClass) } == full.filter { !SignalPassOptions.signalClasses.contains($0.objectClass) })
    }
}
