import Foundation

/// What a pedestrian signal head shows.
public enum PedestrianSignalState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Red standing figure lit.
    case red
    /// Green walking figure lit.
    case green
    /// Nothing lit (a flashing green in its off phase, or a dead head).
    case dark
}

/// What a vehicle signal head shows.
public enum VehicleSignalState: String, Sendable, Hashable, Codable, CaseIterable {
    case red, yellow, green, dark
}

/// A 3-D thing standing on the ground.
public enum SynthObjectKind: Sendable, Hashable, Codable {
    /// A round metal pole.
    case pole(height: Double, radius: Double)
    /// A short round post.
    case bollard(height: Double, radius: Double)
    /// A traffic cone.
    case cone(height: Double)
    /// A pedestrian signal head (housing 0.32 x 0.62 m) whose centre is `elevation` metres up,
    /// optionally with countdown digits.
    case pedestrianSignal(state: PedestrianSignalState, countdown: Int?, elevation: Double)
    /// A three-lamp vehicle signal head (0.3 x 0.9 m) whose centre is `elevation` metres up.
    case vehicleSignal(state: VehicleSignalState, elevation: Double)
    /// A flight of steps going up, away from its front edge.
    case stairs(steps: Int, width: Double)
    /// A plain building block (scenery, not labelled).
    case building(width: Double, depth: Double, height: Double, shade: Double)
    /// A raised kerb stone run along the object's facing (scenery, not labelled).
    case kerb(length: Double, height: Double)
    /// A standing pedestrian made of boxes (legs, torso, arms, head), `height` metres tall,
    /// clothes from a small palette (`clothes` picks one).
    case person(height: Double, clothes: Int)

    /// The label class this object carries now, `nil` for scenery and dark signals.
    public var labelClass: SynthClass? {
        switch self {
        case .pole: return .pole
        case .bollard: return .bollard
        case .cone: return .cone
        case .pedestrianSignal(let s, _, _):
            switch s { case .red: return .pedRed; case .green: return .pedGreen; case .dark: return nil }
        case .vehicleSignal(let s, _):
            switch s {
            case .red: return .vehicleRed; case .yellow: return .vehicleYellow
            case .green: return .vehicleGreen; case .dark: return nil
            }
        case .stairs: return .stairs
        case .person: return .person
        case .building, .kerb: return nil
        }
    }

    /// Whether the cue layer treats this as an obstacle on the walker's way.
    public var isObstacle: Bool {
        switch self {
        case .pole, .bollard, .cone, .stairs, .person: return true
        default: return false
        }
    }
}

/// One 3-D object placed in the world.
public struct SynthObject: Sendable, Hashable, Codable {
    public var kind: SynthObjectKind
    /// Foot point on the ground, world metres.
    public var position: SynthPoint2
    /// Direction the object's front faces, degrees (a signal's lamps look this way).
    public var facing: Double
    /// A name for ground truth ("cone1", "ped_light"); free text.
    public var name: String
    /// Creates an object.
    public init(_ kind: SynthObjectKind, at position: SynthPoint2, facing: Double = 180, name: String = "") {
        self.kind = kind; self.position = position; self.facing = facing; self.name = name
    }
}

/// A flat face of a mesh: a convex planar polygon with an outward normal and a colour, or a
/// textured quad (corners top-left, top-right, bottom-right, bottom-left).
struct SynthFace {
    var points: [SynthPoint3]
    var normal: SynthPoint3
    var color: SynthColor
    var sprite: SynthSprite?
    /// Emissive faces (lit lamps) ignore scene lighting.
    var emissive: Bool = false
    /// The front face of a signal: the object is labelled only when this faces the camera.
    var isSignalFront: Bool = false
    /// A decal (a window on a facade) drawn after the object's other faces.
    var isDecal: Bool = false
}

enum SynthMesh {
    /// Faces of a (possibly tapered) cylinder made of `sides` flat sides, split into colour bands.
    static func cylinder(at c: SynthPoint2, bands: [(z0: Double, z1: Double, r0: Double, r1: Double, color: SynthColor)],
                         sides: Int = 12, cap: SynthColor?) -> [SynthFace] {
        var faces: [SynthFace] = []
        for band in bands {
            let slope = (band.r0 - band.r1) / max(1e-6, band.z1 - band.z0)
            for i in 0..<sides {
                let a0 = Double(i) / Double(sides) * 2 * .pi, a1 = Double(i + 1) / Double(sides) * 2 * .pi
                let am = (a0 + a1) / 2
                let p = [
                    SynthPoint3(x: c.x + band.r0 * cos(a0), y: c.y + band.r0 * sin(a0), z: band.z0),
                    SynthPoint3(x: c.x + band.r0 * cos(a1), y: c.y + band.r0 * sin(a1), z: band.z0),
                    SynthPoint3(x: c.x + band.r1 * cos(a1), y: c.y + band.r1 * sin(a1), z: band.z1),
                    SynthPoint3(x: c.x + band.r1 * cos(a0), y: c.y + band.r1 * sin(a0), z: band.z1),
                ]
                let nz = slope, nl = (1 + nz * nz).squareRoot()
                faces.append(SynthFace(points: p, normal: SynthPoint3(x: cos(am) / nl, y: sin(am) / nl, z: nz / nl),
                                       color: band.color))
            }
        }
        if let cap, let top = bands.last {
            let pts = (0..<sides).map { i -> SynthPoint3 in
                let a = Double(i) / Double(sides) * 2 * .pi
                return SynthPoint3(x: c.x + top.r1 * cos(a), y: c.y + top.r1 * sin(a), z: top.z1)
            }
            faces.append(SynthFace(points: pts, normal: SynthPoint3(x: 0, y: 0, z: 1), color: cap))
        }
        return faces
    }

