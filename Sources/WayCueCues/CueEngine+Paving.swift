import Foundation
import WayCueDetector
import WayCueImage

/// The paving relative to the walker, measured at one frame.
public struct PavingMeasurement: Sendable, Hashable {
    /// Lateral offset of the paving's centre line from the walker, metres, positive right.
    public var offset: Double
    /// Heading of the paving relative to the walking direction, degrees, positive right;
    /// `nil` when it cannot be measured yet.
    public var headingDegrees: Double?
    /// Distance to the far end of the paving when it is visible, metres.
    public var farEnd: Double?
    /// Whether the measurement came from a mask (otherwise from boxes over time).
    public var fromMask: Bool
}

struct PavingState {
    enum Phase { case none, on, off }
    var phase: Phase = .none
    var lastSeen: Double = -.infinity
    var offsets: [(time: Double, offset: Double)] = []
    var aheadPending = false
    var trackID: Int?
}

extension CueEngine {
    /// The latest paving measurement's phase, for diagnostics: `"none"`, `"on"` or `"off"`.
    public var pavingPhase: String { "\(paving.phase)" }

    /// Measures paving from a mask: row centroids in the lower part of the image, projected
    /// to the ground, fitted with a line `x = a + b y`.
    public func measurePaving(mask: CueMask) -> PavingMeasurement? {
        guard mask.isValid else { return nil }
        let cam = configuration.camera
        let sx = Double(cam.imageWidth) / Double(mask.width)
        let sy = Double(cam.imageHeight) / Double(mask.height)
        let step = max(1, mask.height / 48)
        var pts: [(x: Double, y: Double)] = []
        var topRow: Int?
        for row in stride(from: mask.height - 1, through: 0, by: -step) {
            var sum = 0, count = 0
            let base = row * mask.width
            for col in 0..<mask.width where mask.values[base + col] != 0 { sum += col; count += 1 }
            guard count >= 2 else { continue }
            topRow = row
            let u = (Double(sum) / Double(count) + 0.5) * sx
            if let g = cam.groundPoint(u: u, v: (Double(row) + 0.5) * sy), g.y < 12 { pts.append(g) }
        }
        guard pts.count >= 3 else { return nil }
        let n = Double(pts.count)
        let my = pts.map(\.y).reduce(0, +) / n
        let mx = pts.map(\.x).reduce(0, +) / n
        let syy = pts.map { ($0.y - my) * ($0.y - my) }.reduce(0, +)
        guard syy > 0.01 else { return nil }
        let b = pts.map { ($0.y - my) * ($0.x - mx) }.reduce(0, +) / syy
        let a = mx - b * my
        var far: Double?
        if let top = topRow, top > step, let g = cam.groundPoint(u: Double(cam.imageWidth) / 2, v: Double(top) * sy) {
            far = g.y
        }
        return PavingMeasurement(offset: a + b * 1.0, headingDegrees: atan(b) * 180 / .pi, farEnd: far, fromMask: true)
    }

    /// Measures paving from a tracked box: the offset of the bottom centre, the heading from
    /// how that offset drifts while walking, and the far end when the box's top is visible.
    public func measurePaving(track: Track, now: Double) -> PavingMeasurement? {
        let cam = configuration.camera
        guard let near = cam.groundContact(of: track.box) else { return nil }
        var far: Double?
        if track.box.y1 > 2, let g = cam.groundPoint(u: Double(track.box.centerX), v: Double(track.box.y1)) {
            far = g.y
        }
        return PavingMeasurement(offset: near.x, headingDegrees: driftHeading(now: now), farEnd: far, fromMask: false)
    }

    func driftHeading(now: Double) -> Double? {
        let recent = paving.offsets.filter { now - $0.time <= 1.5 }
        guard recent.count >= 5, let first = recent.first, now - first.time >= 1.0 else { return nil }
        let n = Double(recent.count)
        let mt = recent.map(\.time).reduce(0, +) / n
        let mo = recent.map(\.offset).reduce(0, +) / n
        let stt = recent.map { ($0.time - mt) * ($0.time - mt) }.reduce(0, +)
        guard stt > 1e-6 else { return nil }
        let rate = recent.map { ($0.time - mt) * ($0.offset - mo) }.reduce(0, +) / stt
        return atan(rate / max(0.1, configuration.walkingSpeed)) * 180 / .pi
    }

