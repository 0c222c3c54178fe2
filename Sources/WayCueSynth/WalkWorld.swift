import Foundation
import WayCueImage

/// A scripted walk made concrete: the route and scene built from a ``WalkScript``, the
/// walker's motion simulated, and frames rendered with their ground truth.
public final class WalkWorld {
    /// The script.
    public let script: WalkScript
    /// The route walked (paving and crossings), world metres.
    public let route: SynthPath
    /// The camera of every frame.
    public let camera: CameraModel
    /// Length of the walk in seconds.
    public let duration: Double
    /// Every event in time order.
    public let events: [WalkEvent]

    let renderer: SynthRenderer
    let pieceKinds: [String]
    let crossings: [(kerbS: Double, road: Double)]
    let guideStrips: [SynthPath]
    let warningRanges: [ClosedRange<Double>]
    /// Route distance and side (`"left"`, `"right"`) of each branch of the paving.
    let junctions: [(s: Double, side: String)]
    /// Buildings lining the route (not labelled).
    let scenery: [SynthObject]
    /// Walker arc length and state sampled every `step` seconds.
    let samples: [(s: Double, state: UInt8)]
    static let step = 0.01
    static let nearDistance = 3.0
    static let contactDistance = 0.5

    /// Builds the walk.
    ///
    /// - Parameters:
    ///   - script: The parsed script.
    ///   - imageWidth: Frame width.
    ///   - imageHeight: Frame height.
    ///   - minimumTexel: Smallest ground texel in metres (coarser paints faster; tests use 4 cm).
    public init(script: WalkScript, imageWidth: Int = 320, imageHeight: Int = 240, minimumTexel: Double = 0.01) {
        self.script = script
        var cam = CameraModel.chestDefault
        cam.imageWidth = imageWidth; cam.imageHeight = imageHeight
        if let h = script.cameraHeight { cam.height = h }
        if let p = script.cameraPitch { cam.pitchDegrees = p }
        if let f = script.cameraHFOV { cam.horizontalFOVDegrees = f }
        camera = cam

        // Route and ground.
        var route = SynthPath(start: SynthPoint2(x: 0, y: 0), heading: 0)
        var layout = GroundLayout(material: script.ground)
        var kinds: [String] = []
        var crossings: [(Double, Double)] = []
        var strips: [SynthPath] = []
        var warnings: [ClosedRange<Double>] = []
        var branches: [(s: Double, side: String)] = []
        var run: SynthPath?
        let material = script.pavingMaterial.flatMap { PavingMaterial.named($0) }
        if material != nil || script.realistic != nil {
            var real = script.realistic ?? RealisticGround()
            real.sunAzimuth = script.lighting.sunAzimuth
            real.sunElevation = script.lighting.sunElevation
            real.seed = script.seed ^ 0xC1A7
            layout.realistic = real
        }
        func styled(_ p: WarningPatch) -> WarningPatch {
            var p = p
            p.material = material
            return p
        }
        func closeRun() {
            if let r = run, !r.pieces.isEmpty {
                strips.append(r)
                var g = GuideStrip(path: r, width: script.pavingWidth, color: script.pavingColor, wear: script.pavingWear)
                g.material = material
                layout.strips.append(g)
            }
            run = nil
        }
        for piece in script.route {
            let s0 = route.length
            let (p0, h0) = route.end
            switch piece {
            case .straight(let l):
                if run == nil { run = SynthPath(start: p0, heading: h0) }
                run?.straight(l); route.straight(l); kinds.append("straight")
            case .bend(let d, let l):
                if run == nil { run = SynthPath(start: p0, heading: h0) }
                run?.bend(d, over: l); route.bend(d, over: l); kinds.append("bend")
            case .warning(let l):
                closeRun()
                layout.patches.append(styled(WarningPatch(origin: p0, heading: h0, depth: l, width: max(script.pavingWidth, 0.6),
                                                          color: script.pavingColor, wear: script.pavingWear)))
                warnings.append(s0...(s0 + l))
                route.straight(l); kinds.append("warning")
            case .branch(let d, let l):
                // A side strip from the junction, and a warning square on the route there.
                let sq = max(0.6, script.pavingWidth * 2)
                let hr = h0 * .pi / 180, br = (h0 + d) * .pi / 180
                var b = SynthPath(start: SynthPoint2(x: p0.x + sin(br) * sq / 2, y: p0.y + cos(br) * sq / 2), heading: h0 + d)
                b.straight(l)
                var g = GuideStrip(path: b, width: script.pavingWidth, color: script.pavingColor, wear: script.pavingWear)
                g.material = material
                layout.strips.append(g)
                layout.patches.append(styled(WarningPatch(origin: SynthPoint2(x: p0.x - sin(hr) * sq / 2, y: p0.y - cos(hr) * sq / 2),
                                                          heading: h0, depth: sq, width: sq, color: script.pavingColor,
                                                          wear: script.pavingWear)))
                warnings.append((s0 - sq / 2)...(s0 + sq / 2))
                branches.append((s0, d > 0 ? "right" : "left"))
            case .plain(let l):
                closeRun()
                route.straight(l); kinds.append("plain")
            case .crossing(let road, let width, let wear):
                closeRun()
                layout.crossings.append(ZebraCrossing(kerb: p0, heading: h0, roadWidth: road, width: width, wear: wear))
                // Warning bands at both kerbs.
                let hr = h0 * .pi / 180
                let back = SynthPoint2(x: p0.x - sin(hr) * 0.6, y: p0.y - cos(hr) * 0.6)
                layout.patches.append(styled(WarningPatch(origin: back, heading: h0, depth: 0.6, width: max(1.2, script.pavingWidth),
                                                          color: script.pavingColor, wear: script.pavingWear)))
                let far = SynthPoint2(x: p0.x + sin(hr) * road, y: p0.y + cos(hr) * road)
                layout.patches.append(styled(WarningPatch(origin: far, heading: h0, depth: 0.6, width: max(1.2, script.pavingWidth),
                                                          color: script.pavingColor, wear: script.pavingWear)))
                warnings.append((s0 - 0.6)...s0)
                warnings.append((s0 + road)...(s0 + road + 0.6))
                crossings.append((s0, road))
                route.straight(road); kinds.append("crossing")
            }
        }
        closeRun()
        self.route = route
        pieceKinds = kinds
        self.crossings = crossings
        guideStrips = strips
        warningRanges = warnings
        junctions = branches

        // Ground bounds: the route's box with a margin, texel sized to keep the map small.
        var minX = -8.0, minY = -8.0, maxX = 8.0, maxY = 8.0
        let n = max(2, Int(route.length / 0.5))
        for i in 0...n {
            let (p, h) = route.pose(at: route.length * Double(i) / Double(n) + (i == n ? 25 : 0))
            _ = h
            minX = min(minX, p.x - 10); maxX = max(maxX, p.x + 10); minY = min(minY, p.y - 10); maxY = max(maxY, p.y + 10)
        }
        let area = (maxX - minX) * (maxY - minY)
        let texel = max(minimumTexel, (area / 12_000_000).squareRoot())
        var scene = SynthScene(camera: cam, ground: layout, groundBounds: [minX, minY, maxX, maxY], texel: texel,
                               objects: [], lighting: script.lighting, effects: script.effects, seed: script.seed)
        scene.objects = []
        renderer = SynthRenderer(scene: scene)
        scenery = Self.buildings(route: route, crossings: crossings, seed: script.seed)

        // Simulate the walker.
        var samples: [(Double, UInt8)] = []
        var events: [WalkEvent] = [WalkEvent(t: 0, type: "start", name: nil, detail: nil, s: 0)]
        var s = 0.0
        var t = 0.0
        var pauseUntil: Double?
        var pausesLeft = script.pauses.sorted { $0.at < $1.at }
        var waitingAt: Int?
        var arrived = Set<Int>(), started = Set<Int>(), ended = Set<Int>()
        var pieceIndex = -1
        var junctionIndex = 0
        let hardLimit = script.duration ?? 3600
        let dt = Self.step
        var lastPhases = script.lights.map { Self.phase(of: $0, at: 0).state }
        var near = Set<Int>(), contact = Set<Int>(), passed = Set<Int>(), ahead = Set<Int>()
        let obstacleNames = Self.obstacleNames(script)
        let lightNames = Self.lightNames(script)
        var state: UInt8 = 0
        var stepIndex = 0
        while true {
            // Piece entries.
            while pieceIndex + 1 < route.pieces.count && s >= route.pieces[pieceIndex + 1].s0 - 1e-9 {
                pieceIndex += 1
                events.append(WalkEvent(t: t, type: "piece", name: nil, detail: kinds[pieceIndex], s: s))
            }
            // Junctions passed (a branch leaves the route's paving here).
            while junctionIndex < branches.count && s >= branches[junctionIndex].s - 1e-9 {
                events.append(WalkEvent(t: t, type: "junction", name: nil, detail: branches[junctionIndex].side, s: s))
                junctionIndex += 1
            }
            // Light changes.
            for (i, light) in script.lights.enumerated() {
                let ph = Self.phase(of: light, at: t).state
                if ph != lastPhases[i] {
                    events.append(WalkEvent(t: t, type: "light_change", name: lightNames[i], detail: ph, s: s))
                    lastPhases[i] = ph
                }
            }
            // Obstacles.
            let pose = Self.walkerPose(route: route, s: s, offset: script.walkerOffset)
            for (i, o) in script.obstacles.enumerated() {
                let p = Self.obstaclePosition(route: route, o, t: t)
                let l = pose.local(p)
                let d = l.length
                if l.y > 0.3 { ahead.insert(i) }
                if d < Self.nearDistance && !near.contains(i) {
                    near.insert(i); events.append(WalkEvent(t: t, type: "obstacle_near", name: obstacleNames[i], detail: nil, s: s))
                }
                if d < Self.contactDistance && !contact.contains(i) {
                    contact.insert(i); events.append(WalkEvent(t: t, type: "obstacle_contact", name: obstacleNames[i], detail: nil, s: s))
                }
                if l.y < -0.3 && ahead.contains(i) && !passed.contains(i) {
                    passed.insert(i); events.append(WalkEvent(t: t, type: "obstacle_passed", name: obstacleNames[i], detail: nil, s: s))
                }
            }
            // Crossing progress.
            for (ci, c) in crossings.enumerated() {
                if s > c.0 && !started.contains(ci) {
                    started.insert(ci); events.append(WalkEvent(t: t, type: "crossing_start", name: nil, detail: nil, s: s))
                }
                if s > c.0 + c.1 && !ended.contains(ci) {
                    ended.insert(ci); events.append(WalkEvent(t: t, type: "crossing_end", name: nil, detail: nil, s: s))
                }
            }
            samples.append((s, state))
            if s >= route.length - 1e-9 || t >= hardLimit - 1e-9 { break }
            // Advance.
            stepIndex += 1
            t = Double(stepIndex) * dt
            if let until = pauseUntil {
                state = 2
                if t >= until - 1e-9 {
                    pauseUntil = nil; state = 0
                    events.append(WalkEvent(t: t, type: "pause_end", name: nil, detail: nil, s: s))
                }
                continue
            }
            if let ci = waitingAt {
                state = 1
                if Self.pedestrianGreen(script, crossing: ci, at: t) {
                    waitingAt = nil; state = 0
                } else { continue }
            }
            var next = s + script.walkerSpeed * dt
            if let p = pausesLeft.first, next >= p.at, s <= p.at {
                next = p.at; pausesLeft.removeFirst()
                pauseUntil = t + p.seconds; state = 2
                events.append(WalkEvent(t: t, type: "pause_start", name: nil, detail: nil, s: next))
            }
            for (ci, c) in crossings.enumerated() where !arrived.contains(ci) {
                let stop = c.0 - 0.35
                if next >= stop && s <= stop + 1e-9 {
                    arrived.insert(ci)
                    events.append(WalkEvent(t: t, type: "kerb_arrival", name: nil, detail: nil, s: stop))
                    if script.lights.contains(where: { $0.crossing == ci && $0.kind == "pedestrian" }),
                       !Self.pedestrianGreen(script, crossing: ci, at: t) {
                        next = stop; waitingAt = ci; state = 1
                    }
                }
            }
            s = min(next, route.length)
        }
        let end = Double(samples.count - 1) * dt
        events.append(WalkEvent(t: end, type: "end", name: nil, detail: nil, s: s))
        duration = end
        self.samples = samples
        self.events = events
    }

