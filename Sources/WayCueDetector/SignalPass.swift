import Foundation
import WayCueImage

/// Settings of the detector's high-resolution signal pass.
///
/// A traffic signal across the street is 5-20 px wide in a 640x480 or 1280x720 camera frame; the
/// full frame letterboxed to a 320 px model input shrinks it to 2-10 px, too small to see. The
/// signal pass looks again at the horizontal band where signal heads stand, in tiles of the
/// model's input size at (up to) the camera's native resolution, and keeps only signal classes
/// from them; its detections are merged with the full-frame pass by non-maximum suppression.
///
/// Cost: one extra model run per tile (``SignalPassPlan/tiles(imageWidth:imageHeight:inputWidth:inputHeight:options:)``
/// says how many): two at 640x480 with the default band, so about three times the full-frame
/// pass alone. A caller may run it on every N-th frame (``every``); the cue layer then counts
/// only frames with the signal pass as complete signal evidence.
public struct SignalPassOptions: Sendable, Hashable, Codable {
    /// Top of the band as a fraction of the image height (0 = top row).
    public var bandTop: Float
    /// Bottom of the band as a fraction of the image height.
    public var bandBottom: Float
    /// Resampling of the band before tiling (1 = native resolution; above 1 upsamples).
    public var scale: Float
    /// Most tiles per image; when the band at ``scale`` needs more, it is resampled smaller
    /// until it fits.
    public var maxTiles: Int
    /// Classes taken from the tiles (the signal heads).
    public var classes: Set<ObjectClass>
    /// Run the signal pass on every N-th frame of a stream (1 = every frame). Single images
    /// always get it.
    public var every: Int

    /// Creates settings; the defaults look at the top 60% of the frame at native resolution in
    /// at most 6 tiles, every frame, for pedestrian and vehicle signals.
    public init(bandTop: Float = 0, bandBottom: Float = 0.6, scale: Float = 1, maxTiles: Int = 6,
                classes: Set<ObjectClass> = SignalPassOptions.signalClasses, every: Int = 1) {
        self.bandTop = bandTop
        self.bandBottom = bandBottom
        self.scale = scale
        self.maxTiles = maxTiles
        self.classes = classes
        self.every = every
    }

    /// Pedestrian and vehicle signal states.
    public static let signalClasses: Set<ObjectClass> = [.pedRed, .pedGreen, .vehicleRed, .vehicleYellow, .vehicleGreen]

    /// The band where signal heads stand for a worn camera: heads 2-6 m above the ground and
    /// 4-40 m ahead, projected through `camera` (its pitch and height), with a margin of 5% of
    /// the frame. Falls back to the default band when nothing projects into the frame.
    public static func band(for camera: CameraModel) -> (top: Float, bottom: Float) {
        var vs: [Double] = []
        for d in [4.0, 8, 15, 25, 40] {
            for z in [2.0, 3, 4.5, 6] {
                if let p = camera.project(x: 0, y: d, z: z) { vs.append(p.v) }
            }
        }
        let h = Double(camera.imageHeight)
        guard h > 0, let lo = vs.min(), let hi = vs.max(), hi > 0, lo < h else { return (0, 0.6) }
        let top = max(0, lo / h - 0.05), bottom = min(1, hi / h + 0.05)
        return bottom > top ? (Float(top), Float(bottom)) : (0, 0.6)
    }

    /// Validates the settings.
    public func validate() throws {
        guard bandTop.isFinite, bandBottom.isFinite, bandTop >= 0, bandBottom <= 1, bandBottom > bandTop else {
            throw DetectorError.badImage("signal pass band \(bandTop)...\(bandBottom) must lie in 0...1 and not be empty")
        }
        guard scale.isFinite, scale > 0, scale <= 4 else {
            throw DetectorError.badImage("signal pass scale \(scale) must be in (0, 4]")
        }
        guard maxTiles >= 1, maxTiles <= 64, every >= 1 else {
            throw DetectorError.badImage("signal pass needs 1...64 tiles and every >= 1")
        }
    }
}

/// Where the signal pass's tiles lie in an image.
public enum SignalPassPlan {
    /// One tile: the image region it covers and the resampling applied to it.
    public struct Tile: Sendable, Hashable {
        /// The covered region in source pixels (whole pixels: a crop of the image).
        public var source: Box
        /// Model-input pixels per source pixel.
        public var scale: Float
    }

