import Foundation

/// Painting of the realistic look: surround patterns, cycle lanes, tactile tiles with lit
/// relief, and clutter (cracks, leaves, wet sheen, cast shadows). Only ground components
/// painted by ``paintRealGuide`` and ``paintRealWarning`` get ids; everything else keeps the
/// ids below it, so masks stay exact.
extension GroundMap {
    @inline(__always) private func unit(_ h: UInt64) -> Float { Float(h & 0xFFFF) / 65535 }

    @inline(__always) private func unpack(_ p: UInt32) -> SynthColor {
        SynthColor(Float(p & 255), Float((p >> 8) & 255), Float((p >> 16) & 255))
    }

    // MARK: Surround

    /// Covers the map with a brick, slab, sett or asphalt pattern.
    func paintSurround(_ pattern: SurroundPattern, _ real: RealisticGround, tint: SynthColor) {
        if pattern == .asphalt {
            paint(minX: originX, minY: originY, maxX: originX + Double(width) * texel,
                  maxY: originY + Double(height) * texel, material: .asphalt, tint: tint)
            return
        }
        let c1 = real.surroundColors.first ?? SynthColor(150, 74, 56)
        let c2 = real.surroundColors.count > 1 ? real.surroundColors[1] : c1.scaled(0.85)
        let joint = max(texel * 0.9, 0.006)
        let sd = seed &+ 101
        let grit = self.grit
        let t = SynthColor(tint.r, tint.g, tint.b)
        paint(minX: originX, minY: originY, maxX: originX + Double(width) * texel, maxY: originY + Double(height) * texel) {
            wx, wy, tx, ty, col, cid in
            var brick = (0, 0, 0)
            var isJoint = false
            switch pattern {
            case .runningBond, .slabs:
                let (bw, bh) = pattern == .slabs ? (0.6, 0.6) : (0.2, 0.1)
                let row = Int((wy / bh).rounded(.down))
                let shift = row & 1 == 1 ? bw / 2 : 0
                let col = Int(((wx + shift) / bw).rounded(.down))
                let fx = wx + shift - Double(col) * bw, fy = wy - Double(row) * bh
                isJoint = fx < joint || fy < joint
                brick = (col, row, 0)
            case .herringbone:
                // 90-degree herringbone laid at 45 degrees: staircases of a horizontal and a
                // vertical 2x1 brick, repeating every 4 cells along x.
                let u = (wx + wy) * 0.70710678 / 0.1, v = (wy - wx) * 0.70710678 / 0.1
                let cx = Int(u.rounded(.down)), cy = Int(v.rounded(.down))
                let fu = u - Double(cx), fv = v - Double(cy)
                let d = cx - cy + 2
                let k = d >= 0 ? d / 4 : -((-d + 3) / 4)
                let r = d - 4 * k
                let j = joint / 0.1 / 2
                switch r {
                case 2: isJoint = fu < j || fv < j || fv > 1 - j; brick = (cy, k, 0)
                case 3: isJoint = fu > 1 - j || fv < j || fv > 1 - j; brick = (cy, k, 0)
                case 1: isJoint = fu < j || fu > 1 - j || fv < j; brick = (cy - 1, k, 1)
                default: isJoint = fu < j || fu > 1 - j || fv > 1 - j; brick = (cy - 2, k, 1)
                }
            case .basketweave:
                let i = Int((wx / 0.2).rounded(.down)), jj = Int((wy / 0.2).rounded(.down))
                let fx = wx - Double(i) * 0.2, fy = wy - Double(jj) * 0.2
                if (i + jj) & 1 == 0 {
                    let half = fy < 0.1 ? 0 : 1
                    isJoint = fx < joint || fy.truncatingRemainder(dividingBy: 0.1) < joint
                    brick = (i, jj, half)
                } else {
                    let half = fx < 0.1 ? 0 : 1
                    isJoint = fy < joint || fx.truncatingRemainder(dividingBy: 0.1) < joint
                    brick = (i, jj, 2 + half)
                }
            case .stackBond:
                let i = Int((wx / 0.2).rounded(.down)), jj = Int((wy / 0.2).rounded(.down))
                isJoint = wx - Double(i) * 0.2 < joint || wy - Double(jj) * 0.2 < joint
                brick = (i, jj, 0)
            case .setts:
                let row = Int((wy / 0.1).rounded(.down))
                let shift = Double(synthHash(row, 7, sd) & 255) / 255 * 0.1
                let i = Int(((wx + shift) / 0.1).rounded(.down))
                let fx = wx + shift - Double(i) * 0.1, fy = wy - Double(row) * 0.1
                let j2 = joint * 1.6
                isJoint = fx < j2 || fy < j2 || (fx < j2 * 2 && fy < j2 * 2)
                brick = (i, row, 0)
            case .asphalt:
                break
            }
            let h = synthHash(brick.0 &* 3 &+ brick.2, brick.1, sd)
            let g = Float(Int(grit[(ty & 255) << 8 | (tx & 255)]) - 128) / 128
            var c = c1.mixed(c2, self.unit(h))
            c = c.scaled(0.9 + 0.2 * self.unit(h >> 20) + g * (pattern == .setts ? 0.12 : 0.06)
                         + self.noiseAt(tx >> 1, ty >> 1) * 0.06)
            if isJoint { c = SynthColor(118, 112, 100).scaled(0.55 + 0.25 * self.unit(h >> 40)) }
            col = SynthColor(c.r * t.r, c.g * t.g, c.b * t.b).packed
            cid = 0
        }
    }

