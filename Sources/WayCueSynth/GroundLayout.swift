import Foundation
import WayCueImage

/// The colour of tactile paving.
public enum PavingColor: String, Sendable, Hashable, Codable, CaseIterable {
    case yellow
    case grey

    var base: SynthColor {
        switch self {
        case .yellow: return SynthColor(212, 172, 42)
        case .grey: return SynthColor(168, 168, 162)
        }
    }
}

/// A strip of tactile guidance paving (raised bars along the walking direction) following a path.
public struct GuideStrip: Sendable, Hashable, Codable {
    /// The strip's centre line.
    public var path: SynthPath
    /// Width across, metres (one tile is 0.3 m).
    public var width: Double
    public var color: PavingColor
    /// How worn, 0 (new) to 1 (faded into the ground).
    public var wear: Double
    /// Realistic material; `nil` draws the default look with ``color``.
    public var material: PavingMaterial?
    /// With a material: texture tiles from tile photos when the renderer has them.
    public var photoTiles: Bool?
    /// Creates a strip.
    public init(path: SynthPath, width: Double = 0.3, color: PavingColor = .yellow, wear: Double = 0) {
        self.path = path; self.width = width; self.color = color; self.wear = wear
    }
}

/// A patch of tactile warning paving (dots): an oriented rectangle.
public struct WarningPatch: Sendable, Hashable, Codable {
    /// Centre of the patch's near edge, world metres.
    public var origin: SynthPoint2
    /// Direction the walker approaches in, degrees.
    public var heading: Double
    /// Depth along the heading, metres.
    public var depth: Double
    /// Width across the heading, metres.
    public var width: Double
    public var color: PavingColor
    public var wear: Double
    /// Realistic material; `nil` draws the default look with ``color``.
    public var material: PavingMaterial?
    /// With a material: texture tiles from tile photos when the renderer has them.
    public var photoTiles: Bool?
    /// Creates a patch.
    public init(origin: SynthPoint2, heading: Double, depth: Double = 0.6, width: Double = 0.6,
                color: PavingColor = .yellow, wear: Double = 0) {
        self.origin = origin; self.heading = heading; self.depth = depth; self.width = width
        self.color = color; self.wear = wear
    }
}

/// A road with a zebra crossing, perpendicular to a heading, starting at a kerb.
public struct ZebraCrossing: Sendable, Hashable, Codable {
    /// Centre of the near kerb's edge, world metres.
    public var kerb: SynthPoint2
    /// The crossing direction, degrees.
    public var heading: Double
    /// Road width (kerb to kerb), metres.
    public var roadWidth: Double
    /// Width of the striped crossing, metres.
    public var width: Double
    /// How worn the paint is, 0 to 1.
    public var wear: Double
    /// Creates a crossing.
    public init(kerb: SynthPoint2, heading: Double, roadWidth: Double = 7, width: Double = 4, wear: Double = 0.2) {
        self.kerb = kerb; self.heading = heading; self.roadWidth = roadWidth; self.width = width; self.wear = wear
    }
}

/// A photograph of a ground surface (asphalt, slabs) used as the ground texture, tiled by
/// mirrored repetition; the photo's width covers `widthMetres` of ground.
public struct GroundPhoto: Sendable {
    public var image: Image
    public var widthMetres: Double
    /// Creates a ground photo.
    public init(image: Image, widthMetres: Double = 1.2) { self.image = image; self.widthMetres = widthMetres }
}

/// Everything painted on the ground of one scene.
public struct GroundLayout: Sendable, Hashable, Codable {
    public var material: GroundMaterial
    /// Colour multiplier of the base material (1,1,1 is neutral).
    public var tint: SynthColor
    public var strips: [GuideStrip]
    public var patches: [WarningPatch]
    public var crossings: [ZebraCrossing]
    /// Dark stains (dirt, wet patches) over paving and ground: centre, radius (m), darkness.
    public var stains: [Stain]
    /// A road running along world `y` beside the sidewalk: the kerb's `x` (metres) and the
    /// side the road lies on (+1 right, -1 left); `nil` for none.
    public var sideRoad: SideRoad?
    /// The realistic look's surround, clutter and shadows; `nil` for the default look.
    public var realistic: RealisticGround?

    /// A road parallel to the walking direction, beyond a kerb.
    public struct SideRoad: Sendable, Hashable, Codable {
        public var kerbX: Double
        public var side: Double
        /// Creates a side road.
        public init(kerbX: Double, side: Double) { self.kerbX = kerbX; self.side = side }
    }

