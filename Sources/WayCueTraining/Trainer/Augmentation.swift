import Foundation
import WayCueDetector
import WayCueImage
import WayCueNN

/// Augmentation settings (probabilities and ranges).
public struct AugmentationConfig: Sendable, Codable, Equatable {
    /// Random scale around the letterbox fit, as `[min, max]`.
    public var scale: [Float] = [0.6, 1.4]
    /// Random shift of the image centre, as a fraction of the input size.
    public var translate: Float = 0.15
    /// Aspect-ratio jitter `[min, max]` (width factor over height factor).
    public var aspect: [Float] = [0.85, 1.18]
    /// Probability of a horizontal flip (only when every box's class allows it).
    public var flip: Float = 0.5
    /// Probability of a 2x2 mosaic.
    public var mosaic: Float = 0.5
    /// Saturation gain range.
    public var saturation: [Float] = [0.6, 1.4]
    /// Brightness (value) gain range.
    public var brightness: [Float] = [0.65, 1.35]
    /// Contrast gain range.
    public var contrast: [Float] = [0.75, 1.25]
    /// Probability of a 3x3 box blur.
    public var blur: Float = 0.1
    /// Probability of Gaussian noise (sigma up to 6 grey levels).
    public var noise: Float = 0.1
    /// Boxes keeping less than this fraction of their area after cropping are dropped.
    public var minVisible: Float = 0.3

    /// Default settings.
    public init() {}
    /// No augmentation (plain letterbox): for evaluation and tests.
    public static var none: AugmentationConfig {
        var a = AugmentationConfig()
        a.scale = [1, 1]; a.translate = 0; a.aspect = [1, 1]; a.flip = 0; a.mosaic = 0
        a.saturation = [1, 1]; a.brightness = [1, 1]; a.contrast = [1, 1]; a.blur = 0; a.noise = 0
        return a
    }
}

/// A part of an augmented image that came from one labelled photo, with the model classes that
/// photo is annotated for (partial labels: see ``LabeledSample/annotatedClasses``).
public struct AnnotatedRegion: Sendable, Equatable {
    /// The region in input pixels.
    public var rect: Box
    /// Per model class, whether the photo is annotated for it; nil for every class.
    public var annotated: [Bool]?
    /// Creates a region.
    public init(rect: Box, annotated: [Bool]?) { self.rect = rect; self.annotated = annotated }
}

/// One training example after augmentation: the input image (`size` x `size` RGB) and its boxes.
public struct AugmentedSample: Sendable {
    /// The image at the model's input size.
    public var image: Image
    /// Boxes in input pixels.
    public var targets: [TargetBox]
    /// Regions of the image whose photo labels only some classes (empty: every class
    /// everywhere); the loss ignores the other classes inside them. A later region wins.
    public var regions: [AnnotatedRegion]
    /// Boxes inside which their class is ignored by the loss (teacher boxes of low
    /// confidence, objects cut by a crop below the visibility limit).
    public var ignores: [TargetBox]
    /// Creates an example.
    public init(image: Image, targets: [TargetBox], regions: [AnnotatedRegion] = [], ignores: [TargetBox] = []) {
        self.image = image
        self.targets = targets
        self.regions = regions
        self.ignores = ignores
    }

    /// Per prior, a bit mask of the classes (bit `c` for class `c`) the loss ignores there:
    /// classes the prior's region is not annotated for, and the class of every ignore box
    /// holding the prior's centre.
    public func ignoreMasks(priors: [Prior], classCount: Int) -> [UInt64]? {
        let partial = regions.contains { $0.annotated != nil }
        guard partial || !ignores.isEmpty else { return nil }
        precondition(classCount <= 64, "ignore masks hold at most 64 classes")
        let regionMask: [UInt64] = regions.map { r in
            guard let a = r.annotated else { return 0 }
            var m: UInt64 = 0
            for c in 0..<min(classCount, a.count) where !a[c] { m |= 1 << UInt64(c) }
            return m
        }
        var out = [UInt64](repeating: 0, count: priors.count)
        for (i, p) in priors.enumerated() {
            var m: UInt64 = 0
            for (k, r) in regions.enumerated().reversed()
            where p.cx >= r.rect.x1 && p.cx < r.rect.x2 && p.cy >= r.rect.y1 && p.cy < r.rect.y2 {
                m = regionMask[k]
                break
            }
            for t in ignores where t.classIndex < classCount
            && p.cx >= t.box.x1 && p.cx <= t.box.x2 && p.cy >= t.box.y1 && p.cy <= t.box.y2 {
                m |= 1 << UInt64(t.classIndex)
            }
            out[i] = m
        }
        return out
    }
}

