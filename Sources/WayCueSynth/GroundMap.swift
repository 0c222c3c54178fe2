import Foundation

/// The surface materials the ground can be paved with.
public enum GroundMaterial: String, Sendable, Hashable, Codable, CaseIterable {
    /// Large grey concrete slabs with dark joints.
    case sidewalk
    /// Dark asphalt with fine grit.
    case asphalt
    /// Small rectangular pavers in running bond.
    case tiles
}

/// A top-down painting of the ground: a colour raster (with a mip-map pyramid, so distant
/// ground does not shimmer) and a component-id raster for exact ground-marking labels.
///
/// The ground is painted once per scene (materials, tactile paving, crossings), then every
/// frame samples it row by row through the camera's inverse projection. A texel covers
/// ``texel`` metres; world point (`x`, `y`) falls in texel
/// `((x - originX) / texel, (y - originY) / texel)`.
final class GroundMap: @unchecked Sendable {
    let originX: Double
    let originY: Double
    let texel: Double
    let width: Int
    let height: Int
    /// Colour levels, packed 0x00BBGGRR; level 0 is full resolution.
    private(set) var levels: [[UInt32]] = []
    private(set) var levelSizes: [(Int, Int)] = []
    var color: [UInt32]
    /// Component id per texel (0: none); component `k` is `components[k - 1]`.
    var ids: [UInt8]
    private(set) var components: [SynthClass] = []
    /// Colour of ground outside the painted area.
    private(set) var farColor: UInt32 = 0x808080
    /// Smooth noise in [-1, 1], 256x256, wrapping.
    let noise: [Float]
    /// White noise bytes, 256x256, wrapping.
    let grit: [UInt8]
    let seed: UInt64

    init(minX: Double, minY: Double, maxX: Double, maxY: Double, texel: Double, seed: UInt64) {
        originX = minX; originY = minY; self.texel = texel
        width = max(16, Int(((maxX - minX) / texel).rounded(.up)))
        height = max(16, Int(((maxY - minY) / texel).rounded(.up)))
        color = [UInt32](repeating: 0x808080, count: width * height)
        ids = [UInt8](repeating: 0, count: width * height)
        self.seed = seed
        noise = GroundMap.makeNoise(seed: seed)
        var rng = SynthRandom(seed: seed, stream: 78)
        var g = [UInt8](repeating: 0, count: 65536)
        for i in 0..<65536 { g[i] = UInt8(truncatingIfNeeded: rng.next() >> 56) }
        grit = g
    }

    /// Registers a labelled ground component and returns its id (0 when 255 are in use).
    func addComponent(_ c: SynthClass) -> UInt8 {
        guard components.count < 255 else { return 0 }
        components.append(c)
        return UInt8(components.count)
    }

    func componentClass(_ id: UInt8) -> SynthClass? {
        id == 0 ? nil : components[Int(id) - 1]
    }

    static func makeNoise(seed: UInt64) -> [Float] {
        var rng = SynthRandom(seed: seed, stream: 77)
        var out = [Float](repeating: 0, count: 256 * 256)
        // Sum of three octaves of bilinear value noise.
        for (cell, amp) in [(32, Float(0.55)), (8, Float(0.3)), (2, Float(0.15))] {
            let g = 256 / cell
            var grid = [Float](repeating: 0, count: g * g)
            for i in 0..<grid.count { grid[i] = Float(rng.unit() * 2 - 1) }
            for y in 0..<256 {
                let gy = Float(y) / Float(cell), iy = Int(gy) % g, fy = gy - Float(Int(gy))
                let sy = fy * fy * (3 - 2 * fy)
                for x in 0..<256 {
                    let gx = Float(x) / Float(cell), ix = Int(gx) % g, fx = gx - Float(Int(gx))
                    let sx = fx * fx * (3 - 2 * fx)
                    let a = grid[iy * g + ix], b = grid[iy * g + (ix + 1) % g]
                    let c = grid[((iy + 1) % g) * g + ix], d = grid[((iy + 1) % g) * g + (ix + 1) % g]
                    out[y * 256 + x] += amp * ((a + (b - a) * sx) + ((c + (d - c) * sx) - (a + (b - a) * sx)) * sy)
                }
            }
        }
        return out
    }

    @inline(__always)
    func noiseAt(_ tx: Int, _ ty: Int) -> Float { noise[(ty & 255) << 8 | (tx & 255)] }