    /// Blocks of buildings about 11 m either side of the route, with gaps at the roads.
    static func buildings(route: SynthPath, crossings: [(Double, Double)], seed: UInt64) -> [SynthObject] {
        var rng = SynthRandom(seed: seed, stream: 9)
        var out: [SynthObject] = []
        for side in [-1.0, 1.0] {
            var s = -10.0
            while s < route.length + 40 {
                let w = rng.uniform(6...14)
                let mid = s + w / 2
                let blocked = crossings.contains { mid + w / 2 > $0.0 - 2 && mid - w / 2 < $0.0 + $0.1 + 2 }
                if !blocked {
                    let (p, h) = route.pose(at: mid)
                    let hr = h * .pi / 180
                    let off = side * (rng.uniform(10...12) + 4)
                    out.append(SynthObject(.building(width: w, depth: 8, height: rng.uniform(6...18), shade: rng.uniform(0.7...1.15)),
                                           at: SynthPoint2(x: p.x + cos(hr) * off, y: p.y - sin(hr) * off),
                                           facing: h + (side > 0 ? 270 : 90), name: "building"))
                }
                s += w + rng.uniform(0...2)
            }
        }
        return out
    }

    // MARK: Script helpers

    static func obstacleNames(_ s: WalkScript) -> [String] {
        var counts: [String: Int] = [:]
        return s.obstacles.map { o in counts[o.kind, default: 0] += 1; return "\(o.kind)\(counts[o.kind]!)" }
    }