    /// Faces of a box: centre of its base `c`, size along its facing (`depth`), across
    /// (`width`) and up, bottom at `z0`. `front` (optional) textures the face looking along `facing`.
    static func box(at c: SynthPoint2, facing: Double, width: Double, depth: Double, z0: Double, height: Double,
                    color: SynthColor, front: SynthSprite? = nil, frontEmissive: Bool = false) -> [SynthFace] {
        let h = facing * .pi / 180
        let f = SynthPoint2(x: sin(h), y: cos(h)), r = SynthPoint2(x: cos(h), y: -sin(h))
        func corner(_ a: Double, _ b: Double, _ z: Double) -> SynthPoint3 {
            let p = c + f * a + r * b
            return SynthPoint3(x: p.x, y: p.y, z: z)
        }
        let hd = depth / 2, hw = width / 2, z1 = z0 + height
        func n(_ v: SynthPoint2) -> SynthPoint3 { SynthPoint3(x: v.x, y: v.y, z: 0) }
        var faces: [SynthFace] = []
        // Front (looking along +f): as seen by a viewer in front, +r is the viewer's left.
        faces.append(SynthFace(points: [corner(hd, hw, z1), corner(hd, -hw, z1), corner(hd, -hw, z0), corner(hd, hw, z0)],
                               normal: n(f), color: color, sprite: front, emissive: frontEmissive, isSignalFront: front != nil))
        faces.append(SynthFace(points: [corner(-hd, -hw, z1), corner(-hd, hw, z1), corner(-hd, hw, z0), corner(-hd, -hw, z0)],
                               normal: n(f * -1), color: color))
        faces.append(SynthFace(points: [corner(hd, -hw, z1), corner(-hd, -hw, z1), corner(-hd, -hw, z0), corner(hd, -hw, z0)],
                               normal: n(r * -1), color: color))
        faces.append(SynthFace(points: [corner(-hd, hw, z1), corner(hd, hw, z1), corner(hd, hw, z0), corner(-hd, hw, z0)],
                               normal: n(r), color: color))
        faces.append(SynthFace(points: [corner(hd, hw, z1), corner(-hd, hw, z1), corner(-hd, -hw, z1), corner(hd, -hw, z1)],
                               normal: SynthPoint3(x: 0, y: 0, z: 1), color: color.scaled(1.05)))
        return faces
    }