    /// Paints the whole map with a material.
    func paintBase(_ material: GroundMaterial, tint: SynthColor) {
        paint(minX: originX, minY: originY, maxX: originX + Double(width) * texel,
              maxY: originY + Double(height) * texel, material: material, tint: tint)
    }

    /// Paints a world rectangle with a material (ids cleared).
    ///
    /// Per-texel work is a few table look-ups: slab and brick tints come from a hashed table,
    /// grit from a white-noise table, so painting millions of texels takes milliseconds.
    func paint(minX: Double, minY: Double, maxX: Double, maxY: Double, material: GroundMaterial, tint: SynthColor) {
        let x0 = max(0, Int((minX - originX) / texel)), x1 = min(width, Int(((maxX - originX) / texel).rounded(.up)))
        let y0 = max(0, Int((minY - originY) / texel)), y1 = min(height, Int(((maxY - originY) / texel).rounded(.up)))
        guard x0 < x1, y0 < y1 else { return }
        let t = texel
        let tr = Int(tint.r * 256), tg = Int(tint.g * 256), tb = Int(tint.b * 256)
        let w = width
        let grit = self.grit
        let noise = self.noise
        @inline(__always) func pack(_ r: Int, _ g: Int, _ b: Int) -> UInt32 {
            let rr = min(255, max(0, (r * tr) >> 8)), gg = min(255, max(0, (g * tg) >> 8)), bb = min(255, max(0, (b * tb) >> 8))
            return UInt32(rr) | UInt32(gg) << 8 | UInt32(bb) << 16
        }
        // Cell index and joint flag per column and per row for a grid of `cw` x `ch` metres.
        func cells(_ lo: Int, _ hi: Int, origin: Double, size: Double, joint: Double, shift: Double = 0) -> ([Int], [Bool]) {
            var idx = [Int](), edge = [Bool]()
            idx.reserveCapacity(hi - lo); edge.reserveCapacity(hi - lo)
            for i in lo..<hi {
                let wpos = origin + (Double(i) + 0.5) * t + shift
                let c = (wpos / size).rounded(.down)
                idx.append(Int(c)); edge.append(wpos - c * size < joint)
            }
            return (idx, edge)
        }
        var cellTint = [Int](repeating: 0, count: 64 * 64)
        var cellKind = [Bool](repeating: false, count: 64 * 64)
        for i in 0..<(64 * 64) {
            let h = synthHash(i & 63, i >> 6, seed &+ UInt64(GroundMaterial.allCases.firstIndex(of: material)!) &+ 3)
            cellTint[i] = Int(h & 63) - 32
            cellKind[i] = h >> 62 == 0
        }
        color.withUnsafeMutableBufferPointer { cp in
            ids.withUnsafeMutableBufferPointer { ip in
                switch material {
                case .sidewalk:
                    let joint = max(t, 0.008)
                    let (cx, ex) = cells(x0, x1, origin: originX, size: 0.6, joint: joint)
                    let (cy, ey) = cells(y0, y1, origin: originY, size: 0.6, joint: joint)
                    for ty in y0..<y1 {
                        let ry = ty - y0
                        for tx in x0..<x1 {
                            let rx = tx - x0
                            let slab = cellTint[(cx[rx] & 63) * 64 + (cy[ry] & 63)] * 7 / 8
                            let g = Int(grit[(ty & 255) << 8 | (tx & 255)]) / 16 - 8
                            var v = 150 + slab + g + Int(noise[((ty >> 1) & 255) << 8 | ((tx >> 1) & 255)] * 14)
                            if ex[rx] || ey[ry] { v = v * 5 / 8 }
                            cp[ty * w + tx] = pack(v, v, v)
                            ip[ty * w + tx] = 0
                        }
                    }
                case .asphalt:
                    for ty in y0..<y1 {
                        for tx in x0..<x1 {
                            let r = Int(grit[(ty & 255) << 8 | (tx & 255)])
                            var v = 68 + (r & 31) - 16 + Int(noise[((ty >> 2) & 255) << 8 | ((tx >> 2) & 255)] * 10)
                            if r >= 240 { v += 35 }  // light grit stones
                            cp[ty * w + tx] = pack(v, v, v + 1)
                            ip[ty * w + tx] = 0
                        }
                    }
                case .tiles:
                    let joint = max(t, 0.006)
                    let (cy, ey) = cells(y0, y1, origin: originY, size: 0.1, joint: joint)
                    let (cxe, exe) = cells(x0, x1, origin: originX, size: 0.2, joint: joint)
                    let (cxo, exo) = cells(x0, x1, origin: originX, size: 0.2, joint: joint, shift: 0.1)
                    for ty in y0..<y1 {
                        let ry = ty - y0
                        let odd = cy[ry] & 1 != 0
                        for tx in x0..<x1 {
                            let rx = tx - x0
                            let col = odd ? cxo[rx] : cxe[rx]
                            let cell = (col & 63) * 64 + (cy[ry] & 63)
                            let k = cellTint[cell] * 6 / 10
                            let g = Int(grit[(ty & 255) << 8 | (tx & 255)]) / 16 - 8
                            var r = 150 + k + g, gg = 118 + k + g, b = 104 + k + g
                            if cellKind[cell] { r = 120 + k; gg = 118 + k; b = 116 + k }
                            if ey[ry] || (odd ? exo[rx] : exe[rx]) { r = r * 6 / 10; gg = gg * 6 / 10; b = b * 6 / 10 }
                            cp[ty * w + tx] = pack(r, gg, b)
                            ip[ty * w + tx] = 0
                        }
                    }
                }
            }
        }
    }

