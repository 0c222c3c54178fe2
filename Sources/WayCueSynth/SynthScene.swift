import Foundation
import WayCueImage

/// Light and atmosphere of a scene.
public struct SynthLighting: Sendable, Hashable, Codable {
    /// Compass direction the sunlight comes from, degrees (0: from world `+y`).
    public var sunAzimuth: Double
    /// Sun height above the horizon, degrees.
    public var sunElevation: Double
    /// Direct sunlight, 0 (overcast, no shadows) to 1 (clear).
    public var sunStrength: Double
    /// Sky light on every surface.
    public var ambient: Double
    /// Overall exposure multiplier.
    public var exposure: Double
    /// Sky colour at the zenith and at the horizon.
    public var skyTop: SynthColor
    public var skyHorizon: SynthColor
    /// Distance (m) at which haze hides half of the ground's contrast.
    public var hazeDistance: Double

    /// Creates lighting; defaults are a bright, slightly hazy afternoon.
    public init(sunAzimuth: Double = 220, sunElevation: Double = 40, sunStrength: Double = 0.7,
                ambient: Double = 0.55, exposure: Double = 1, skyTop: SynthColor = SynthColor(110, 150, 205),
                skyHorizon: SynthColor = SynthColor(200, 212, 225), hazeDistance: Double = 60) {
        self.sunAzimuth = sunAzimuth; self.sunElevation = sunElevation; self.sunStrength = sunStrength
        self.ambient = ambient; self.exposure = exposure; self.skyTop = skyTop; self.skyHorizon = skyHorizon
        self.hazeDistance = hazeDistance
    }

    /// Unit vector towards the sun.
    var sunDirection: SynthPoint3 {
        let az = sunAzimuth * .pi / 180, el = sunElevation * .pi / 180
        return SynthPoint3(x: sin(az) * cos(el), y: cos(az) * cos(el), z: sin(el))
    }
}

/// Camera and sensor imperfections applied after drawing.
public struct SynthEffects: Sendable, Hashable, Codable {
    /// Standard deviation of per-pixel sensor noise, in 8-bit levels.
    public var noise: Double
    /// Horizontal motion blur length in pixels (0: none).
    public var horizontalBlur: Int
    /// Vertical motion blur length in pixels (0: none).
    public var verticalBlur: Int
    /// Darkening of the corners, 0 to 1.
    public var vignette: Double
    /// JPEG quality for a compression round trip (0: none).
    public var jpegQuality: Int

    /// Creates effects; none by default.
    public init(noise: Double = 0, horizontalBlur: Int = 0, verticalBlur: Int = 0, vignette: Double = 0,
                jpegQuality: Int = 0) {
        self.noise = noise; self.horizontalBlur = horizontalBlur; self.verticalBlur = verticalBlur
        self.vignette = vignette; self.jpegQuality = jpegQuality
    }
}

/// Everything needed to draw a scene: camera, ground, objects, light, effects.
public struct SynthScene: Sendable, Hashable, Codable {
    public var camera: CameraModel
    public var ground: GroundLayout
    /// World area the ground painting covers (minX, minY, maxX, maxY), metres.
    public var groundBounds: [Double]
    /// Size of a ground texel, metres.
    public var texel: Double
    public var objects: [SynthObject]
    public var lighting: SynthLighting
    public var effects: SynthEffects
    /// The seed of textures and noise.
    public var seed: UInt64

    /// Creates a scene.
    public init(camera: CameraModel, ground: GroundLayout, groundBounds: [Double] = [-6, -2, 6, 40],
                texel: Double = 0.01, objects: [SynthObject] = [], lighting: SynthLighting = SynthLighting(),
                effects: SynthEffects = SynthEffects(), seed: UInt64) {
        self.camera = camera; self.ground = ground; self.groundBounds = groundBounds; self.texel = texel
        self.objects = objects; self.lighting = lighting; self.effects = effects; self.seed = seed
    }
}

/// One exact label: a class and the box of the pixels where its object is visible.
public struct SynthLabel: Sendable, Hashable, Codable {
    public var objectClass: SynthClass
    /// Box in pixel coordinates (edges, so a one-pixel object at column 3 spans 3 to 4).
    public var box: Box
    /// Visible pixels of the object.
    public var pixels: Int
    /// Index into the scene's objects, or `nil` for ground markings.
    public var objectIndex: Int?

    /// The label as a YOLO txt line: `class cx cy w h`, normalised by the image size.
    public func yoloLine(imageWidth: Int, imageHeight: Int) -> String {
        let w = Float(imageWidth), h = Float(imageHeight)
        func f(_ v: Float) -> String { String(format: "%.6f", Double(v)) }
        return "\(objectClass.index) \(f(box.centerX / w)) \(f(box.centerY / h)) \(f(box.width / w)) \(f(box.height / h))"
    }
}

/// A rendered frame with its exact labels.
public struct SynthFrame: Sendable {
    /// The picture.
    public var image: Image
    /// Per-pixel id: 0 ground or sky, 1...255 a ground-marking component, 1024 + k object `k`.
    public var ids: [UInt16]
    /// Class of each ground component id (index `id - 1`).
    public var groundClasses: [SynthClass]
    /// One label per visible object and ground-marking component.
    public var labels: [SynthLabel]

    /// Ids of 3-D objects start here.
    public static let objectIdBase = Int(SynthRaster.objectIdBase)

    /// A grey mask of ground markings: 0 elsewhere, `1 + class index` where a tactile guide,
    /// tactile warning or crosswalk pixel is visible (so 1, 2 or 3).
    public func markingMask() -> Image {
        var m = Image(width: image.width, height: image.height, format: .grey8)
        for i in 0..<ids.count {
            let id = Int(ids[i])
            if id > 0 && id < SynthFrame.objectIdBase && id <= groundClasses.count {
                m.pixels[i] = UInt8(groundClasses[id - 1].index + 1)
            }
        }
        return m
    }

    /// The YOLO txt content of all labels.
    public func yoloText() -> String {
        labels.map { $0.yoloLine(imageWidth: image.width, imageHeight: image.height) + "\n" }.joined()
    }
}