    static func lightNames(_ s: WalkScript) -> [String] {
        var counts: [String: Int] = [:]
        return s.lights.map { l in
            let k = l.kind == "pedestrian" ? "ped" : "vehicle"
            counts[k, default: 0] += 1
            return "\(k)\(counts[k]!)"
        }
    }

    /// The phase of a light at time `t` and the seconds left until its green ends (for countdowns).
    static func phase(of light: WalkScript.Light, at t: Double) -> (state: String, into: Double, greenLeft: Double?) {
        let total = light.phases.reduce(0) { $0 + $1.seconds }
        var u = t.truncatingRemainder(dividingBy: total)
        for (i, p) in light.phases.enumerated() {
            if u < p.seconds {
                var left: Double?
                if p.state == "green" || p.state == "flashing" {
                    var rest = p.seconds - u
                    var j = i + 1
                    while j < light.phases.count && (light.phases[j].state == "flashing" || light.phases[j].state == "green") {
                        rest += light.phases[j].seconds; j += 1
                    }
                    left = rest
                }
                return (p.state, u, left)
            }
            u -= p.seconds
        }
        return (light.phases[light.phases.count - 1].state, 0, nil)
    }

    static func pedestrianGreen(_ s: WalkScript, crossing: Int, at t: Double) -> Bool {
        for l in s.lights where l.crossing == crossing && l.kind == "pedestrian" {
            return phase(of: l, at: t).state == "green"
        }
        return true
    }