    /// Calls `body(worldX, worldY, &color, &id)` for every texel whose centre lies inside
    /// the world-axis box; `body` may change the colour and id.
    func paint(minX: Double, minY: Double, maxX: Double, maxY: Double,
               _ body: (Double, Double, Int, Int, inout UInt32, inout UInt8) -> Void) {
        let x0 = max(0, Int((minX - originX) / texel)), x1 = min(width, Int(((maxX - originX) / texel).rounded(.up)))
        let y0 = max(0, Int((minY - originY) / texel)), y1 = min(height, Int(((maxY - originY) / texel).rounded(.up)))
        guard x0 < x1, y0 < y1 else { return }
        let w = width, ox = originX, oy = originY, t = texel
        color.withUnsafeMutableBufferPointer { cp in
            ids.withUnsafeMutableBufferPointer { ip in
                for ty in y0..<y1 {
                    let wy = oy + (Double(ty) + 0.5) * t
                    for tx in x0..<x1 {
                        let wx = ox + (Double(tx) + 0.5) * t
                        body(wx, wy, tx, ty, &cp[ty * w + tx], &ip[ty * w + tx])
                    }
                }
            }
        }
    }

    /// Builds the mip-map pyramid; call once after painting.
    func finalize() {
        levels = [color]
        levelSizes = [(width, height)]
        var w = width, h = height
        var cur = color
        while levels.count < 9 && w > 8 && h > 8 {
            let nw = (w + 1) / 2, nh = (h + 1) / 2
            var next = [UInt32](repeating: 0, count: nw * nh)
            cur.withUnsafeBufferPointer { src in
                next.withUnsafeMutableBufferPointer { dst in
                    for y in 0..<nh {
                        let ya = min(2 * y, h - 1), yb = min(2 * y + 1, h - 1)
                        for x in 0..<nw {
                            let xa = min(2 * x, w - 1), xb = min(2 * x + 1, w - 1)
                            let a = src[ya * w + xa], b = src[ya * w + xb], c = src[yb * w + xa], d = src[yb * w + xb]
                            // Average each byte lane without overflow.
                            let lo = ((a & 0xFF00FF) + (b & 0xFF00FF) + (c & 0xFF00FF) + (d & 0xFF00FF) + 0x20002) >> 2
                            let mid = ((a & 0xFF00) + (b & 0xFF00) + (c & 0xFF00) + (d & 0xFF00) + 0x200) >> 2
                            dst[y * nw + x] = (lo & 0xFF00FF) | (mid & 0xFF00)
                        }
                    }
                }
            }
            levels.append(next)
            levelSizes.append((nw, nh))
            cur = next; w = nw; h = nh
        }
        // Far ground: the mean colour of the coarsest level.
        var r = 0, g = 0, b = 0
        for p in cur { r += Int(p & 255); g += Int((p >> 8) & 255); b += Int((p >> 16) & 255) }
        let n = max(1, cur.count)
        farColor = UInt32(r / n) | UInt32(g / n) << 8 | UInt32(b / n) << 16
    }
}
