/// An RGB colour with components in `[0, 255]` (may exceed before clamping).
public struct SynthColor: Sendable, Hashable, Codable {
    public var r: Float
    public var g: Float
    public var b: Float
    /// Creates a colour.
    public init(_ r: Float, _ g: Float, _ b: Float) { self.r = r; self.g = g; self.b = b }
    /// A colour from hue (degrees), saturation and value (`0...1`), in 8-bit levels.
    public static func hsv(hue: Double, saturation: Double, value: Double) -> SynthColor {
        let h = (hue.truncatingRemainder(dividingBy: 360) + 360).truncatingRemainder(dividingBy: 360) / 60
        let c = value * saturation, x = c * (1 - abs(h.truncatingRemainder(dividingBy: 2) - 1)), m = value - c
        let (r, g, b): (Double, Double, Double)
        switch Int(h) {
        case 0: (r, g, b) = (c, x, 0)
        case 1: (r, g, b) = (x, c, 0)
        case 2: (r, g, b) = (0, c, x)
        case 3: (r, g, b) = (0, x, c)
        case 4: (r, g, b) = (x, 0, c)
        default: (r, g, b) = (c, 0, x)
        }
        return SynthColor(Float((r + m) * 255), Float((g + m) * 255), Float((b + m) * 255))
    }
    /// Euclidean distance in RGB, 8-bit levels.
    public func distance(to o: SynthColor) -> Float {
        let dr = r - o.r, dg = g - o.g, db = b - o.b
        return (dr * dr + dg * dg + db * db).squareRoot()
    }
    /// The colour scaled by `s`.
    func scaled(_ s: Float) -> SynthColor { SynthColor(r * s, g * s, b * s) }
    /// Linear mix towards `o` by `t`.
    func mixed(_ o: SynthColor, _ t: Float) -> SynthColor {
        SynthColor(r + (o.r - r) * t, g + (o.g - g) * t, b + (o.b - b) * t)
    }
    /// Packed as 0x00BBGGRR with clamping.
    var packed: UInt32 {
        UInt32(clamp8(r)) | UInt32(clamp8(g)) << 8 | UInt32(clamp8(b)) << 16
    }
}

@inline(__always) func clamp8(_ v: Float) -> UInt8 { v <= 0 ? 0 : (v >= 255 ? 255 : UInt8(v)) }