/// A source image with its boxes in pixels and class indices.
struct SourceImage {
    var image: Image
    var boxes: [TargetBox]
    var flipOK: Bool
    /// Per model class, whether the photo is annotated for it; nil for every class.
    var annotated: [Bool]? = nil
    /// Ignore regions in pixels.
    var ignores: [TargetBox] = []
    /// This photo's scale range (its dataset's `scale:`), nil for the run's.
    var scale: [Float]? = nil
}

/// Turns labelled images into augmented model inputs, reproducibly from a seed.
public struct Augmenter: Sendable {
    /// Settings.
    public var config: AugmentationConfig
    /// Input size.
    public var size: Int

    /// Creates an augmenter.
    public init(config: AugmentationConfig, size: Int) { self.config = config; self.size = size }

    /// Builds one example from `load(k)` for source indices drawn by the caller (four for a mosaic).
    func make(_ sources: [SourceImage], rng: inout SplitMix64) -> AugmentedSample {
        let S = size
        var canvas = Image(width: S, height: S, format: .rgb8, fill: Image.letterboxPadValue)
        var targets: [TargetBox] = []
        var regions: [AnnotatedRegion] = []
        var ignores: [TargetBox] = []
        func u(_ r: [Float]) -> Float { r[0] == r[1] ? r[0] : rng.nextFloat(in: r[0]...r[1]) }
        if sources.count == 4 {
            let cx = Float(S) * rng.nextFloat(in: 0.3...0.7), cy = Float(S) * rng.nextFloat(in: 0.3...0.7)
            let rects = [Box(x1: 0, y1: 0, x2: cx, y2: cy), Box(x1: cx, y1: 0, x2: Float(S), y2: cy),
                         Box(x1: 0, y1: cy, x2: cx, y2: Float(S)), Box(x1: cx, y1: cy, x2: Float(S), y2: Float(S))]
            for (k, src) in sources.enumerated() {
                let w = Float(src.image.width), h = Float(src.image.height)
                let range = src.scale ?? config.scale
                let s = Float(S) / max(w, h) * u([range[0] * 0.6, range[1] * 0.6])
                let a = u(config.aspect)
                let sx = s * a.squareRoot(), sy = s / a.squareRoot()
                let tx = (k % 2 == 0) ? cx - w * sx : cx
                let ty = (k < 2) ? cy - h * sy : cy
                let flip = src.flipOK && rng.nextFloat(in: 0...1) < config.flip
                let placed = place(src, into: &canvas, clip: rects[k], sx: sx, sy: sy, tx: tx, ty: ty, flip: flip)
                targets += placed.targets
                ignores += placed.ignores
                if let r = placed.region { regions.append(r) }
            }
        } else {
            let src = sources[0]
            let w = Float(src.image.width), h = Float(src.image.height)
            let s = Float(S) / max(w, h) * u(src.scale ?? config.scale)
            let a = u(config.aspect)
            let sx = s * a.squareRoot(), sy = s / a.squareRoot()
            let jx = config.translate > 0 ? rng.nextFloat(in: -config.translate...config.translate) : 0
            let jy = config.translate > 0 ? rng.nextFloat(in: -config.translate...config.translate) : 0
            var tx = (Float(S) - w * sx) / 2 + jx * Float(S), ty = (Float(S) - h * sy) / 2 + jy * Float(S)
            // Zoomed past the canvas (a crop at near-native resolution): any crop of the photo.
            if w * sx > Float(S) * 1.3 { tx = rng.nextFloat(in: (Float(S) - w * sx)...0) }
            if h * sy > Float(S) * 1.3 { ty = rng.nextFloat(in: (Float(S) - h * sy)...0) }
            let flip = src.flipOK && config.flip > 0 && rng.nextFloat(in: 0...1) < config.flip
            let placed = place(src, into: &canvas, clip: Box(x1: 0, y1: 0, x2: Float(S), y2: Float(S)),
                               sx: sx, sy: sy, tx: tx, ty: ty, flip: flip)
            targets = placed.targets
            ignores = placed.ignores
            if let r = placed.region { regions.append(r) }
        }
        colourJitter(&canvas, saturation: u(config.saturation), brightness: u(config.brightness), contrast: u(config.contrast))
        if config.blur > 0 && rng.nextFloat(in: 0...1) < config.blur { boxBlur(&canvas) }
        if config.noise > 0 && rng.nextFloat(in: 0...1) < config.noise {
            addNoise(&canvas, sigma: rng.nextFloat(in: 1...6), rng: &rng)
        }
        // Regions matter only when some photo is partially annotated.
        if !regions.contains(where: { $0.annotated != nil }) { regions = [] }
        return AugmentedSample(image: canvas, targets: targets, regions: regions, ignores: ignores)
    }