    /// A dark roundish stain on the ground.
    public struct Stain: Sendable, Hashable, Codable {
        public var center: SynthPoint2
        public var radius: Double
        public var darkness: Double
        /// Creates a stain.
        public init(center: SynthPoint2, radius: Double, darkness: Double) {
            self.center = center; self.radius = radius; self.darkness = darkness
        }
    }

    /// Creates a layout.
    public init(material: GroundMaterial = .sidewalk, tint: SynthColor = SynthColor(1, 1, 1),
                strips: [GuideStrip] = [], patches: [WarningPatch] = [], crossings: [ZebraCrossing] = [],
                stains: [Stain] = []) {
        self.material = material; self.tint = tint; self.strips = strips; self.patches = patches
        self.crossings = crossings; self.stains = stains
    }
}

extension GroundMap {
    /// Paints a layout onto a fresh map covering `bounds` (minX, minY, maxX, maxY).
    static func build(_ layout: GroundLayout, bounds: (Double, Double, Double, Double), texel: Double,
                      seed: UInt64, photo: GroundPhoto? = nil, tilePhotos: TilePhotoSet? = nil) -> GroundMap {
        let map = GroundMap(minX: bounds.0, minY: bounds.1, maxX: bounds.2, maxY: bounds.3, texel: texel, seed: seed)
        if let photo { map.paintPhoto(photo, tint: layout.tint) }
        else if let real = layout.realistic, let pattern = real.surround { map.paintSurround(pattern, real, tint: layout.tint) }
        else { map.paintBase(layout.material, tint: layout.tint) }
        if let real = layout.realistic { for lane in real.cycleLanes { map.paintCycleLane(lane, real) } }
        if let road = layout.sideRoad { map.paintSideRoad(road, tint: layout.tint) }
        for c in layout.crossings { map.paintCrossing(c, tint: layout.tint) }
        let look = layout.realistic ?? RealisticGround()
        for strip in layout.strips {
            if let m = strip.material {
                let photos = strip.photoTiles == true ? tilePhotos?.bars : nil
                for piece in strip.path.pieces { map.paintRealGuide(piece, strip: strip, material: m, look: look, photos: photos) }
            } else {
                for piece in strip.path.pieces { map.paintGuide(piece, strip: strip) }
            }
        }
        for p in layout.patches {
            if let m = p.material {
                map.paintRealWarning(p, material: m, look: look, photos: p.photoTiles == true ? tilePhotos?.dots : nil)
            } else {
                map.paintWarning(p)
            }
        }
        for st in layout.stains { map.paintStain(st) }
        if let real = layout.realistic { map.paintClutter(real, bounds: bounds) }
        map.finalize()
        return map
    }

    /// World-axis bounding box of a strip piece `half` metres either side of its centre line,
    /// with 5 cm to spare, from its pose every 25 cm.
    func stripBounds(_ piece: PathPiece, half: Double) -> (Double, Double, Double, Double) {
        var b = (Double.infinity, Double.infinity, -Double.infinity, -Double.infinity)
        let steps = max(2, Int(piece.length / 0.25))
        for i in 0...steps {
            let (p, h) = piece.pose(at: piece.length * Double(i) / Double(steps))
            let hr = h * .pi / 180
            for side in [-half - 0.05, half + 0.05] {
                let q = SynthPoint2(x: p.x + cos(hr) * side, y: p.y - sin(hr) * side)
                b = (min(b.0, q.x), min(b.1, q.y), max(b.2, q.x), max(b.3, q.y))
            }
        }
        return b
    }

    /// World-axis bounding box of an oriented rectangle given in (along, across) ranges.
    func orientedBounds(_ o: SynthPoint2, _ heading: Double, _ a0: Double, _ a1: Double,
                                _ c0: Double, _ c1: Double) -> (Double, Double, Double, Double) {
        let h = heading * .pi / 180
        let f = SynthPoint2(x: sin(h), y: cos(h)), r = SynthPoint2(x: cos(h), y: -sin(h))
        var b = (Double.infinity, Double.infinity, -Double.infinity, -Double.infinity)
        for a in [a0, a1] { for c in [c0, c1] {
            let p = o + f * a + r * c
            b = (min(b.0, p.x), min(b.1, p.y), max(b.2, p.x), max(b.3, p.y))
        } }
        return b
    }

    /// Tile colour with per-tile wear: mixes towards a dirty grey.
    private func worn(_ c: SynthColor, wear: Double, tileA: Int, tileB: Int, tx: Int, ty: Int) -> SynthColor {
        guard wear > 0 else { return c }
        let h = synthHash(tileA, tileB, seed &+ 11)
        let tileWear = Float(wear) * (0.4 + 0.6 * Float(h & 255) / 255)
        let n = 0.5 + 0.5 * noiseAt(tx, ty)
        return c.mixed(SynthColor(128, 124, 114), min(1, tileWear * (0.6 + 0.8 * n)))
    }

