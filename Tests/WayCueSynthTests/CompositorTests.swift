import Testing
import WayCueImage
@testable import WayCueSynth

@Suite struct CompositorTests {
    /// A stand-in photograph: a vertical gradient, brighter at the bottom.
    func photo() -> Image {
        var img = Image(width: 200, height: 150, format: .rgb8)
        for y in 0..<150 { for x in 0..<200 {
            let o = img.offset(x: x, y: y)
            img.pixels[o] = UInt8(60 + y / 2); img.pixels[o + 1] = UInt8(70 + y / 2); img.pixels[o + 2] = UInt8(80 + y / 3)
        } }
        return img
    }

    @Test func pastedObjectsAreLabelledAndDeterministic() {
        let camera = CameraModel(imageWidth: 160, imageHeight: 120, horizontalFOVDegrees: 70, height: 1.3, pitchDegrees: 15)
        var labelled = 0
        for seed: UInt64 in 0..<12 {
            let a = SynthCompositor.composite(photo: photo(), seed: seed, camera: camera)
            let b = SynthCompositor.composite(photo: photo(), seed: seed, camera: camera)
            #expect(a.image.pixels == b.image.pixels)
            #expect(a.image.width == 160 && a.image.height == 120)
            for l in a.labels {
                #expect([.cone, .bollard, .pole, .pedRed, .pedGreen, .vehicleRed, .vehicleYellow, .vehicleGreen].contains(l.objectClass))
                // Every labelled box holds pixels whose id is that object's.
                #expect(l.pixels >= SynthRenderer.minimumLabelPixels)
            }
            labelled += a.labels.count
            // Pixels far from any object keep the photo (up to sensor noise).
            let bg = photo().resized(width: 160, height: 120)
            var unchanged = 0, total = 0
            for i in 0..<a.ids.count where a.ids[i] == 0 {
                total += 1
                if abs(Int(a.image.pixels[i * 3]) - Int(bg.pixels[i * 3])) <= 12 { unchanged += 1 }
            }
            #expect(Double(unchanged) > 0.97 * Double(total))
        }
        #expect(labelled > 0)
    }
}

@Suite struct GroundPhotoTests {
    @Test func groundPhotoReplacesTheProceduralSurface() {
        let camera = CameraModel(imageWidth: 80, imageHeight: 60, horizontalFOVDegrees: 70, height: 1.3, pitchDegrees: 15)
        var photo = Image(width: 8, height: 8, format: .rgb8)
        for i in Swift.stride(from: 0, to: photo.pixels.count, by: 3) { photo.pixels[i] = 200; photo.pixels[i + 1] = 40; photo.pixels[i + 2] = 30 }
        let scene = SynthScene(camera: camera, ground: GroundLayout(), groundBounds: [-3, -1, 3, 10], texel: 0.05,
                               lighting: SynthLighting(sunStrength: 0, ambient: 1, hazeDistance: 1000), seed: 1)
        let frame = SynthRenderer(scene: scene, groundPhoto: GroundPhoto(image: photo, widthMetres: 1)).render(pose: WalkerPose())
        let o = frame.image.offset(x: 40, y: 55)
        #expect(frame.image.pixels[o] > 150 && frame.image.pixels[o + 1] < 70 && frame.image.pixels[o + 2] < 60)
        let plain = SynthRenderer(scene: scene).render(pose: WalkerPose())
        #expect(abs(Int(plain.image.pixels[o]) - Int(plain.image.pixels[o + 1])) < 30)
    }
}