    func pavingGuidance(_ frame: CueFrame, candidates: inout [Candidate]) {
        let cfg = configuration
        let now = frame.timestamp
        let cam = cfg.camera
        warningTiles(now: now, candidates: &candidates)

        let guides = tracker.tracks.filter {
            $0.objectClass == .tactileGuide && $0.hits >= cfg.minHits && now - $0.lastSeen <= 0.3
        }
        let nearest = guides.compactMap { t in cam.groundContact(of: t.box).map { (t, $0) } }
            .min { abs($0.1.x) < abs($1.1.x) }?.0
        var measurement: PavingMeasurement?
        if let mask = frame.masks[.tactileGuide], let m = measurePaving(mask: mask) {
            measurement = m
        } else if let track = nearest {
            // Drift is measured along one strip: a different strip, or a step back onto the
            // paving, starts the history over.
            if track.id != paving.trackID || paving.phase != .on { paving.offsets.removeAll() }
            paving.trackID = track.id
            paving.offsets.append((now, cam.groundContact(of: track.box)?.x ?? 0))
            measurement = measurePaving(track: track, now: now)
            // A strip seen as several boxes (a bend, a joint) continues past this box's top:
            // its far end is the far end of the chain.
            if measurement != nil, let chainTop = continuedTop(from: track, among: guides) {
                measurement?.farEnd = cam.groundPoint(u: Double(chainTop.centerX), v: Double(chainTop.y1)).map(\.y)
            }
        }
        paving.offsets.removeAll { now - $0.time > 2 }
        guard let m = measurement else {
            if now - paving.lastSeen > 1.5 { paving.phase = .none; paving.offsets.removeAll() }
            return
        }
        paving.lastSeen = now
        let wasPhase = paving.phase
        switch paving.phase {
        case .none, .on: paving.phase = abs(m.offset) > cfg.pavingOffMetres ? .off : .on
        case .off: paving.phase = abs(m.offset) < cfg.pavingOnMetres ? .on : .off
        }
        if paving.phase == .on && wasPhase != .on { paving.aheadPending = true }
        if paving.phase != .on { paving.aheadPending = false }

        let side = m.offset > 0 ? "right" : "left"
        var message: CueMessage?
        if paving.phase == .off {
            message = CueMessage("paving.off", ["side": side])
        } else if let far = m.farEnd, far < cfg.pavingEndMetres, !leadsIntoWarningTiles(farEnd: far, offset: m.offset, now: now) {
            message = CueMessage("paving.ends")
        } else if let h = m.headingDegrees, abs(h) > cfg.pavingDriftDegrees {
            message = CueMessage("paving.drifts", ["side": h > 0 ? "right" : "left"])
        } else if paving.aheadPending {
            message = CueMessage("paving.ahead")
        }
        guard let msg = message, isStable("paving", msg, now: now) else { return }
        if msg.key == "paving.ahead" { paving.aheadPending = false }
        // "Paving ends" matters more than the rest and is said once, even over other paving talk.
        let ends = msg.key == "paving.ends"
        candidates.append(Candidate(kind: .paving, priority: ends ? .pavingHazard : .paving,
                                    message: msg, topic: "paving", pan: Float(max(-1, min(1, m.offset))),
                                    urgency: ends ? 0.4 : 0.2, earcon: .guide, trackID: nearest?.id,
                                    isEvent: msg.key == "paving.ahead" || ends, repeatSeconds: ends ? 15 : nil))
    }

    /// The top box of the chain of guide-paving boxes that continue `track` upwards in the
    /// image (each starting where the previous one ends and overlapping it sideways), or
    /// `nil` when nothing continues it.
    func continuedTop(from track: Track, among guides: [Track]) -> Box? {
        let tolerance = max(3, Float(configuration.camera.imageHeight) * 0.02)
        var top = track.box
        var used: Set<Int> = [track.id]
        var extended = false
        while let next = guides.first(where: { g in
            !used.contains(g.id) && g.box.y1 < top.y1 && g.box.y2 >= top.y1 - tolerance
                && g.box.y2 <= top.y2 && min(g.box.x2, top.x2 + tolerance) > max(g.box.x1, top.x1 - tolerance)
        }) {
            used.insert(next.id)
            top = next.box
            extended = true
        }
        return extended ? top : nil
    }

    /// Whether warning tiles lie where the paving's far end is: guide paving that runs into
    /// warning tiles (at a kerb, a junction) does not end, the tiles are part of it and are
    /// announced as "warning tiles ahead".
    func leadsIntoWarningTiles(farEnd: Double, offset: Double, now: Double) -> Bool {
        let cfg = configuration
        for track in tracker.tracks where track.objectClass == .tactileWarning
            && track.hits >= cfg.minHits && now - track.lastSeen <= 0.3
        {
            guard let near = cfg.camera.groundContact(of: track.box) else { continue }
            // Its far edge (the top of the box), or far enough when the top is at the horizon.
            let far = cfg.camera.groundPoint(u: Double(track.box.centerX), v: Double(track.box.y1))?.y ?? .infinity
            let halfWidth = cfg.camera.groundWidth(of: track.box, atDistance: near.y) / 2
            let lateral = abs(near.x - offset) <= halfWidth + 0.5
            if lateral && near.y <= farEnd + cfg.pavingWarningGapMetres && far >= farEnd - cfg.pavingWarningGapMetres {
                return true
            }
        }
        return false
    }

    func warningTiles(now: Double, candidates: inout [Candidate]) {
        let cfg = configuration
        for track in tracker.tracks where track.objectClass == .tactileWarning && track.hits >= cfg.minHits
            && now - track.lastSeen <= 0.3
        {
            guard let g = cfg.camera.groundContact(of: track.box), g.y <= cfg.warningTilesRange,
                abs(g.x) <= cfg.corridorWidth / 2 + 0.5 else { continue }
            let msg = CueMessage("paving.warning")
            guard isStable("paving.warning", msg, now: now) else { return }
            let bearing = cfg.camera.bearingDegrees(u: Double(track.box.centerX))
            candidates.append(Candidate(kind: .paving, priority: .pavingHazard,
                                        message: msg, topic: "paving.warning", pan: Self.pan(bearing: bearing),
                                        urgency: 0.4, earcon: .guide, trackID: track.id, repeatSeconds: 10))
            return
        }
    }
}
