import Foundation
import WayCueImage

/// Draws frames of one scene from any walker pose, with exact labels.
///
/// Building a renderer paints the scene's ground once (the costly part); each
/// ``render(pose:shake:objects:frameSeed:)`` then draws the ground row by row through the
/// camera's inverse projection, the objects' shadows and faces far to near, and the sensor
/// effects. A renderer is not thread-safe; use one per thread.
public final class SynthRenderer {
    /// The scene being drawn.
    public let scene: SynthScene
    let map: GroundMap
    let sprites = SpriteCache()
    private let raster: SynthRaster

    /// Paints the scene's ground.
    ///
    /// - Parameters:
    ///   - scene: The scene.
    ///   - groundPhoto: A photograph to use as the ground surface instead of the scene's
    ///     procedural material (markings are painted over it as usual).
    ///   - tilePhotos: Close-up photo patches of tactile tiles, used by strips and patches that
    ///     ask for them (``GuideStrip/photoTiles``).
    public init(scene: SynthScene, groundPhoto: GroundPhoto? = nil, tilePhotos: TilePhotoSet? = nil) {
        self.scene = scene
        let b = scene.groundBounds.count == 4 ? scene.groundBounds : [-6, -2, 6, 40]
        map = GroundMap.build(scene.ground, bounds: (b[0], b[1], b[2], b[3]), texel: max(0.002, scene.texel),
                              seed: scene.seed, photo: groundPhoto, tilePhotos: tilePhotos)
        raster = SynthRaster(width: scene.camera.imageWidth, height: scene.camera.imageHeight)
    }

    /// Renders one frame.
    ///
    /// - Parameters:
    ///   - pose: Where the walker stands and faces.
    ///   - shake: Body motion added to the camera.
    ///   - objects: Objects of this frame (moving obstacles, changing lights); `nil` uses the scene's.
    ///   - frameSeed: Seed of this frame's sensor noise.
    public func render(pose: WalkerPose, shake: CameraShake = CameraShake(), objects: [SynthObject]? = nil,
                       frameSeed: UInt64 = 0) -> SynthFrame {
        let objects = objects ?? scene.objects
        let view = SynthView(camera: scene.camera, pose: pose, shake: shake)
        drawGround(view)
        drawObjects(objects, view)
        let labels = extractLabels(objects: objects, view: view)
        applyEffects(frameSeed: frameSeed)
        var image = Image(width: raster.width, height: raster.height, format: .rgb8)
        image.pixels = raster.rgbArray
        if scene.effects.jpegQuality > 0 { image = SynthJPEG.roundTrip(image, quality: scene.effects.jpegQuality) }
        return SynthFrame(image: image, ids: raster.idArray, groundClasses: map.components, labels: labels)
    }

    /// Renders objects over a photograph instead of the painted ground (for compositing):
    /// the photo must have the camera's size; ids and labels cover the pasted objects only.
    public func render(objects: [SynthObject], over background: Image, pose: WalkerPose = WalkerPose(),
                       frameSeed: UInt64 = 0) -> SynthFrame {
        let view = SynthView(camera: scene.camera, pose: pose)
        let bg = background.format == .rgb8 ? background : background.converted(to: .rgb8)
        let w = raster.width
        for y in 0..<min(raster.height, bg.height) {
            let src = bg.offset(x: 0, y: y)
            for i in 0..<(min(w, bg.width) * 3) { raster.rgb[y * w * 3 + i] = bg.pixels[src + i] }
        }
        raster.ids.update(repeating: 0, count: raster.width * raster.height)
        drawObjects(objects, view)
        let labels = extractLabels(objects: objects, view: view)
        applyEffects(frameSeed: frameSeed)
        var image = Image(width: raster.width, height: raster.height, format: .rgb8)
        image.pixels = raster.rgbArray
        if scene.effects.jpegQuality > 0 { image = SynthJPEG.roundTrip(image, quality: scene.effects.jpegQuality) }
        return SynthFrame(image: image, ids: raster.idArray, groundClasses: [], labels: labels)
    }

    // MARK: Ground and sky