    /// Paints a cycle lane along world `y` over whatever is below it; ids are left at 0.
    func paintCycleLane(_ lane: CycleLane, _ real: RealisticGround) {
        let half = lane.width / 2
        paint(minX: lane.centerX - half, minY: originY, maxX: lane.centerX + half, maxY: originY + Double(height) * texel) {
            wx, _, tx, ty, col, cid in
            let e = half - abs(wx - lane.centerX)
            guard e >= 0 else { return }
            let old = self.unpack(col)
            let lum = (old.r + old.g + old.b) / 3
            let cover = max(0, min(1, 0.85 + self.noiseAt(tx, ty &+ 57) * 0.3))
            var c = old.mixed(lane.color.scaled(0.7 + 0.3 * lum / 140), cover)
            if e < 0.05 { c = old.mixed(SynthColor(224, 224, 218), cover) }  // white edge line
            col = c.packed
            cid = 0
        }
    }

    // MARK: Tactile tiles

    /// Colour of a realistic tactile tile at tile-local position (`fs` along, `fd` across).
    private func tileColor(dots: Bool, fs: Double, fd: Double, ta: Int, tb: Int, heading: Double, m: PavingMaterial,
                           wear: Double, look: RealisticGround, tx: Int, ty: Int, photos: [TilePatch]?) -> SynthColor {
        let tile = m.tileSize
        let h = synthHash(ta, tb, look.seed &+ 31)
        let jw = max(texel, 0.005)
        let az = look.sunAzimuth * .pi / 180, hr = heading * .pi / 180
        let lx = sin(az), ly = cos(az)
        let la = lx * sin(hr) + ly * cos(hr), lc = lx * cos(hr) - ly * sin(hr)
        let lz = max(0.25, tan(look.sunElevation * .pi / 180))
        var c = m.base.scaled(0.94 + 0.12 * unit(h))
        let grain = Float(Int(grit[(ty & 255) << 8 | (tx & 255)]) - 128) / 128 * m.grain
        c = SynthColor(c.r + grain, c.g + grain, c.b + grain)
        if fs < jw || fd < jw {
            return c.scaled(0.45).mixed(SynthColor(60, 56, 50), Float(look.dirt) * 0.5)
        }
        if unit(h >> 16) < Float(look.replacedTiles) {
            // A replaced tile: plain concrete or another colour, no relief (still paving).
            let alt = unit(h >> 32) < 0.5 ? SynthColor(150, 148, 140) : m.base.mixed(SynthColor(200, 200, 190), 0.4)
            return alt.scaled(0.9 + 0.1 * noiseAt(tx, ty)).mixed(SynthColor(128, 124, 114), Float(wear) * 0.3)
        }
        var reliefK: Double = 0  // slope towards the light
        var onRelief = false
        if let photos, !photos.isEmpty {
            let p = photos[Int((h >> 24) % UInt64(photos.count))]
            let (pc, rel) = TilePhotoSet.sample(p, u: fd / tile, v: fs / tile)
            let yellowish = m.base.r > 180 && m.base.g > 130 && m.base.b < 140
            c = yellowish ? pc.mixed(m.base.scaled(rel), 0.35) : m.base.scaled(rel)
        } else if dots {
            let pitch = tile / Double(m.dotsPerTile)
            let row = Int((fs / pitch).rounded(.down))
            let shift = m.staggeredDots && row & 1 == 1 ? pitch / 2 : 0
            let qs = fs - (Double(row) + 0.5) * pitch
            let qd0 = (fd + shift).truncatingRemainder(dividingBy: pitch) - pitch / 2
            let rad = m.dotDiameter / 2
            let r = (qs * qs + qd0 * qd0).squareRoot()
            if r < rad && fd + shift > pitch * 0.3 && fd + shift < tile + shift - pitch * 0.3 {
                onRelief = true
                let q = r / rad
                let slope = min(1.6, 0.7 * q / max(0.2, (1 - q * q).squareRoot()))
                if r > 1e-6 { reliefK = slope * (qs / r * la + qd0 / r * lc) }
            } else if r < rad * 1.35 {
                reliefK = -0.25  // dirt ring at the dome's foot
            }
        } else {
            let pitch = tile / Double(m.barsPerTile)
            let q = fd.truncatingRemainder(dividingBy: pitch) - pitch / 2
            let hw = m.barWidth / 2, bevel = 0.009, end = 0.02
            if abs(q) < hw && fs > end && fs < tile - end {
                onRelief = true
                let eq = hw - abs(q), es = min(fs - end, tile - end - fs)
                if eq < bevel { reliefK += 0.8 * (q > 0 ? 1 : -1) * lc }
                if es < bevel { reliefK += 0.8 * (fs < tile / 2 ? -1 : 1) * la }
            } else if abs(q) < hw + 0.006 {
                reliefK = -0.2
            }
        }
        let flatten = 1 - 0.6 * wear
        var shade = Float(1 + 0.45 * reliefK / lz * flatten)
        if onRelief {
            if m.studs {
                c = m.relief.scaled(0.9 + 0.1 * unit(h >> 8))
                shade = Float(1 + 0.8 * reliefK / lz)
                if reliefK > 0.4 { c = c.mixed(SynthColor(250, 250, 250), 0.35) }
            } else {
                c = c.scaled(1.06)
            }
        } else if !m.studs && photos == nil {
            c = c.scaled(0.88)  // the lower tile surface between bars and domes
        }
        if !onRelief && reliefK < 0 {
            c = c.mixed(SynthColor(70, 64, 56), Float(look.dirt) * 0.5)
        }
        c = c.scaled(max(0.45, min(1.5, shade)))
        // Wear: faded tiles and worn blotches towards dirty grey.
        let w = Float(min(1, wear + m.baseWear))
        if w > 0 {
            let tileWear = w * (0.4 + 0.6 * unit(h >> 48))
            let blotch = 0.5 + 0.5 * noiseAt(tx >> 2, ty >> 2)
            c = c.mixed(SynthColor(132, 126, 114), min(0.85, tileWear * (0.5 + blotch)))
        }
        let dirt = Float(look.dirt) * max(0, noiseAt(tx &+ 40, ty &+ 90))
        return c.scaled(1 - 0.3 * dirt)
    }