    /// The tiles for an image of the given size: the band resampled by the options' scale
    /// (reduced until at most `maxTiles` tiles cover it), cut into input-sized tiles that overlap
    /// evenly where the band does not divide exactly. Each tile is then letterboxed to the
    /// model's input like a whole frame, which at the tile's scale it fills. Empty when the image is too small for
    /// the band to hold a row.
    public static func tiles(imageWidth W: Int, imageHeight H: Int, inputWidth S: Int, inputHeight T: Int,
                             options o: SignalPassOptions) -> [Tile] {
        guard W > 0, H > 0, S > 0, T > 0 else { return [] }
        let y0 = Float(H) * o.bandTop, y1 = Float(H) * o.bandBottom
        guard y1 - y0 >= 1 else { return [] }
        var scale = o.scale
        func counts(_ s: Float) -> (Int, Int) {
            // Tiles needed across and down (a hair of tolerance so exact fits stay exact).
            (max(1, Int((Float(W) * s / Float(S) - 1e-4).rounded(.up))), max(1, Int(((y1 - y0) * s / Float(T) - 1e-4).rounded(.up))))
        }
        var (cols, rows) = counts(scale)
        while cols * rows > o.maxTiles && scale > 0.05 {
            scale *= 0.9
            (cols, rows) = counts(scale)
        }
        // Tile size in whole source pixels, clipped to the band (tiles are crops of the image).
        let top = Int(y0.rounded()), bottom = max(Int(y1.rounded()), Int(y0.rounded()) + 1)
        let tw = min(Int(Float(S) / scale), W), th = min(Int(Float(T) / scale), bottom - top)
        var out: [Tile] = []
        for r in 0..<rows {
            let ty = rows == 1 ? top : top + (bottom - top - th) * r / (rows - 1)
            for c in 0..<cols {
                let tx = cols == 1 ? 0 : (W - tw) * c / (cols - 1)
                out.append(Tile(source: Box(x1: Float(tx), y1: Float(ty), x2: Float(tx + tw), y2: Float(ty + th)), scale: scale))
            }
        }
        return out
    }
}

extension Detector {
    /// Detects objects in one image with the full-frame pass and, when `signalPass` is given,
    /// the high-resolution signal pass merged in (see ``SignalPassOptions``); boxes are in the
    /// image's pixels.
    public func detect(_ image: Image, signalPass: SignalPassOptions?) throws -> [Detection] {
        try detect(image, signalPass: signalPass, fullFrame: try detectFullFrame(image))
    }

    /// Adds the signal pass's detections to the full frame's (already found).
    func detect(_ image: Image, signalPass: SignalPassOptions?, fullFrame full: [Detection]) throws -> [Detection] {
        guard let o = signalPass, (signalModel ?? self).classNames.contains(where: { o.classes.contains(ObjectClass($0)) }) else {
            return full
        }
        try o.validate()
        var found = full
        // The tiles run through the signal model when one is set (a specialist for distant heads).
        // Each tile is a crop letterboxed like a whole frame: at the tile's scale it fills the input.
        let m = signalModel ?? self
        for tile in SignalPassPlan.tiles(imageWidth: image.width, imageHeight: image.height, inputWidth: m.inputWidth,
                                         inputHeight: m.inputHeight, options: o) {
            let r = tile.source
            let crop = try image.cropped(x: Int(r.x1), y: Int(r.y1), width: Int(r.width), height: Int(r.height))
            // Not clipped to the tile: a head cut by the tile's edge keeps its whole box, clipped to the image.
            for d in try m.candidates(crop, scoreThreshold: scoreThreshold, clip: false) where o.classes.contains(d.objectClass) {
                let b = Box(x1: max(0, d.box.x1 + r.x1), y1: max(0, d.box.y1 + r.y1),
                            x2: min(Float(image.width), d.box.x2 + r.x1), y2: min(Float(image.height), d.box.y2 + r.y1))
                guard b.x2 > b.x1, b.y2 > b.y1 else { continue }
                found.append(Detection(objectClass: d.objectClass, score: d.score, box: b))
            }
        }
        return nonMaxSuppression(found, options: nms)
    }
}

/// A detector whose high-resolution signal pass a stream may run on some frames only.
///
/// The walking pipeline gives such a detector whole camera frames (it letterboxes them
/// itself), runs the signal pass on every ``SignalPassOptions/every``-th frame, and tells the
/// cue layer which frames had it: only those count as complete evidence about signals.
public protocol SignalPassDetecting: ObjectDetecting {
    /// The signal pass settings, nil when the detector has none (it then runs like any other).
    var signalPassOptions: SignalPassOptions? { get }
    /// Finds objects in a whole frame; with `includeSignalPass` false, the full-frame pass only.
    func detect(_ image: Image, includeSignalPass: Bool) throws -> [Detection]
}

extension Detector: SignalPassDetecting {
    /// ``signalPass`` when the model has any of its classes, else nil.
    public var signalPassOptions: SignalPassOptions? {
        guard let o = signalPass, (signalModel ?? self).classNames.contains(where: { o.classes.contains(ObjectClass($0)) }) else { return nil }
        return o
    }

    /// The full-frame pass, plus the signal pass when `includeSignalPass` and ``signalPass`` is set.
    public func detect(_ image: Image, includeSignalPass: Bool) throws -> [Detection] {
        try detect(image, signalPass: includeSignalPass ? signalPass : nil)
    }
}