    private func drawGround(_ view: SynthView) {
        let w = raster.width, h = raster.height
        let lt = scene.lighting
        let groundLight = lt.exposure * (lt.ambient + lt.sunStrength * max(0, lt.sunDirection.z))
        let f = view.focal
        let texel = map.texel
        let levelCount = map.levels.count
        let far = map.farColor
        let haze = lt.skyHorizon.scaled(Float(lt.exposure))
        let top = lt.skyTop.scaled(Float(lt.exposure))
        let rgb = raster.rgb, ids = raster.ids
        do {
            do {
                map.ids.withUnsafeBufferPointer { gids in
                    for v in 0..<h {
                        let cy = (Double(h) / 2 - (Double(v) + 0.5)) / f
                        let dirZ = -view.sinPitch + cy * view.cosPitch
                        let rowBase = v * w
                        if dirZ > -1e-4 {
                            // Sky: horizon colour blending to the zenith colour.
                            let el = Float(min(1, max(0, dirZ / 0.6)))
                            let c = haze.mixed(top, el.squareRoot())
                            let r = clamp8(c.r), g = clamp8(c.g), b = clamp8(c.b)
                            for u in 0..<w {
                                let o = (rowBase + u) * 3
                                rgb[o] = r; rgb[o + 1] = g; rgb[o + 2] = b
                                ids[rowBase + u] = 0
                            }
                            continue
                        }
                        let t = view.camHeight / -dirZ
                        let fwd = (view.cosPitch + cy * view.sinPitch) * t
                        // Next row's forward distance gives the vertical footprint.
                        let cy2 = cy - 1 / f
                        let dirZ2 = -view.sinPitch + cy2 * view.cosPitch
                        let fwd2 = dirZ2 < -1e-6 ? (view.cosPitch + cy2 * view.sinPitch) * view.camHeight / -dirZ2 : fwd
                        let footprint = ((t / f) * max(t / f, abs(fwd - fwd2))).squareRoot()
                        var level = 0
                        var fp = footprint / texel
                        while fp >= 2 && level < levelCount - 1 { fp /= 2; level += 1 }
                        let hazeA = 1 - exp(-fwd / lt.hazeDistance * 0.6931)
                        let kLight = Int(256 * groundLight * (1 - hazeA))
                        let hr = Int(Double(haze.r) * hazeA * 256), hg = Int(Double(haze.g) * hazeA * 256)
                        let hb = Int(Double(haze.b) * hazeA * 256)
                        // World coordinates along the row are linear in u.
                        let x0 = ((0.5 - Double(w) / 2) / f) * t
                        let dx = t / f
                        let wx0 = view.posX + x0 * view.rightX + fwd * view.fwdX
                        let wy0 = view.posY + x0 * view.rightY + fwd * view.fwdY
                        let tx0 = (wx0 - map.originX) / texel, ty0 = (wy0 - map.originY) / texel
                        let tdx = dx * view.rightX / texel, tdy = dx * view.rightY / texel
                        let (lw, lh) = map.levelSizes[level]
                        // Near rows see texels larger than pixels: filter bilinearly there.
                        let magnify = level == 0 && footprint < texel * 0.9
                        let scale = 1 / Double(1 << level)
                        map.levels[level].withUnsafeBufferPointer { tex in
                            for u in 0..<w {
                                let tx = tx0 + tdx * Double(u), ty = ty0 + tdy * Double(u)
                                var p = far
                                var gid: UInt16 = 0
                                if tx >= 0 && ty >= 0 && tx < Double(map.width) && ty < Double(map.height) && fwd < 400 {
                                    if magnify {
                                        p = Self.bilinear(tex, lw, lh, tx - 0.5, ty - 0.5)
                                    } else {
                                        let lx = min(lw - 1, Int(tx * scale)), ly = min(lh - 1, Int(ty * scale))
                                        p = tex[ly * lw + lx]
                                    }
                                    gid = UInt16(gids[Int(ty) * map.width + Int(tx)])
                                }
                                let o = (rowBase + u) * 3
                                let r = (Int(p & 255) * kLight + hr) >> 8
                                let g = (Int((p >> 8) & 255) * kLight + hg) >> 8
                                let b = (Int((p >> 16) & 255) * kLight + hb) >> 8
                                rgb[o] = UInt8(min(255, r)); rgb[o + 1] = UInt8(min(255, g)); rgb[o + 2] = UInt8(min(255, b))
                                ids[rowBase + u] = gid
                            }
                        }
                    }
                }
            }
        }
    }