/// A frame being drawn: RGB bytes plus a per-pixel object-id buffer.
///
/// The drawing primitives here are anti-aliased by 4x vertical and exact horizontal coverage
/// (convex polygons) or 2x2 supersampling (textured quads). A pixel takes the id of a shape
/// when the shape covers at least half of it, so label boxes follow what is visible.
final class SynthRaster {
    let width: Int
    let height: Int
    /// RGB bytes, `width * height * 3`. Raw storage: the hot loops run without exclusivity
    /// or copy-on-write checks.
    let rgb: UnsafeMutablePointer<UInt8>
    /// Object id per pixel.
    let ids: UnsafeMutablePointer<UInt16>
    private let coverage: UnsafeMutablePointer<Float>

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        rgb = .allocate(capacity: width * height * 3)
        rgb.initialize(repeating: 0, count: width * height * 3)
        ids = .allocate(capacity: width * height)
        ids.initialize(repeating: 0, count: width * height)
        coverage = .allocate(capacity: width + 2)
        coverage.initialize(repeating: 0, count: width + 2)
    }

    deinit {
        rgb.deallocate()
        ids.deallocate()
        coverage.deallocate()
    }

    /// A copy of the RGB bytes.
    var rgbArray: [UInt8] { Array(UnsafeBufferPointer(start: rgb, count: width * height * 3)) }
    /// A copy of the id buffer.
    var idArray: [UInt16] { Array(UnsafeBufferPointer(start: ids, count: width * height)) }

    /// Copies RGB bytes in (a background photograph, a JPEG round trip).
    func setRGB(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { b in
            let n = min(b.count, width * height * 3)
            if n > 0 { rgb.update(from: b.baseAddress!, count: n) }
        }
    }

    /// Fills a convex polygon (pixel coordinates) with a colour, blended by coverage times
    /// `alpha`; writes `id` where coverage reaches one half (0 leaves ids alone).
    func fillConvex(_ poly: [(Double, Double)], color: SynthColor, alpha: Float = 1, id: UInt16 = 0) {
        guard poly.count >= 3 else { return }
        var minY = Double.infinity, maxY = -Double.infinity
        for p in poly { minY = min(minY, p.1); maxY = max(maxY, p.1) }
        let y0 = max(0, Int(minY.rounded(.down))), y1 = min(height - 1, Int(maxY.rounded(.up)))
        guard y0 <= y1, minY.isFinite, maxY.isFinite else { return }
        let n = poly.count
        let w = width
        for py in y0...y1 {
            var lo = w + 1, hi = -1
            for sub in 0..<4 {
                let sy = Double(py) + (Double(sub) + 0.5) / 4
                var xa = Double.infinity, xb = -Double.infinity
                for i in 0..<n {
                    let a = poly[i], b = poly[(i + 1) % n]
                    if (a.1 <= sy && b.1 > sy) || (b.1 <= sy && a.1 > sy) {
                        let x = a.0 + (sy - a.1) / (b.1 - a.1) * (b.0 - a.0)
                        xa = min(xa, x); xb = max(xb, x)
                    }
                }
                guard xa < xb else { continue }
                let cxa = max(0, xa), cxb = min(Double(w), xb)
                guard cxa < cxb else { continue }
                let ia = Int(cxa), ib = min(w - 1, Int(cxb))
                lo = min(lo, ia); hi = max(hi, ib)
                if ia == ib {
                    coverage[ia] += Float(cxb - cxa) * 0.25
                } else {
                    coverage[ia] += Float(Double(ia + 1) - cxa) * 0.25
                    if ib > ia + 1 { for x in (ia + 1)..<ib { coverage[x] += 0.25 } }
                    coverage[ib] += Float(cxb - Double(ib)) * 0.25
                }
            }
            guard lo <= hi else { continue }
            for x in lo...hi {
                let c = min(1, coverage[x])
                coverage[x] = 0
                guard c > 0.002 else { continue }
                blend(x, py, color, c * alpha)
                if id != 0 && c >= Self.idCoverage { ids[py * w + x] = id }
            }
        }
    }

    @inline(__always)
    func blend(_ x: Int, _ y: Int, _ c: SynthColor, _ a: Float) {
        let o = (y * width + x) * 3
        if a >= 0.999 {
            rgb[o] = clamp8(c.r); rgb[o + 1] = clamp8(c.g); rgb[o + 2] = clamp8(c.b)
        } else {
            let k = 1 - a
            rgb[o] = clamp8(Float(rgb[o]) * k + c.r * a)
            rgb[o + 1] = clamp8(Float(rgb[o + 1]) * k + c.g * a)
            rgb[o + 2] = clamp8(Float(rgb[o + 2]) * k + c.b * a)
        }
    }

    /// Darkens a convex polygon (a shadow) by `strength` where its id buffer holds a ground id
    /// (below `objectIdBase`) so that shadows fall on the ground only.
    func shadeConvex(_ poly: [(Double, Double)], strength: Float) {
        guard poly.count >= 3 else { return }
        var minY = Double.infinity, maxY = -Double.infinity
        for p in poly { minY = min(minY, p.1); maxY = max(maxY, p.1) }
        guard minY.isFinite, maxY.isFinite else { return }
        let y0 = max(0, Int(minY.rounded(.down))), y1 = min(height - 1, Int(maxY.rounded(.up)))
        guard y0 <= y1 else { return }
        let n = poly.count
        for py in y0...y1 {
            let sy = Double(py) + 0.5
            var xa = Double.infinity, xb = -Double.infinity
            for i in 0..<n {
                let a = poly[i], b = poly[(i + 1) % n]
                if (a.1 <= sy && b.1 > sy) || (b.1 <= sy && a.1 > sy) {
                    let x = a.0 + (sy - a.1) / (b.1 - a.1) * (b.0 - a.0)
                    xa = min(xa, x); xb = max(xb, x)
                }
            }
            guard xa < xb else { continue }
            let ia = max(0, Int((xa + 0.5).rounded(.down))), ib = min(width - 1, Int((xb - 0.5).rounded(.up)))
            guard ia <= ib else { continue }
            let k = 1 - strength
            for x in ia...ib where ids[py * width + x] < SynthRaster.objectIdBase {
                let o = (py * width + x) * 3
                rgb[o] = UInt8(Float(rgb[o]) * k)
                rgb[o + 1] = UInt8(Float(rgb[o + 1]) * k)
                rgb[o + 2] = UInt8(Float(rgb[o + 2]) * k)
            }
        }
    }

    /// A pixel takes a shape's id when the shape covers at least this fraction of it: low
    /// enough that thin tips (a cone's apex) still count, so label boxes hold the silhouette.
    static let idCoverage: Float = 0.15

    /// Ids below this belong to ground markings; ids from it up belong to 3-D objects.
    static let objectIdBase: UInt16 = 1024

    /// Fills a planar quad (4 pixel corners: top-left, top-right, bottom-right, bottom-left of
    /// the texture) through a projective map, sampling `texture` bilinearly; 2x2 supersampled.
    func fillQuadTextured(_ q: [(Double, Double)], texture: SynthSprite, tint: SynthColor, id: UInt16) {
        guard q.count == 4, let inv = Homography.squareToQuad(q)?.inverse() else { return }
        var minX = Double.infinity, maxX = -Double.infinity, minY = Double.infinity, maxY = -Double.infinity
        for p in q { minX = min(minX, p.0); maxX = max(maxX, p.0); minY = min(minY, p.1); maxY = max(maxY, p.1) }
        guard minX.isFinite, maxX.isFinite, minY.isFinite, maxY.isFinite else { return }
        let x0 = max(0, Int(minX)), x1 = min(width - 1, Int(maxX))
        let y0 = max(0, Int(minY)), y1 = min(height - 1, Int(maxY))
        guard x0 <= x1, y0 <= y1 else { return }
        let offs: [(Double, Double)] = [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)]
        for py in y0...y1 {
            for px in x0...x1 {
                var r: Float = 0, g: Float = 0, b: Float = 0, n: Float = 0
                for (ox, oy) in offs {
                    let (s, t) = inv.apply(Double(px) + ox, Double(py) + oy)
                    guard s >= 0, s <= 1, t >= 0, t <= 1 else { continue }
                    let c = texture.sample(s, t)
                    r += c.r; g += c.g; b += c.b; n += 1
                }
                guard n > 0 else { continue }
                let a = n / 4
                blend(px, py, SynthColor(r / n * tint.r, g / n * tint.g, b / n * tint.b), a)
                if a >= Self.idCoverage && id != 0 { ids[py * width + px] = id }
            }
        }
    }
}

