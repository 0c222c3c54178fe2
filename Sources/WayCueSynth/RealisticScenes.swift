import Foundation
import WayCueImage

/// How a random scene is drawn.
public enum SynthLook: String, Sendable, Hashable, Codable, CaseIterable {
    /// The original look: clean uniform paving on uniform tiles (byte-stable).
    case standard
    /// Tile materials with lit relief, wear, clutter, surround patterns, cycle lanes, hard
    /// shadows, camera roll and low-quality JPEG.
    case realistic
}

extension SynthSceneGenerator {
    /// The seed of image `index` of a set: `train` and `unseen` seeds never coincide (the top
    /// bit is clear for `train`, set for `unseen`), and `train` equals the standard look's
    /// per-image seed with that bit cleared.
    public static func imageSeed(setSeed: UInt64, index: Int, materials: MaterialSplit = .train) -> UInt64 {
        let s = setSeed &* 1_000_003 &+ UInt64(index)
        switch materials {
        case .train: return s & ~(1 << 63)
        case .unseen:
            var z = (s ^ 0x5EE5_0000_0000_0000) &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E4B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return (z ^ (z >> 31)) | (1 << 63)
        }
    }

    /// A random scene in the realistic look.
    ///
    /// Objects, crossings and the side road come from ``scene(seed:camera:texel:)``; the
    /// camera (1.2 to 1.7 m high), paving geometry (straight, bends, T- and L-junctions,
    /// warning pads at ends, corners and kerbs), materials, surround, cycle lanes, clutter,
    /// shadows, light and sensor effects are drawn again from streams of their own.
    ///
    /// - Parameters:
    ///   - seed: The scene's seed.
    ///   - camera: The nominal camera (size and field of view).
    ///   - materials: Which catalogue half to draw materials and patterns from.
    ///   - texel: Ground texel in metres (7 mm: bars and domes are several texels wide).
    ///   - randomColours: With `train` materials, the fraction of scenes whose paving colour, and
    ///     separately whose surround colours, are drawn at random (any hue, dark to light, grey
    ///     to saturated) but never within 40 levels of a held-out colour
    ///     (``PavingMaterial/unseenColours``). Drawn from a stream of its own: at 0 (the
    ///     default) every scene is exactly as before.
    public static func realisticScene(seed: UInt64, camera: CameraModel, materials: MaterialSplit = .train,
                                      texel: Double = 0.007, randomColours: Double = 0) -> SynthScene {
        var scene = self.scene(seed: seed, camera: camera, texel: texel)
        var rng = SynthRandom(seed: seed, stream: materials == .train ? 41 : 43)
        var cam = camera
        cam.height = rng.uniform(1.2...1.7)
        cam.pitchDegrees = rng.uniform(8...34)
        cam.horizontalFOVDegrees = min(100, max(45, camera.horizontalFOVDegrees + rng.uniform(-10...15)))
        scene.camera = cam
        scene.groundBounds = [-7, -3, 7, 32]

        var layout = scene.ground
        layout.strips = []
        layout.patches = []
        var m = rng.pick(PavingMaterial.catalogue(materials))
        m.base = m.base.scaled(Float(rng.uniform(0.93...1.07)))
        var colourRng = SynthRandom(seed: seed, stream: 59)
        let randomise = materials == .train && randomColours > 0
        if randomise, colourRng.chance(randomColours) { m = m.withRandomColour(&colourRng) }
        let wear = rng.chance(0.45) ? rng.uniform(0.25...0.8) : rng.uniform(0...0.2)
        let photo = rng.chance(0.4)
        let width = rng.pick([0.3, 0.3, 0.3, 0.6, 0.6, 0.9])
        func strip(_ p: SynthPath) -> GuideStrip {
            var s = GuideStrip(path: p, width: width, color: .yellow, wear: wear)
            s.material = m; s.photoTiles = photo
            return s
        }
        func pad(_ o: SynthPoint2, _ h: Double, depth: Double, width w: Double) -> WarningPatch {
            var p = WarningPatch(origin: o, heading: h, depth: depth, width: w, color: .yellow, wear: wear)
            p.material = m; p.photoTiles = photo
            return p
        }
        // Start within a metre of the walker, so the strip is in view in most frames.
        var mainX = rng.uniform(-1.0...1.0)
        if rng.chance(0.85) {
            var path = SynthPath(start: SynthPoint2(x: mainX, y: -2), heading: rng.uniform(-8...8) - mainX * 4)
            if let c = layout.crossings.first {
                mainX = c.kerb.x + rng.uniform(-0.8...0.8)
                path = SynthPath(start: SynthPoint2(x: mainX, y: -2), heading: c.heading)
                let ch = c.heading * .pi / 180
                let kerbAlong = (c.kerb.x - mainX) * sin(ch) + (c.kerb.y + 2) * cos(ch)
                path.straight(max(0.5, kerbAlong - 0.6))
                layout.patches.append(pad(path.end.0, path.end.1, depth: 0.6, width: max(width, rng.uniform(0.9...1.8))))
                layout.strips.append(strip(path))
            } else {
                path.straight(rng.uniform(1.5...7))
                switch rng.int(0...3) {
                case 0:
                    path.straight(rng.uniform(2...14))
                    if rng.chance(0.5) { layout.patches.append(pad(path.end.0, path.end.1, depth: 0.6, width: width)) }
                    layout.strips.append(strip(path))
                case 1:
                    path.bend(rng.uniform(15...90) * (rng.chance(0.5) ? 1 : -1), over: rng.uniform(1.5...5))
                    path.straight(rng.uniform(1...12))
                    if rng.chance(0.5) { layout.patches.append(pad(path.end.0, path.end.1, depth: 0.6, width: width)) }
                    layout.strips.append(strip(path))
                case 2:
                    // T-junction: a branch leaves at right angles; a warning square at the junction.
                    let s = path.length + rng.uniform(-0.5...0)
                    path.straight(rng.uniform(3...12))
                    let (p, h) = path.pose(at: s)
                    let side = rng.chance(0.5) ? 1.0 : -1.0
                    let bh = h + 90 * side, br = bh * .pi / 180, hr = h * .pi / 180
                    let sq = max(0.6, width * 2)
                    var branch = SynthPath(start: SynthPoint2(x: p.x + sin(br) * sq / 2, y: p.y + cos(br) * sq / 2), heading: bh)
                    branch.straight(rng.uniform(2...7))
                    layout.strips.append(strip(path))
                    layout.strips.append(strip(branch))
                    layout.patches.append(pad(SynthPoint2(x: p.x - sin(hr) * sq / 2, y: p.y - cos(hr) * sq / 2), h,
                                              depth: sq, width: sq))
                default:
                    // L-junction: the strip ends in a warning square and turns at right angles.
                    let sq = max(0.6, width * 2)
                    let (p, h) = path.end
                    layout.strips.append(strip(path))
                    layout.patches.append(pad(p, h, depth: sq, width: sq))
                    let hr = h * .pi / 180
                    let centre = SynthPoint2(x: p.x + sin(hr) * sq / 2, y: p.y + cos(hr) * sq / 2)
                    let side = rng.chance(0.5) ? 1.0 : -1.0
                    let bh = h + 90 * side, br = bh * .pi / 180
                    var turn = SynthPath(start: SynthPoint2(x: centre.x + sin(br) * sq / 2, y: centre.y + cos(br) * sq / 2),
                                         heading: bh)
                    turn.straight(rng.uniform(2...8))
                    layout.strips.append(strip(turn))
                }
            }
        }
        var real = RealisticGround(seed: seed ^ 0xC1A7)
        real.surround = rng.pick(SurroundPattern.patterns(materials))
        let pal = rng.pick(SurroundPattern.palettes(materials))
        real.surroundColors = [pal.0, pal.1]
        if randomise, colourRng.chance(randomColours) {
            let main = PavingMaterial.randomColour(&colourRng, avoiding: PavingMaterial.unseenColours)
            real.surroundColors = [main, main.scaled(Float(colourRng.uniform(0.7...0.9)))]
        }
        if rng.chance(0.35) {
            let side = rng.chance(0.5) ? 1.0 : -1.0
            let w = rng.uniform(1.2...2.0)
            let cx = mainX + side * (width / 2 + w / 2 + rng.uniform(0.4...2.0))
            real.cycleLanes.append(CycleLane(centerX: cx, width: w, color: rng.pick(CycleLane.colors(materials))))
        }
        var lt = scene.lighting
        lt.sunAzimuth = rng.uniform(0...360)
        lt.sunElevation = rng.uniform(15...65)
        lt.sunStrength = rng.chance(0.3) ? rng.uniform(0...0.2) : rng.uniform(0.5...0.95)
        lt.ambient = rng.uniform(0.35...0.65)
        lt.exposure = rng.uniform(0.6...1.4)
        scene.lighting = lt
        real.sunAzimuth = lt.sunAzimuth
        real.sunElevation = lt.sunElevation
        if lt.sunStrength > 0.4 {
            let toLen = 1 / max(0.3, tan(lt.sunElevation * .pi / 180))
            for _ in 0..<rng.int(0...3) {
                let o = SynthPoint2(x: rng.uniform(-4...4), y: rng.uniform(0...14))
                let dk = rng.uniform(0.35...0.55) * lt.sunStrength
                switch rng.int(0...2) {
                case 0: real.shadows.append(CastShadow(caster: .pole, origin: o, size: min(12, rng.uniform(2.5...5) * toLen), darkness: dk))
                case 1: real.shadows.append(CastShadow(caster: .tree, origin: o, size: rng.uniform(1.2...2.8), darkness: dk))
                default:
                    let s = rng.chance(0.5) ? 1.0 : -1.0
                    real.shadows.append(CastShadow(caster: .building, origin: SynthPoint2(x: s * rng.uniform(0.5...4), y: 0),
                                                   size: s, darkness: dk))
                }
            }
        }
        if rng.chance(0.3) { real.leafDensity = rng.uniform(2...30) }
        if rng.chance(0.5) { real.crackDensity = rng.uniform(0.5...4) }
        if rng.chance(0.2) { real.wetness = rng.uniform(0.3...1) }
        real.dirt = rng.uniform(0...0.8)
        if rng.chance(0.25) { real.replacedTiles = rng.uniform(0.03...0.12) }
        layout.realistic = real
        scene.ground = layout
        scene.effects = SynthEffects(noise: rng.uniform(1...8), horizontalBlur: rng.chance(0.3) ? rng.int(2...6) : 0,
                                     verticalBlur: rng.chance(0.2) ? rng.int(2...4) : 0, vignette: rng.uniform(0...0.35),
                                     jpegQuality: rng.chance(0.9) ? rng.int(35...60) : rng.int(61...85))
        return scene
    }