    static func walkerPose(route: SynthPath, s: Double, offset: Double) -> WalkerPose {
        let (p, h) = route.pose(at: s)
        let hr = h * .pi / 180
        return WalkerPose(x: p.x + cos(hr) * offset, y: p.y - sin(hr) * offset, heading: h)
    }

    static func obstaclePosition(route: SynthPath, _ o: WalkScript.Obstacle, t: Double) -> SynthPoint2 {
        let (p, h) = route.pose(at: o.y - o.speed * t)
        let hr = h * .pi / 180
        return SynthPoint2(x: p.x + cos(hr) * o.x, y: p.y - sin(hr) * o.x)
    }

    // MARK: Frames

    /// The walker's arc length and state at time `t`.
    func walkerSample(at t: Double) -> (s: Double, state: String) {
        let k = min(samples.count - 1, max(0, Int((t / Self.step).rounded())))
        let names = ["walking", "waiting", "paused"]
        let state = t > duration + 1e-9 ? "finished" : names[Int(samples[k].state)]
        return (samples[k].s, state)
    }

    /// Route distance, metres, from the walker at time `t` to the nearest warning tiles of the
    /// walk (warning pieces, a junction's square, both kerbs of a crossing) that the walker has
    /// not left more than `behind` metres behind: 0 while on them, nil when none are left.
    public func warningTilesDistance(at t: Double, behind: Double = 1.5) -> Double? {
        let s = walkerSample(at: t).s
        return warningRanges.filter { $0.upperBound >= s - behind }.map { max(0, $0.lowerBound - s) }.min()
    }