/// A 3x3 projective map of the plane.
struct Homography {
    var m: [Double]  // row-major 3x3

    func apply(_ x: Double, _ y: Double) -> (Double, Double) {
        let w = m[6] * x + m[7] * y + m[8]
        return ((m[0] * x + m[1] * y + m[2]) / w, (m[3] * x + m[4] * y + m[5]) / w)
    }

    /// The map taking the unit square (0,0),(1,0),(1,1),(0,1) to the quad's corners.
    static func squareToQuad(_ q: [(Double, Double)]) -> Homography? {
        let (x0, y0) = q[0], (x1, y1) = q[1], (x2, y2) = q[2], (x3, y3) = q[3]
        let dx1 = x1 - x2, dx2 = x3 - x2, dy1 = y1 - y2, dy2 = y3 - y2
        let sx = x0 - x1 + x2 - x3, sy = y0 - y1 + y2 - y3
        let den = dx1 * dy2 - dx2 * dy1
        guard abs(den) > 1e-12 else { return nil }
        let g = (sx * dy2 - dx2 * sy) / den
        let h = (dx1 * sy - sx * dy1) / den
        return Homography(m: [x1 - x0 + g * x1, x3 - x0 + h * x3, x0,
                              y1 - y0 + g * y1, y3 - y0 + h * y3, y0,
                              g, h, 1])
    }