    /// Renders the realistic scene of `seed`: the frame (rolled by up to about 7 degrees, then
    /// JPEG-compressed) and its scene.
    ///
    /// - Parameter tilePhotos: Photo patches of real tiles; strips that ask for them use them.
    /// - Parameter randomColours: See ``realisticScene(seed:camera:materials:texel:randomColours:)``.
    public static func renderRealistic(seed: UInt64, camera: CameraModel, materials: MaterialSplit = .train,
                                       texel: Double = 0.007, tilePhotos: TilePhotoSet? = nil,
                                       randomColours: Double = 0) -> (frame: SynthFrame, scene: SynthScene) {
        let scene = realisticScene(seed: seed, camera: camera, materials: materials, texel: texel, randomColours: randomColours)
        var draw = scene
        draw.effects.jpegQuality = 0
        var frame = SynthRenderer(scene: draw, tilePhotos: tilePhotos)
            .render(pose: WalkerPose(), shake: shake(seed: seed), frameSeed: seed)
        var rng = SynthRandom(seed: seed, stream: 47)
        let roll = max(-7, min(7, rng.normal(sigma: 2.5)))
        if abs(roll) > 0.05 { frame = frame.rolled(degrees: roll) }
        if scene.effects.jpegQuality > 0 { frame.image = SynthJPEG.roundTrip(frame.image, quality: scene.effects.jpegQuality) }
        return (frame, scene)
    }
}