    /// Draws `src` scaled by (sx, sy) and shifted by (tx, ty) into `canvas` inside `clip`
    /// (bilinear), returning its boxes mapped, clipped and filtered; boxes cut below the
    /// visibility limit and the photo's ignore boxes as ignore regions; and the canvas region the
    /// photo covers with the classes it is annotated for.
    func place(_ src: SourceImage, into canvas: inout Image, clip: Box, sx: Float, sy: Float, tx: Float, ty: Float,
               flip: Bool) -> (targets: [TargetBox], ignores: [TargetBox], region: AnnotatedRegion?) {
        let img = src.image
        let W = img.width, H = img.height
        let x0 = max(Int(clip.x1.rounded(.down)), Int(max(tx, 0))), x1 = min(Int(clip.x2.rounded(.up)), Int((tx + Float(W) * sx).rounded(.up)), canvas.width)
        let y0 = max(Int(clip.y1.rounded(.down)), Int(max(ty, 0))), y1 = min(Int(clip.y2.rounded(.up)), Int((ty + Float(H) * sy).rounded(.up)), canvas.height)
        if x1 > x0 && y1 > y0 {
            let cs = canvas.stride, ss = img.stride
            // Source x per destination column, precomputed.
            var xi0 = [Int](repeating: 0, count: x1 - x0), xi1 = xi0, xf = [Float](repeating: 0, count: x1 - x0)
            for x in x0..<x1 {
                var fx = (Float(x) + 0.5 - tx) / sx - 0.5
                if flip { fx = Float(W) - 1 - fx }
                fx = min(max(fx, 0), Float(W - 1))
                let i = Int(fx)
                xi0[x - x0] = i * 3; xi1[x - x0] = min(i + 1, W - 1) * 3; xf[x - x0] = fx - Float(i)
            }
            img.pixels.withUnsafeBufferPointer { sp in
                canvas.pixels.withUnsafeMutableBufferPointer { dp in
                    for y in y0..<y1 {
                        let fy = min(max((Float(y) + 0.5 - ty) / sy - 0.5, 0), Float(H - 1))
                        let r0 = Int(fy), r1 = min(r0 + 1, H - 1), wy = fy - Float(r0)
                        let a = r0 * ss, b = r1 * ss
                        for x in x0..<x1 {
                            let k = x - x0, wx = xf[k]
                            for ch in 0..<3 {
                                let p00 = Float(sp[a + xi0[k] + ch]), p01 = Float(sp[a + xi1[k] + ch])
                                let p10 = Float(sp[b + xi0[k] + ch]), p11 = Float(sp[b + xi1[k] + ch])
                                let top = p00 + (p01 - p00) * wx, bot = p10 + (p11 - p10) * wx
                                dp[y * cs + x * 3 + ch] = UInt8(min(max(top + (bot - top) * wy + 0.5, 0), 255))
                            }
                        }
                    }
                }
            }
        }
        var out: [TargetBox] = [], ignored: [TargetBox] = []
        func map(_ t: TargetBox) -> (clipped: Box, full: Float, visible: Float) {
            var b = t.box
            if flip { b = Box(x1: Float(W) - b.x2, y1: b.y1, x2: Float(W) - b.x1, y2: b.y2) }
            let m = Box(x1: b.x1 * sx + tx, y1: b.y1 * sy + ty, x2: b.x2 * sx + tx, y2: b.y2 * sy + ty)
            let c = Box(x1: max(m.x1, clip.x1), y1: max(m.y1, clip.y1), x2: min(m.x2, clip.x2), y2: min(m.y2, clip.y2))
            return (c, (m.x2 - m.x1) * (m.y2 - m.y1), max(c.x2 - c.x1, 0) * max(c.y2 - c.y1, 0))
        }
        for t in src.boxes {
            let (c, full, vis) = map(t)
            guard full > 0, vis > 0 else { continue }
            if vis >= config.minVisible * full, c.x2 - c.x1 >= 2, c.y2 - c.y1 >= 2 {
                out.append(TargetBox(box: c, classIndex: t.classIndex))
            } else {
                // Too little left to learn from, too much to call background.
                ignored.append(TargetBox(box: c, classIndex: t.classIndex))
            }
        }
        for t in src.ignores {
            let (c, _, vis) = map(t)
            if vis > 0 { ignored.append(TargetBox(box: c, classIndex: t.classIndex)) }
        }
        var region: AnnotatedRegion?
        if x1 > x0 && y1 > y0 {
            region = AnnotatedRegion(rect: Box(x1: Float(x0), y1: Float(y0), x2: Float(x1), y2: Float(y1)), annotated: src.annotated)
        }
        return (out, ignored, region)
    }