    /// Paints one piece of a guidance strip in the realistic look.
    func paintRealGuide(_ piece: PathPiece, strip: GuideStrip, material m: PavingMaterial, look: RealisticGround,
                        photos: [TilePatch]?) {
        let id = addComponent(.tactileGuide)
        let half = strip.width / 2
        let b = stripBounds(piece, half: half)
        let tile = m.tileSize
        paint(minX: b.0, minY: b.1, maxX: b.2, maxY: b.3) { wx, wy, tx, ty, col, cid in
            let (s, d) = piece.localCoordinates(SynthPoint2(x: wx, y: wy))
            guard s >= 0, s <= piece.length, abs(d) <= half else { return }
            let gs = s + piece.s0
            let ta = Int((gs / tile).rounded(.down)), tb = Int(((d + half) / tile).rounded(.down))
            let fs = gs - Double(ta) * tile, fd = (d + half) - Double(tb) * tile
            let heading = piece.heading + (piece.length > 0 ? piece.turn * s / piece.length : 0)
            col = self.tileColor(dots: false, fs: fs, fd: fd, ta: ta, tb: tb, heading: heading, m: m, wear: strip.wear,
                                 look: look, tx: tx, ty: ty, photos: photos).packed
            cid = id
        }
    }

    /// Paints a warning patch (domes) in the realistic look.
    func paintRealWarning(_ p: WarningPatch, material m: PavingMaterial, look: RealisticGround, photos: [TilePatch]?) {
        let id = addComponent(.tactileWarning)
        let half = p.width / 2
        let h = p.heading * .pi / 180
        let f = SynthPoint2(x: sin(h), y: cos(h)), r = SynthPoint2(x: cos(h), y: -sin(h))
        let b = orientedBounds(p.origin, p.heading, 0, p.depth, -half, half)
        let tile = m.tileSize
        paint(minX: b.0, minY: b.1, maxX: b.2, maxY: b.3) { wx, wy, tx, ty, col, cid in
            let v = SynthPoint2(x: wx - p.origin.x, y: wy - p.origin.y)
            let s = v.dot(f), d = v.dot(r)
            guard s >= 0, s <= p.depth, abs(d) <= half else { return }
            let ta = Int((s / tile).rounded(.down)), tb = Int(((d + half) / tile).rounded(.down))
            let fs = s - Double(ta) * tile, fd = (d + half) - Double(tb) * tile
            col = self.tileColor(dots: true, fs: fs, fd: fd, ta: ta &+ 1000, tb: tb, heading: p.heading, m: m, wear: p.wear,
                                 look: look, tx: tx, ty: ty, photos: photos).packed
            cid = id
        }
    }