    /// The faces of an object, in world coordinates.
    static func faces(of o: SynthObject, sprites: SpriteCache) -> [SynthFace] {
        let c = o.position
        switch o.kind {
        case .pole(let height, let radius):
            return cylinder(at: c, bands: [(0, height, radius, radius, SynthColor(120, 124, 128))], sides: 10,
                            cap: SynthColor(100, 100, 104))
        case .bollard(let height, let radius):
            return cylinder(at: c, bands: [
                (0, height * 0.75, radius, radius, SynthColor(48, 48, 52)),
                (height * 0.75, height * 0.85, radius, radius, SynthColor(230, 230, 225)),
                (height * 0.85, height, radius, radius * 0.8, SynthColor(48, 48, 52)),
            ], sides: 12, cap: SynthColor(60, 60, 64))
        case .cone(let height):
            let rb = height * 0.24, rt = height * 0.04
            func r(_ z: Double) -> Double { rb + (rt - rb) * z / height }
            let orange = SynthColor(240, 90, 20), white = SynthColor(238, 238, 232)
            let zs = [0.04, height * 0.45, height * 0.68, height]
            var faces = box(at: c, facing: o.facing, width: rb * 2.4, depth: rb * 2.4, z0: 0, height: 0.04,
                            color: SynthColor(40, 40, 40))
            faces += cylinder(at: c, bands: [
                (zs[0], zs[1], r(zs[0]), r(zs[1]), orange),
                (zs[1], zs[2], r(zs[1]), r(zs[2]), white),
                (zs[2], zs[3], r(zs[2]), r(zs[3]), orange),
            ], sides: 12, cap: orange)
            return faces
        case .pedestrianSignal(let state, let countdown, let elevation):
            let sprite = sprites.pedestrian(state, countdown: countdown)
            let w = countdown == nil ? 0.32 : 0.5
            return box(at: c, facing: o.facing, width: w, depth: 0.2, z0: elevation - 0.31, height: 0.62,
                       color: SynthColor(34, 34, 34), front: sprite, frontEmissive: true)
        case .vehicleSignal(let state, let elevation):
            return box(at: c, facing: o.facing, width: 0.3, depth: 0.2, z0: elevation - 0.45, height: 0.9,
                       color: SynthColor(30, 32, 30), front: sprites.vehicle(state), frontEmissive: true)
        case .stairs(let steps, let width):
            var faces: [SynthFace] = []
            let h = o.facing * .pi / 180
            // Steps rise going away from the viewer who faces `facing + 180`.
            let away = SynthPoint2(x: -sin(h), y: -cos(h))
            for i in 0..<max(1, steps) {
                let centre = c + away * (0.15 + 0.3 * Double(i))
                let k = Float(0.92 + 0.08 * Double(i % 2))
                faces += box(at: centre, facing: o.facing, width: width, depth: 0.3, z0: 0, height: 0.16 * Double(i + 1),
                             color: SynthColor(170 * k, 166 * k, 158 * k))
            }
            return faces
        case .person(let height, let clothes):
            let k = height / 1.75
            let h = o.facing * .pi / 180
            let r = SynthPoint2(x: cos(h), y: -sin(h))
            let shirts = [SynthColor(40, 60, 120), SynthColor(150, 30, 30), SynthColor(60, 60, 60), SynthColor(200, 200, 190),
                          SynthColor(40, 100, 60), SynthColor(180, 140, 40)]
            let shirt = shirts[abs(clothes) % shirts.count]
            let trousers = abs(clothes) % 2 == 0 ? SynthColor(35, 38, 48) : SynthColor(70, 60, 50)
            let skin = [SynthColor(224, 180, 150), SynthColor(170, 120, 90), SynthColor(110, 75, 55)][abs(clothes / 7) % 3]
            var faces: [SynthFace] = []
            for side in [-1.0, 1.0] {
                faces += box(at: c + r * (side * 0.1 * k), facing: o.facing, width: 0.13 * k, depth: 0.15 * k, z0: 0,
                             height: 0.86 * k, color: trousers)
                faces += box(at: c + r * (side * 0.27 * k), facing: o.facing, width: 0.09 * k, depth: 0.1 * k, z0: 0.82 * k,
                             height: 0.6 * k, color: shirt.scaled(0.9))
            }
            faces += box(at: c, facing: o.facing, width: 0.42 * k, depth: 0.24 * k, z0: 0.84 * k, height: 0.62 * k, color: shirt)
            faces += cylinder(at: c, bands: [(1.46 * k, 1.52 * k, 0.05 * k, 0.05 * k, skin),
                                             (1.52 * k, 1.75 * k, 0.1 * k, 0.09 * k, skin)], sides: 8,
                              cap: SynthColor(40, 30, 25))
            return faces
        case .kerb(let length, let height):
            return box(at: c, facing: o.facing, width: 0.15, depth: length, z0: 0, height: height,
                       color: SynthColor(176, 174, 168))
        case .building(let width, let depth, let height, let shade):
            let k = Float(shade)
            var faces = box(at: c, facing: o.facing, width: width, depth: depth, z0: 0, height: height,
                            color: SynthColor(170 * k, 158 * k, 140 * k))
            // Windows: dark panes a little in front of the facade, in a grid of storeys.
            let h = o.facing * .pi / 180
            let f = SynthPoint2(x: sin(h), y: cos(h)), r = SynthPoint2(x: cos(h), y: -sin(h))
            let front = c + f * (depth / 2 + 0.02)
            let cols = max(1, Int(width / 2.6)), rows = max(1, Int((height - 1) / 3))
            let pane = SynthColor(62, 72, 84)
            for row in 0..<rows {
                let z0 = 1.2 + Double(row) * 3, z1 = z0 + 1.6
                guard z1 < height - 0.3 else { break }
                for col in 0..<cols {
                    let a = -width / 2 + (Double(col) + 0.5) * width / Double(cols)
                    let p0 = front + r * (a - 0.6), p1 = front + r * (a + 0.6)
                    faces.append(SynthFace(points: [SynthPoint3(x: p0.x, y: p0.y, z: z1), SynthPoint3(x: p1.x, y: p1.y, z: z1),
                                                    SynthPoint3(x: p1.x, y: p1.y, z: z0), SynthPoint3(x: p0.x, y: p0.y, z: z0)],
                                           normal: SynthPoint3(x: f.x, y: f.y, z: 0), color: pane, isDecal: true))
                }
            }
            return faces
        }
    }
}