    func colourJitter(_ img: inout Image, saturation: Float, brightness: Float, contrast: Float) {
        Self.jitterColours(&img, hueDegrees: 0, saturation: saturation, brightness: brightness, contrast: contrast)
    }

    /// Rotates hues about the grey axis by `hueDegrees`, then scales saturation (towards the
    /// pixel's luma), contrast (about mid-grey) and brightness; RGB images only.
    /// The detector's augmentation uses it with `hueDegrees` 0 (``colourJitter(_:saturation:brightness:contrast:)``),
    /// the mask head's training with a hue turn as well.
    static func jitterColours(_ img: inout Image, hueDegrees: Float, saturation: Float, brightness: Float, contrast: Float) {
        guard img.format.bytesPerPixel == 3 else { return }
        if hueDegrees == 0 && saturation == 1 && brightness == 1 && contrast == 1 { return }
        let a = hueDegrees * .pi / 180, c = cosf(a), s = sinf(a) / Float(3).squareRoot()
        let d = (1 - c) / 3
        // Rotation about (1,1,1): keeps grey grey and luma roughly in place.
        let m: [Float] = [c + d, d - s, d + s,
                          d + s, c + d, d - s,
                          d - s, d + s, c + d]
        let W = img.width, H = img.height, stride = img.stride
        img.pixels.withUnsafeMutableBufferPointer { p in
            for y in 0..<H {
                var o = y * stride
                for _ in 0..<W {
                    let r = Float(p[o]), g = Float(p[o + 1]), b = Float(p[o + 2])
                    var q = (m[0] * r + m[1] * g + m[2] * b, m[3] * r + m[4] * g + m[5] * b, m[6] * r + m[7] * g + m[8] * b)
                    let luma = 0.299 * q.0 + 0.587 * q.1 + 0.114 * q.2
                    q = (luma + (q.0 - luma) * saturation, luma + (q.1 - luma) * saturation, luma + (q.2 - luma) * saturation)
                    func out(_ v: Float) -> UInt8 { UInt8(min(max(((v - 128) * contrast + 128) * brightness + 0.5, 0), 255)) }
                    p[o] = out(q.0); p[o + 1] = out(q.1); p[o + 2] = out(q.2)
                    o += 3
                }
            }
        }
    }

    func boxBlur(_ img: inout Image) {
        let src = img.pixels, W = img.width, H = img.height, s = img.stride
        img.pixels.withUnsafeMutableBufferPointer { d in
            for y in 1..<max(H - 1, 1) {
                for x in 1..<max(W - 1, 1) {
                    for ch in 0..<3 {
                        var acc = 0
                        for dy in -1...1 { for dx in -1...1 { acc += Int(src[(y + dy) * s + (x + dx) * 3 + ch]) } }
                        d[y * s + x * 3 + ch] = UInt8(acc / 9)
                    }
                }
            }
        }
    }

    func addNoise(_ img: inout Image, sigma: Float, rng: inout SplitMix64) {
        img.pixels.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count {
                // Sum of uniforms approximates a Gaussian cheaply.
                let n = (rng.nextFloat(in: -1...1) + rng.nextFloat(in: -1...1) + rng.nextFloat(in: -1...1)) * sigma
                p[i] = UInt8(min(max(Float(p[i]) + n, 0), 255))
            }
        }
    }
}