    /// Number of frames at `fps`.
    public func frameCount(fps: Double) -> Int { Int((duration * fps).rounded(.down)) + 1 }

    /// The objects of the scene at time `t`: obstacles where they have moved, lights in their phase.
    public func objects(at t: Double) -> [SynthObject] {
        var out: [SynthObject] = []
        let names = Self.obstacleNames(script)
        for (i, o) in script.obstacles.enumerated() {
            let p = Self.obstaclePosition(route: route, o, t: t)
            let kind: SynthObjectKind
            switch o.kind {
            case "cone": kind = .cone(height: o.height > 0 ? o.height : 0.7)
            case "bollard": kind = .bollard(height: o.height > 0 ? o.height : 0.9, radius: 0.1)
            case "pole": kind = .pole(height: o.height > 0 ? o.height : 3.5, radius: 0.06)
            case "person": kind = .person(height: o.height > 0 ? o.height : 1.72, clothes: i)
            default: kind = .stairs(steps: 4, width: 2.5)
            }
            let (_, h) = route.pose(at: o.y - o.speed * t)
            out.append(SynthObject(kind, at: p, facing: h + 180, name: names[i]))
        }
        let lightNames = Self.lightNames(script)
        for (i, l) in script.lights.enumerated() {
            let c = crossings[l.crossing]
            let (p, h) = route.pose(at: c.kerbS + c.road + 0.5)
            let hr = h * .pi / 180
            let width = crossingWidth(l.crossing)
            let side = l.kind == "pedestrian" ? width / 2 + 0.8 : -(width / 2 + 1.6)
            let base = SynthPoint2(x: p.x + cos(hr) * side, y: p.y - sin(hr) * side)
            let ph = Self.phase(of: l, at: t)
            let facing = h + 180
            let fr = facing * .pi / 180
            let head = SynthPoint2(x: base.x + sin(fr) * 0.17, y: base.y + cos(fr) * 0.17)
            if l.kind == "pedestrian" {
                let elevation = 2.4
                out.append(SynthObject(.pole(height: elevation + 0.5, radius: 0.06), at: base, name: "\(lightNames[i])_pole"))
                let lit = Self.pedestrianLit(ph.state, into: ph.into)
                let countdown: Int? = l.countdown && (lit == .green || ph.state == "flashing") ? ph.greenLeft.map { Int($0.rounded(.up)) } : nil
                out.append(SynthObject(.pedestrianSignal(state: lit, countdown: countdown, elevation: elevation),
                                       at: head, facing: facing, name: lightNames[i]))
            } else {
                let elevation = 3.6
                out.append(SynthObject(.pole(height: elevation + 0.6, radius: 0.08), at: base, name: "\(lightNames[i])_pole"))
                out.append(SynthObject(.vehicleSignal(state: Self.vehicleLit(ph.state, into: ph.into), elevation: elevation),
                                       at: head, facing: facing, name: lightNames[i]))
            }
        }
        return out + scenery
    }

    func crossingWidth(_ i: Int) -> Double {
        var k = 0
        for p in script.route { if case .crossing(_, let w, _) = p { if k == i { return w }; k += 1 } }
        return 4
    }

    static func pedestrianLit(_ phase: String, into: Double) -> PedestrianSignalState {
        switch phase {
        case "red": return .red
        case "green": return .green
        case "flashing": return into.truncatingRemainder(dividingBy: 1) < 0.5 ? .green : .dark
        default: return .dark
        }
    }

    static func vehicleLit(_ phase: String, into: Double) -> VehicleSignalState {
        switch phase {
        case "red": return .red
        case "yellow": return .yellow
        case "green": return .green
        case "flashing": return into.truncatingRemainder(dividingBy: 1) < 0.5 ? .yellow : .dark
        default: return .dark
        }
    }

    /// Body shake at time `t` while walking (steady while standing).
    func shake(at t: Double, moving: Bool) -> CameraShake {
        let k = script.shake * (moving ? 1 : 0.15)
        let f = 1.8 * 2 * Double.pi
        let jitter = Double(synthHash(Int(t * 10), 0, script.seed) & 1023) / 1023 - 0.5
        return CameraShake(pitch: k * (0.8 * sin(f * t + 0.5) + 0.2 * jitter), yaw: k * 1.2 * sin(f * t / 2),
                           lift: k * 0.015 * sin(f * t))
    }