    // MARK: Clutter

    /// Cracks, leaves, wet sheen and cast shadows over everything painted so far (ids unchanged).
    func paintClutter(_ real: RealisticGround, bounds: (Double, Double, Double, Double)) {
        var rng = SynthRandom(seed: real.seed, stream: 61)
        let nearX = (max(bounds.0, -5.0), min(bounds.2, 5.0)), nearY = (max(bounds.1, -1.0), min(bounds.3, 16.0))
        let area = (nearX.1 - nearX.0) * (nearY.1 - nearY.0)
        // Cracks: thin dark random walks.
        let cracks = Int(real.crackDensity * area / 10)
        for _ in 0..<cracks {
            var p = SynthPoint2(x: rng.uniform(nearX.0...nearX.1), y: rng.uniform(nearY.0...nearY.1))
            var a = rng.uniform(0...(2 * .pi))
            let w = rng.uniform(0.002...0.006)
            for _ in 0..<rng.int(4...14) {
                a += rng.normal(sigma: 0.5)
                let q = p + SynthPoint2(x: cos(a), y: sin(a)) * rng.uniform(0.04...0.18)
                paintSegment(p, q, width: w, darkness: 0.35)
                p = q
            }
        }
        // Wet sheen: darker ground with sky reflections in puddles.
        if real.wetness > 0 {
            let wet = Float(real.wetness)
            paint(minX: originX, minY: originY, maxX: originX + Double(width) * texel, maxY: originY + Double(height) * texel) {
                _, _, tx, ty, col, _ in
                let n = self.noiseAt(tx >> 3, ty >> 3)
                let m = max(0, min(1, (n + wet - 0.4) * 2))
                guard m > 0 else { return }
                var c = self.unpack(col).scaled(1 - 0.3 * m)
                let puddle = max(0, min(1, (n + wet - 0.9) * 4))
                c = c.mixed(SynthColor(190, 200, 214), puddle * 0.45 * (0.8 + 0.2 * self.noiseAt(tx, ty >> 2)))
                col = c.packed
            }
        }
        // Fallen leaves: small rotated ellipses with a darker midrib.
        let leaves = Int(real.leafDensity * area)
        let palette = [SynthColor(196, 150, 48), SynthColor(170, 92, 36), SynthColor(120, 78, 40), SynthColor(150, 130, 60),
                       SynthColor(96, 104, 50)]
        for _ in 0..<leaves {
            let c = SynthPoint2(x: rng.uniform(nearX.0...nearX.1), y: rng.uniform(nearY.0...nearY.1))
            let len = rng.uniform(0.03...0.09), wid = len * rng.uniform(0.35...0.6)
            let a = rng.uniform(0...(2 * .pi))
            let ca = cos(a), sa = sin(a)
            let colr = rng.pick(palette).scaled(Float(rng.uniform(0.8...1.15)))
            paint(minX: c.x - len, minY: c.y - len, maxX: c.x + len, maxY: c.y + len) { wx, wy, _, _, col, _ in
                let dx = wx - c.x, dy = wy - c.y
                let u = (dx * ca + dy * sa) / len, v = (-dx * sa + dy * ca) / wid
                let q = u * u + v * v
                guard q < 1 else { return }
                col = (abs(v) < 0.12 ? colr.scaled(0.75) : colr.scaled(Float(1 - 0.15 * q))).packed
            }
        }
        // Hard shadows of off-screen casters, away from the sun.
        let az = real.sunAzimuth * .pi / 180
        let away = SynthPoint2(x: -sin(az), y: -cos(az)), side = SynthPoint2(x: cos(az), y: -sin(az))
        for sh in real.shadows {
            let k = Float(max(0, min(0.8, sh.darkness)))
            func darken(_ col: inout UInt32) {
                let c = unpack(col)
                col = SynthColor(c.r * (1 - k), c.g * (1 - k), c.b * (1 - k * 0.8)).packed
            }
            switch sh.caster {
            case .pole:
                let end = sh.origin + away * sh.size
                let w = 0.05 + sh.size * 0.01
                paint(minX: min(sh.origin.x, end.x) - 0.4, minY: min(sh.origin.y, end.y) - 0.4,
                      maxX: max(sh.origin.x, end.x) + 0.4, maxY: max(sh.origin.y, end.y) + 0.4) { wx, wy, _, _, col, _ in
                    let v = SynthPoint2(x: wx, y: wy) - sh.origin
                    let a = v.dot(away), c = v.dot(side)
                    // A thin pole, a sign panel near its top.
                    let panel = a > sh.size * 0.78 && a < sh.size * 0.95 && abs(c) < 0.25
                    guard a >= 0, a <= sh.size, abs(c) < w || panel else { return }
                    darken(&col)
                }
            case .tree:
                let centre = sh.origin + away * (sh.size * 1.6)
                let r = sh.size
                paint(minX: min(sh.origin.x, centre.x) - r, minY: min(sh.origin.y, centre.y) - r,
                      maxX: max(sh.origin.x, centre.x) + r, maxY: max(sh.origin.y, centre.y) + r) { wx, wy, tx, ty, col, _ in
                    let p = SynthPoint2(x: wx, y: wy)
                    let v = p - sh.origin
                    let a = v.dot(away), c = v.dot(side)
                    let trunk = a >= 0 && a < sh.size * 1.2 && abs(c) < 0.12
                    let q = (p - centre).length / r + Double(self.noiseAt(tx >> 1, ty >> 1)) * 0.45
                    let gap = self.noiseAt(tx &* 3, ty &* 3) > 0.35
                    guard trunk || (q < 1 && !gap) else { return }
                    darken(&col)
                }
            case .building:
                // The shadow edge runs along world y through the origin; size's sign picks the side.
                let s = sh.size >= 0 ? 1.0 : -1.0
                let x0 = sh.origin.x
                paint(minX: s > 0 ? x0 : originX, minY: originY, maxX: s > 0 ? originX + Double(width) * texel : x0,
                      maxY: originY + Double(height) * texel) { wx, wy, _, _, col, _ in
                    // A stepped roof line makes the edge less straight.
                    let step = Double(synthHash(Int((wy / 3).rounded(.down)), 5, self.seed) & 3) * 0.15
                    guard (wx - x0 - step) * s > 0 else { return }
                    darken(&col)
                }
            }
        }
    }

    /// Darkens texels within `width / 2` of a segment.
    private func paintSegment(_ a: SynthPoint2, _ b: SynthPoint2, width: Double, darkness: Float) {
        let ab = b - a
        let len2 = max(1e-9, ab.dot(ab))
        let r = width / 2 + texel / 2
        paint(minX: min(a.x, b.x) - r, minY: min(a.y, b.y) - r, maxX: max(a.x, b.x) + r, maxY: max(a.y, b.y) + r) {
            wx, wy, _, _, col, _ in
            let p = SynthPoint2(x: wx, y: wy) - a
            let t = max(0, min(1, p.dot(ab) / len2))
            guard (p - ab * t).length <= r else { return }
            col = self.unpack(col).scaled(1 - darkness).packed
        }
    }
}