    /// Bilinear sample of a packed 0x00BBGGRR texture at texel coordinates (centres at +0.5).
    @inline(__always)
    static func bilinear(_ tex: UnsafeBufferPointer<UInt32>, _ w: Int, _ h: Int, _ x: Double, _ y: Double) -> UInt32 {
        let fx = max(0, min(Double(w - 1) - 1e-6, x)), fy = max(0, min(Double(h - 1) - 1e-6, y))
        let x0 = Int(fx), y0 = Int(fy)
        let x1 = min(w - 1, x0 + 1), y1 = min(h - 1, y0 + 1)
        let ax = UInt32((fx - Double(x0)) * 256), ay = UInt32((fy - Double(y0)) * 256)
        let a = tex[y0 * w + x0], b = tex[y0 * w + x1], c = tex[y1 * w + x0], d = tex[y1 * w + x1]
        // Red and blue lanes together, then green.
        let rbTop = ((a & 0xFF00FF) * (256 - ax) + (b & 0xFF00FF) * ax) >> 8 & 0xFF00FF
        let rbBot = ((c & 0xFF00FF) * (256 - ax) + (d & 0xFF00FF) * ax) >> 8 & 0xFF00FF
        let gTop = ((a & 0xFF00) * (256 - ax) + (b & 0xFF00) * ax) >> 8 & 0xFF00
        let gBot = ((c & 0xFF00) * (256 - ax) + (d & 0xFF00) * ax) >> 8 & 0xFF00
        let rb = (rbTop * (256 - ay) + rbBot * ay) >> 8 & 0xFF00FF
        let g = (gTop * (256 - ay) + gBot * ay) >> 8 & 0xFF00
        return rb | g
    }

    // MARK: Objects

    private func drawObjects(_ objects: [SynthObject], _ view: SynthView) {
        let lt = scene.lighting
        let sun = lt.sunDirection
        // Far to near, so nearer objects cover farther ones.
        let order = objects.indices.sorted { a, b in
            let da = squaredDistance(objects[a].position, view), db = squaredDistance(objects[b].position, view)
            return da != db ? da > db : a < b
        }
        var meshes: [Int: [SynthFace]] = [:]
        for i in order { meshes[i] = SynthMesh.faces(of: objects[i], sprites: sprites) }
        // Shadows on the ground.
        if lt.sunStrength > 0.05 && sun.z > 0.05 {
            let strength = Float(min(0.6, lt.sunStrength * 0.55))
            for i in order {
                guard let faces = meshes[i] else { continue }
                var pts: [SynthPoint2] = []
                for face in faces where !face.isDecal { for p in face.points {
                    pts.append(SynthPoint2(x: p.x - p.z * sun.x / sun.z, y: p.y - p.z * sun.y / sun.z))
                } }
                let hull = convexHull(pts)
                let poly = view.projectPolygon(hull.map { SynthPoint3(x: $0.x, y: $0.y, z: 0) })
                raster.shadeConvex(poly, strength: strength)
            }
        }
        for i in order {
            guard let faces = meshes[i] else { continue }
            let id = UInt16(Int(SynthRaster.objectIdBase) + i)
            // Faces far to near within the object.
            let visible = faces.filter { face in
                let c = centroid(face.points)
                return view.facesCamera(point: c, normal: face.normal)
            }.map { face -> (SynthFace, Double) in
                let c = centroid(face.points)
                let cam = view.toCamera(c.x, c.y, c.z)
                return (face, cam.2)
            }.sorted { a, b in a.0.isDecal != b.0.isDecal ? !a.0.isDecal : a.1 > b.1 }
            for (face, _) in visible {
                let light = Float(lt.exposure * (lt.ambient + lt.sunStrength * max(0, dot(face.normal, sun))))
                if let sprite = face.sprite {
                    let cam = face.points.map { view.toCamera($0.x, $0.y, $0.z) }
                    if cam.allSatisfy({ $0.2 > SynthView.nearPlane }) {
                        let q = cam.map { view.toPixel($0) }
                        let tint = face.emissive ? SynthColor(1, 1, 1).scaled(max(0.9, light))
                            : face.color.scaled(light)
                        raster.fillQuadTextured(q, texture: sprite, tint: tint, id: id)
                        continue
                    }
                }
                let poly = view.projectPolygon(face.points)
                raster.fillConvex(poly, color: face.color.scaled(light), id: id)
            }
        }
    }