extension SynthFrame {
    /// The frame rotated about its centre by `degrees` (camera roll, positive clockwise),
    /// zoomed just enough to leave no empty corners: colours bilinear, ids nearest, labels
    /// recomputed from the rotated ids.
    public func rolled(degrees: Double) -> SynthFrame {
        let w = image.width, h = image.height
        let a = degrees * .pi / 180, ca = cos(a), sa = sin(a)
        let aspect = Double(max(w, h)) / Double(min(w, h))
        let zoom = abs(ca) + abs(sa) * aspect
        let cx = Double(w) / 2, cy = Double(h) / 2
        var out = Image(width: w, height: h, format: .rgb8)
        var outIds = [UInt16](repeating: 0, count: w * h)
        let src = image.format == .rgb8 ? image : image.converted(to: .rgb8)
        for y in 0..<h {
            for x in 0..<w {
                let dx = (Double(x) + 0.5 - cx) / zoom, dy = (Double(y) + 0.5 - cy) / zoom
                let sx = ca * dx + sa * dy + cx - 0.5, sy = -sa * dx + ca * dy + cy - 0.5
                let fx = max(0, min(Double(w - 1), sx)), fy = max(0, min(Double(h - 1), sy))
                let x0 = min(w - 2, Int(fx)), y0 = min(h - 2, Int(fy))
                let ax = fx - Double(x0), ay = fy - Double(y0)
                let o = (y * w + x) * 3
                for c in 0..<3 {
                    let p00 = Double(src.pixels[src.offset(x: x0, y: y0) + c]), p10 = Double(src.pixels[src.offset(x: x0 + 1, y: y0) + c])
                    let p01 = Double(src.pixels[src.offset(x: x0, y: y0 + 1) + c])
                    let p11 = Double(src.pixels[src.offset(x: x0 + 1, y: y0 + 1) + c])
                    let v = (p00 * (1 - ax) + p10 * ax) * (1 - ay) + (p01 * (1 - ax) + p11 * ax) * ay
                    out.pixels[o + c] = UInt8(max(0, min(255, v.rounded())))
                }
                let nx = min(w - 1, Int(fx.rounded())), ny = min(h - 1, Int(fy.rounded()))
                outIds[y * w + x] = ids[ny * w + nx]
            }
        }
        // Boxes again from the rotated ids: every ground component, and the objects labelled before.
        var boxes: [Int: (Int, Int, Int, Int, Int)] = [:]
        for y in 0..<h { for x in 0..<w {
            let id = Int(outIds[y * w + x])
            guard id > 0 else { continue }
            if let b = boxes[id] { boxes[id] = (min(b.0, x), min(b.1, y), max(b.2, x), max(b.3, y), b.4 + 1) }
            else { boxes[id] = (x, y, x, y, 1) }
        } }
        var newLabels: [SynthLabel] = []
        func box(_ b: (Int, Int, Int, Int, Int)) -> Box {
            Box(x1: Float(b.0), y1: Float(b.1), x2: Float(b.2 + 1), y2: Float(b.3 + 1))
        }
        for id in 1...max(1, groundClasses.count) where id <= groundClasses.count {
            if let b = boxes[id], b.4 >= SynthRenderer.minimumLabelPixels {
                newLabels.append(SynthLabel(objectClass: groundClasses[id - 1], box: box(b), pixels: b.4, objectIndex: nil))
            }
        }
        for l in self.labels where l.objectIndex != nil {
            guard let k = l.objectIndex, let b = boxes[SynthFrame.objectIdBase + k], b.4 >= SynthRenderer.minimumLabelPixels else { continue }
            newLabels.append(SynthLabel(objectClass: l.objectClass, box: box(b), pixels: b.4, objectIndex: k))
        }
        return SynthFrame(image: out, ids: outIds, groundClasses: groundClasses, labels: newLabels)
    }
}