    func paintGuide(_ piece: PathPiece, strip: GuideStrip) {
        let id = addComponent(.tactileGuide)
        let half = strip.width / 2
        let b = stripBounds(piece, half: half)
        let base = strip.color.base
        let tile = 0.3
        paint(minX: b.0, minY: b.1, maxX: b.2, maxY: b.3) { wx, wy, tx, ty, col, cid in
            let (s, d) = piece.localCoordinates(SynthPoint2(x: wx, y: wy))
            guard s >= 0, s <= piece.length, abs(d) <= half else { return }
            let gs = s + piece.s0
            let ta = Int((gs / tile).rounded(.down)), tb = Int(((d + half) / tile).rounded(.down))
            let fs = gs - Double(ta) * tile, fd = (d + half) - Double(tb) * tile
            var c = base
            if fs < 0.006 || fd < 0.006 { c = c.scaled(0.55) } else {
                // Four bars per tile across, 35 mm wide, ending 20 mm short of the tile edge.
                let pitch = tile / 4
                let bd = fd.truncatingRemainder(dividingBy: pitch) - pitch / 2
                if abs(bd) < 0.0175 && fs > 0.02 && fs < tile - 0.02 {
                    c = c.scaled(bd < -0.01 ? 1.18 : (bd > 0.01 ? 0.8 : 1.08))
                } else {
                    c = c.scaled(0.86)
                }
            }
            c = worn(c, wear: strip.wear, tileA: ta, tileB: tb, tx: tx, ty: ty)
            col = c.packed
            cid = id
        }
    }

    func paintWarning(_ p: WarningPatch) {
        let id = addComponent(.tactileWarning)
        let half = p.width / 2
        let h = p.heading * .pi / 180
        let f = SynthPoint2(x: sin(h), y: cos(h)), r = SynthPoint2(x: cos(h), y: -sin(h))
        let b = orientedBounds(p.origin, p.heading, 0, p.depth, -half, half)
        let base = p.color.base
        let tile = 0.3
        paint(minX: b.0, minY: b.1, maxX: b.2, maxY: b.3) { wx, wy, tx, ty, col, cid in
            let v = SynthPoint2(x: wx - p.origin.x, y: wy - p.origin.y)
            let s = v.dot(f), d = v.dot(r)
            guard s >= 0, s <= p.depth, abs(d) <= half else { return }
            let ta = Int((s / tile).rounded(.down)), tb = Int(((d + half) / tile).rounded(.down))
            let fs = s - Double(ta) * tile, fd = (d + half) - Double(tb) * tile
            var c = base.scaled(0.86)
            if fs < 0.006 || fd < 0.006 { c = base.scaled(0.55) } else {
                // 6 x 6 dots per tile, 50 mm pitch, 25 mm across, lit from the upper left.
                let pitch = tile / 6
                let ds = fs.truncatingRemainder(dividingBy: pitch) - pitch / 2
                let dd = fd.truncatingRemainder(dividingBy: pitch) - pitch / 2
                let rr = (ds * ds + dd * dd).squareRoot()
                if rr < 0.0125 {
                    c = base.scaled(dd - ds < -0.006 ? 1.2 : (dd - ds > 0.006 ? 0.85 : 1.08))
                } else if rr < 0.016 {
                    c = base.scaled(0.72)
                }
            }
            c = worn(c, wear: p.wear, tileA: ta, tileB: tb, tx: tx, ty: ty)
            col = c.packed
            cid = id
        }
    }