    private func squaredDistance(_ p: SynthPoint2, _ v: SynthView) -> Double {
        let dx = p.x - v.posX, dy = p.y - v.posY
        return dx * dx + dy * dy
    }

    private func centroid(_ pts: [SynthPoint3]) -> SynthPoint3 {
        var x = 0.0, y = 0.0, z = 0.0
        for p in pts { x += p.x; y += p.y; z += p.z }
        let n = Double(max(1, pts.count))
        return SynthPoint3(x: x / n, y: y / n, z: z / n)
    }

    private func dot(_ a: SynthPoint3, _ b: SynthPoint3) -> Double { a.x * b.x + a.y * b.y + a.z * b.z }

    // MARK: Labels

    /// Smallest number of visible pixels for a label.
    public static let minimumLabelPixels = 12

    private func extractLabels(objects: [SynthObject], view: SynthView) -> [SynthLabel] {
        let base = Int(SynthRaster.objectIdBase)
        let n = base + objects.count
        var minX = [Int](repeating: Int.max, count: n), minY = minX
        var maxX = [Int](repeating: -1, count: n), maxY = maxX
        var count = [Int](repeating: 0, count: n)
        let w = raster.width
        do {
            let ids = raster.ids
            for y in 0..<raster.height {
                for x in 0..<w {
                    let id = Int(ids[y * w + x])
                    guard id > 0, id < n else { continue }
                    count[id] += 1
                    if x < minX[id] { minX[id] = x }
                    if x > maxX[id] { maxX[id] = x }
                    if y < minY[id] { minY[id] = y }
                    if y > maxY[id] { maxY[id] = y }
                }
            }
        }
        var labels: [SynthLabel] = []
        for id in 1..<n where count[id] >= Self.minimumLabelPixels {
            let box = Box(x1: Float(minX[id]), y1: Float(minY[id]), x2: Float(maxX[id] + 1), y2: Float(maxY[id] + 1))
            if id < base {
                guard let cls = map.componentClass(UInt8(id)) else { continue }
                labels.append(SynthLabel(objectClass: cls, box: box, pixels: count[id], objectIndex: nil))
            } else {
                let k = id - base
                let o = objects[k]
                guard let cls = o.kind.labelClass else { continue }
                if cls.isSignal {
                    // A signal is labelled by its state only when its lamps face the camera.
                    let fd = o.facing * .pi / 180
                    let toCam = SynthPoint2(x: view.posX - o.position.x, y: view.posY - o.position.y)
                    if toCam.dot(SynthPoint2(x: sin(fd), y: cos(fd))) <= 0 { continue }
                }
                labels.append(SynthLabel(objectClass: cls, box: box, pixels: count[id], objectIndex: k))
            }
        }
        return labels
    }

    // MARK: Effects

    private func applyEffects(frameSeed: UInt64) {
        let fx = scene.effects
        let w = raster.width, h = raster.height
        if fx.horizontalBlur > 1 { SynthEffectsKernel.boxBlur(raster.rgb, width: w, height: h, length: fx.horizontalBlur, horizontal: true) }
        if fx.verticalBlur > 1 { SynthEffectsKernel.boxBlur(raster.rgb, width: w, height: h, length: fx.verticalBlur, horizontal: false) }
        if fx.vignette > 0 { SynthEffectsKernel.vignette(raster.rgb, width: w, height: h, strength: fx.vignette) }
        if fx.noise > 0 {
            var rng = SynthRandom(seed: scene.seed ^ 0x5EED, stream: frameSeed)
            SynthEffectsKernel.noise(raster.rgb, count: w * h * 3, sigma: fx.noise, rng: &rng)
        }
    }
}