    /// Renders frame `index` at `fps` with its ground truth. `previousT` bounds the events reported.
    public func frame(index: Int, fps: Double) -> (SynthFrame, WalkTruthFrame) {
        let t = Double(index) / fps
        let prev = index == 0 ? -1 : Double(index - 1) / fps
        let sample = walkerSample(at: t)
        let pose = Self.walkerPose(route: route, s: sample.s, offset: script.walkerOffset)
        let objects = objects(at: t)
        let frame = renderer.render(pose: pose, shake: shake(at: t, moving: sample.state == "walking"), objects: objects,
                                    frameSeed: UInt64(index))
        var boxes: [Int: Box] = [:]
        for l in frame.labels { if let k = l.objectIndex { boxes[k] = l.box } }
        func arr(_ b: Box?) -> [Float]? { b.map { [$0.x1, $0.y1, $0.x2, $0.y2] } }
        var obstacles: [ObstacleTruth] = []
        var lights: [LightTruth] = []
        let lightNames = Self.lightNames(script)
        for (k, o) in objects.enumerated() {
            let (d, b) = pose.distanceAndBearing(o.position)
            if k < script.obstacles.count {
                obstacles.append(ObstacleTruth(name: o.name, objectClass: o.kind.labelClass?.rawValue ?? "", distance: r4(d),
                                               bearing: r4(b), visible: boxes[k] != nil, box: arr(boxes[k])))
            } else if let li = lightNames.firstIndex(of: o.name) {
                let l = script.lights[li]
                let ph = Self.phase(of: l, at: t)
                var lit = "dark"
                var countdown: Int?
                switch o.kind {
                case .pedestrianSignal(let st, let cd, _): lit = st.rawValue; countdown = cd
                case .vehicleSignal(let st, _): lit = st.rawValue
                default: break
                }
                lights.append(LightTruth(name: o.name, kind: l.kind, phase: ph.state, lit: lit, countdown: countdown,
                                         objectClass: o.kind.labelClass?.rawValue, distance: r4(d), bearing: r4(b),
                                         visible: boxes[k] != nil, box: arr(boxes[k])))
            }
        }
        // Paving relative to the walker.
        var paving: PavingTruth?
        let onRoad = crossings.contains { sample.s > $0.kerbS && sample.s < $0.kerbS + $0.road }
        if !onRoad {
            var best: (Double, Double)?
            for strip in guideStrips {
                guard let n = strip.nearest(to: SynthPoint2(x: pose.x, y: pose.y)) else { continue }
                if abs(n.offset) < 2 && (best == nil || abs(n.offset) < abs(best!.0)) {
                    best = (-n.offset, wrapDegrees(n.heading - pose.heading))
                }
            }
            let onWarning = warningRanges.contains { $0.contains(sample.s) }
            if let best { paving = PavingTruth(offset: r4(best.0), heading: r4(best.1), onWarning: onWarning) }
            else if onWarning { paving = PavingTruth(offset: 0, heading: 0, onWarning: true) }
        }
        let kerb = crossings.map { $0.kerbS - sample.s }.filter { $0 >= 0 && $0 <= 30 }.min()
        let isLast = index >= frameCount(fps: fps) - 1
        let evs = events.filter { $0.t > prev + 1e-9 && (isLast || $0.t <= t + 1e-9) }.map { e -> WalkEvent in
            var e = e; e.t = r4(e.t); e.s = r4(e.s); return e
        }
        let truth = WalkTruthFrame(
            frame: index, t: r4(t),
            walker: WalkerTruth(x: r4(pose.x), y: r4(pose.y), heading: r4(pose.heading), s: r4(sample.s), state: sample.state),
            paving: paving, kerbAhead: kerb.map(r4), obstacles: obstacles, lights: lights,
            labels: frame.labels.map { LabelTruth(objectClass: $0.objectClass.rawValue, box: [$0.box.x1, $0.box.y1, $0.box.x2, $0.box.y2]) },
            events: evs)
        return (frame, truth)
    }
}

/// Rounds to 4 decimals for readable ground truth.
func r4(_ v: Double) -> Double {
    let r = (v * 10_000).rounded() / 10_000
    return r == 0 ? 0 : r  // no "-0" in the JSON
}