    func paintCrossing(_ c: ZebraCrossing, tint: SynthColor) {
        let id = addComponent(.crosswalk)
        let h = c.heading * .pi / 180
        let f = SynthPoint2(x: sin(h), y: cos(h)), r = SynthPoint2(x: cos(h), y: -sin(h))
        let reach = 40.0
        let b = orientedBounds(c.kerb, c.heading, -0.3, c.roadWidth + 0.3, -reach, reach)
        let half = c.width / 2
        let wear = Float(c.wear)
        paint(minX: b.0, minY: b.1, maxX: b.2, maxY: b.3) { wx, wy, tx, ty, col, cid in
            let v = SynthPoint2(x: wx - c.kerb.x, y: wy - c.kerb.y)
            let s = v.dot(f), d = v.dot(r)
            guard s >= -0.3, s <= c.roadWidth + 0.3, abs(d) <= reach else { return }
            if s < -0.15 || s > c.roadWidth + 0.15 { return }  // sidewalk stays
            if s < 0 || s > c.roadWidth {
                // Kerb stones: light concrete, a dark drop line on the road side.
                let edge = s < 0 ? -s : s - c.roadWidth
                let k: Float = edge < 0.02 ? 0.45 : 1
                let hh = synthHash(tx, ty, seed &+ 21)
                let v = (178 + Float(Int(hh & 15) - 8)) * k
                col = SynthColor(v * tint.r, v * tint.g, v * tint.b).packed
                cid = 0
                return
            }
            let hh = synthHash(tx, ty, seed &+ 22)
            var g = 66 + Float(Int(hh & 31) - 16) * 0.8 + noiseAt(tx >> 2, ty >> 2) * 10
            if hh >> 60 == 0 { g += 30 }
            var colr = SynthColor(g, g, g + 2)
            cid = 0
            // Zebra stripes 0.5 m wide, 0.5 m apart, along the crossing direction.
            if abs(d) <= half && s > 0.5 && s < c.roadWidth - 0.5 {
                let k = (d + half).truncatingRemainder(dividingBy: 1.0)
                if k < 0.5 {
                    let paint = 1 - wear * (0.5 + 0.5 * self.noiseAt(tx, ty + 91))
                    colr = colr.mixed(SynthColor(228, 228, 222), max(0, min(1, paint)))
                    cid = id
                }
            } else if abs(s - c.roadWidth / 2) < 0.06 && abs(d) > half + 1 {
                // Dashed centre line.
                if (abs(d) - half).truncatingRemainder(dividingBy: 4) < 2 { colr = SynthColor(220, 220, 214) }
            }
            col = colr.packed
        }
    }

    /// Covers the whole map with a photograph tiled by mirrored repetition (no seams).
    func paintPhoto(_ photo: GroundPhoto, tint: SynthColor) {
        let img = photo.image.format == .rgb8 ? photo.image : photo.image.converted(to: .rgb8)
        let pw = img.width, ph = img.height
        let perMetre = Double(pw) / max(0.05, photo.widthMetres)
        let tr = Int(tint.r * 256), tg = Int(tint.g * 256), tb = Int(tint.b * 256)
        func mirror(_ v: Int, _ n: Int) -> Int {
            let m = ((v % (2 * n)) + 2 * n) % (2 * n)
            return m < n ? m : 2 * n - 1 - m
        }
        paint(minX: originX, minY: originY, maxX: originX + Double(width) * texel, maxY: originY + Double(height) * texel) {
            wx, wy, _, _, col, cid in
            let px = mirror(Int((wx * perMetre).rounded(.down)), pw)
            let py = mirror(Int((-wy * perMetre).rounded(.down)), ph)
            let o = img.offset(x: px, y: py)
            let r = min(255, (Int(img.pixels[o]) * tr) >> 8), g = min(255, (Int(img.pixels[o + 1]) * tg) >> 8)
            let b = min(255, (Int(img.pixels[o + 2]) * tb) >> 8)
            col = UInt32(r) | UInt32(g) << 8 | UInt32(b) << 16
            cid = 0
        }
    }

    func paintSideRoad(_ road: GroundLayout.SideRoad, tint: SynthColor) {
        let far = road.kerbX + road.side * 30
        paint(minX: min(road.kerbX, far), minY: originY, maxX: max(road.kerbX, far),
              maxY: originY + Double(height) * texel, material: .asphalt, tint: tint)
        let kerbFar = road.kerbX - road.side * 0.15
        paint(minX: min(road.kerbX, kerbFar), minY: originY, maxX: max(road.kerbX, kerbFar),
              maxY: originY + Double(height) * texel) { wx, _, tx, ty, col, cid in
            let edge = abs(wx - road.kerbX)
            let hh = synthHash(tx, ty, self.seed &+ 23)
            let v = (178 + Float(Int(hh & 15) - 8)) * (edge < 0.02 ? 0.45 : 1)
            col = SynthColor(v * tint.r, v * tint.g, v * tint.b).packed
            cid = 0
        }
    }

    func paintStain(_ st: GroundLayout.Stain) {
        let r = st.radius
        paint(minX: st.center.x - r, minY: st.center.y - r, maxX: st.center.x + r, maxY: st.center.y + r) { wx, wy, tx, ty, col, _ in
            let dx = wx - st.center.x, dy = wy - st.center.y
            let q = (dx * dx + dy * dy).squareRoot() / r + Double(self.noiseAt(tx, ty)) * 0.4
            guard q < 1 else { return }
            let k = 1 - Float(st.darkness) * Float(min(1, (1 - q) * 3))
            let c = SynthColor(Float(col & 255), Float((col >> 8) & 255), Float((col >> 16) & 255)).scaled(k)
            col = c.packed
        }
    }
}