    func inverse() -> Homography? {
        let a = m
        let c00 = a[4] * a[8] - a[5] * a[7], c01 = a[5] * a[6] - a[3] * a[8], c02 = a[3] * a[7] - a[4] * a[6]
        let det = a[0] * c00 + a[1] * c01 + a[2] * c02
        guard abs(det) > 1e-15 else { return nil }
        let k = 1 / det
        return Homography(m: [
            c00 * k, (a[2] * a[7] - a[1] * a[8]) * k, (a[1] * a[5] - a[2] * a[4]) * k,
            c01 * k, (a[0] * a[8] - a[2] * a[6]) * k, (a[2] * a[3] - a[0] * a[5]) * k,
            c02 * k, (a[1] * a[6] - a[0] * a[7]) * k, (a[0] * a[4] - a[1] * a[3]) * k,
        ])
    }
}

/// A small RGB picture drawn procedurally once (a signal face, digits) and mapped onto
/// 3-D faces.
struct SynthSprite: Sendable {
    let width: Int
    let height: Int
    var pixels: [SynthColor]

    init(width: Int, height: Int, fill: SynthColor) {
        self.width = width; self.height = height
        pixels = [SynthColor](repeating: fill, count: width * height)
    }

    /// Bilinear sample at normalised coordinates (`s` right, `t` down).
    func sample(_ s: Double, _ t: Double) -> SynthColor {
        let fx = min(max(s * Double(width) - 0.5, 0), Double(width - 1))
        let fy = min(max(t * Double(height) - 0.5, 0), Double(height - 1))
        let x0 = Int(fx), y0 = Int(fy)
        let x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
        let ax = Float(fx - Double(x0)), ay = Float(fy - Double(y0))
        let a = pixels[y0 * width + x0].mixed(pixels[y0 * width + x1], ax)
        let b = pixels[y1 * width + x0].mixed(pixels[y1 * width + x1], ax)
        return a.mixed(b, ay)
    }

    /// Paints a disc (centre and radius in sprite pixels) with soft edges.
    mutating func disc(cx: Double, cy: Double, r: Double, color: SynthColor) {
        for y in 0..<height {
            for x in 0..<width {
                let dx = Double(x) + 0.5 - cx, dy = Double(y) + 0.5 - cy
                let d = (dx * dx + dy * dy).squareRoot()
                let a = Float(min(1, max(0, r + 0.5 - d)))
                if a > 0 { pixels[y * width + x] = pixels[y * width + x].mixed(color, a) }
            }
        }
    }

    /// Paints a thick line segment (a limb of a figure) with round ends.
    mutating func stroke(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, r: Double, color: SynthColor) {
        let vx = x1 - x0, vy = y1 - y0
        let len2 = max(vx * vx + vy * vy, 1e-9)
        for y in 0..<height {
            for x in 0..<width {
                let px = Double(x) + 0.5 - x0, py = Double(y) + 0.5 - y0
                let t = min(1, max(0, (px * vx + py * vy) / len2))
                let dx = px - t * vx, dy = py - t * vy
                let d = (dx * dx + dy * dy).squareRoot()
                let a = Float(min(1, max(0, r + 0.5 - d)))
                if a > 0 { pixels[y * width + x] = pixels[y * width + x].mixed(color, a) }
            }
        }
    }

    /// Paints an axis-aligned rectangle.
    mutating func rect(x0: Int, y0: Int, x1: Int, y1: Int, color: SynthColor) {
        for y in max(0, y0)..<min(height, y1) { for x in max(0, x0)..<min(width, x1) { pixels[y * width + x] = color } }
    }
}
