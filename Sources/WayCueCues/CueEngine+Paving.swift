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
    /// Distance (metres) to where the strip bends or turns, from a mask; `nil` otherwise.
    public var bendDistance: Double? = nil
    /// How much it bends there (degrees, positive right).
    public var bendDegrees: Double? = nil
    /// Distance (metres) to a junction where a branch leaves the strip, from a mask.
    public var junctionDistance: Double? = nil
    /// The side of the junction's branch: `"left"`, `"right"` or `"both"`.
    public var junctionSide: String? = nil
    /// Distance (metres) to warning tiles on the strip's line, from a warning-tile mask.
    public var warningDistance: Double? = nil
    /// Length (metres) of the strip seen in the mask; `nil` from boxes.
    public var stripLength: Double? = nil
    /// Width (metres) of the strip seen in the mask; `nil` from boxes.
    public var stripWidth: Double? = nil
}

struct PavingState {
    enum Phase { case none, on, off }
    var phase: Phase = .none
    var lastSeen: Double = -.infinity
    var offsets: [(time: Double, offset: Double)] = []
    var aheadPending = false
    var trackID: Int?
    /// Recent mask measurements, for a median that does not flicker.
    var recent: [(time: Double, offset: Double, heading: Double?)] = []
    /// Frames in a row on which the strip was followed.
    var followedFrames = 0
    /// The far end seen last while following (nil: the strip went on out of view).
    var lastFarEnd: Double?
    /// Set once "paving lost" was said, until the paving is found again.
    var lostSaid = false
    /// When a bend / junction was last seen ahead (they are announced once each).
    var bendSeen = -Double.infinity
    var junctionSeen = -Double.infinity
    var bendAnnounced = false
    var junctionAnnounced = false
}

extension CueEngine {
    /// The latest paving measurement's phase, for diagnostics: `"none"`, `"on"` or `"off"`.
    public var pavingPhase: String { "\(paving.phase)" }

    /// Measures paving from a mask with ``PavingTracer``: the strip nearest the walker is traced
    /// from the bottom of the picture, laid on the ground, and read for the walker's offset, the
    /// strip's heading, its end, bends, junctions and (with `warning`) warning tiles on its line.
    public func measurePaving(mask: CueMask, warning: CueMask? = nil) -> PavingMeasurement? {
        let prefer = paving.recent.last?.offset ?? 0
        guard let t = PavingTracer(camera: configuration.camera).trace(guide: mask, warning: warning, preferredOffset: prefer)
        else { return nil }
        return PavingMeasurement(offset: t.offset, headingDegrees: t.headingDegrees, farEnd: t.farEnd, fromMask: true,
                                 bendDistance: t.bendDistance, bendDegrees: t.bendDegrees,
                                 junctionDistance: t.junctionDistance, junctionSide: t.junctionSide,
                                 warningDistance: t.warningDistance, stripLength: t.length, stripWidth: t.width)
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
        if let mask = frame.masks[.tactileGuide], var m = measurePaving(mask: mask, warning: frame.masks[.tactileWarning]),
           isPlausibleStrip(m, now: now) {
            // The median of the last half second: one odd frame does not flip the phase.
            paving.recent.append((now, m.offset, m.headingDegrees))
            paving.recent.removeAll { now - $0.time > 0.5 }
            m.offset = Self.median(paving.recent.map(\.offset))
            let headings = paving.recent.compactMap(\.heading)
            m.headingDegrees = headings.count * 2 > paving.recent.count ? Self.median(headings) : nil
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
            if now - paving.lastSeen > cfg.pavingLostSeconds {
                pavingLost(now: now, candidates: &candidates)
                paving.phase = .none
                paving.offsets.removeAll()
                paving.recent.removeAll()
                paving.followedFrames = 0
            }
            return
        }
        paving.lastSeen = now
        paving.lostSaid = false
        let wasPhase = paving.phase
        switch paving.phase {
        case .none, .on: paving.phase = abs(m.offset) > cfg.pavingOffMetres ? .off : .on
        case .off: paving.phase = abs(m.offset) < cfg.pavingOnMetres ? .on : .off
        }
        if paving.phase == .on && wasPhase != .on { paving.aheadPending = true }
        if paving.phase != .on { paving.aheadPending = false }
        if paving.phase == .on {
            paving.followedFrames += 1
            paving.lastFarEnd = m.farEnd
        } else {
            paving.followedFrames = 0
        }

        // Warning tiles on the strip's line, from the warning-tile mask (boxes: warningTiles).
        if let w = m.warningDistance, w <= cfg.warningTilesRange, !candidates.contains(where: { $0.topic == "paving.warning" }) {
            let msg = CueMessage("paving.warning")
            if isStable("paving.warning", msg, now: now) {
                candidates.append(Candidate(kind: .paving, priority: .pavingHazard, message: msg, topic: "paving.warning",
                                            pan: Float(max(-1, min(1, m.offset))), urgency: 0.4, earcon: .guide,
                                            repeatSeconds: 10))
            }
        }
        // Bends and junctions are said once each while they are ahead; seen again after two
        // seconds out of view, they are new ones.
        if let d = m.junctionDistance, d <= cfg.pavingJunctionMetres { paving.junctionSeen = now }
        else if now - paving.junctionSeen > 2 { paving.junctionAnnounced = false }
        if let d = m.bendDistance, d <= cfg.pavingJunctionMetres, abs(m.bendDegrees ?? 0) >= PavingTracer.bendThresholdDegrees {
            paving.bendSeen = now
        } else if now - paving.bendSeen > 2 { paving.bendAnnounced = false }

        let side = m.offset > 0 ? "right" : "left"
        var message: CueMessage?
        if paving.phase == .off {
            message = CueMessage("paving.off", ["side": side])
        } else if let far = m.farEnd, far < cfg.pavingEndMetres,
                  !(m.warningDistance.map { $0 <= far + cfg.pavingWarningGapMetres } ?? false),
                  !leadsIntoWarningTiles(farEnd: far, offset: m.offset, now: now) {
            message = CueMessage("paving.ends")
        } else if paving.junctionSeen == now, !paving.junctionAnnounced, let s = m.junctionSide {
            message = s == "both" ? CueMessage("paving.junction.both") : CueMessage("paving.junction", ["side": s])
        } else if paving.bendSeen == now, !paving.bendAnnounced, let b = m.bendDegrees {
            message = CueMessage("paving.bends", ["side": b > 0 ? "right" : "left"])
        } else if let h = m.headingDegrees, abs(h) > cfg.pavingDriftDegrees {
            message = CueMessage("paving.drifts", ["side": h > 0 ? "right" : "left"])
        } else if paving.aheadPending {
            message = CueMessage("paving.ahead")
        }
        guard let msg = message, isStable("paving", msg, now: now) else { return }
        if msg.key == "paving.ahead" { paving.aheadPending = false }
        if msg.key.hasPrefix("paving.junction") { paving.junctionAnnounced = true }
        if msg.key == "paving.bends" { paving.bendAnnounced = true }
        // "Paving ends" matters more than the rest and is said once, even over other paving talk.
        let ends = msg.key == "paving.ends"
        let event = msg.key == "paving.ahead" || ends || msg.key.hasPrefix("paving.junction") || msg.key == "paving.bends"
        candidates.append(Candidate(kind: .paving, priority: ends ? .pavingHazard : .paving,
                                    message: msg, topic: "paving", pan: Float(max(-1, min(1, m.offset))),
                                    urgency: ends ? 0.4 : 0.2, earcon: .guide, trackID: nearest?.id,
                                    isEvent: event, repeatSeconds: ends ? 15 : nil))
    }

    /// Whether a strip traced in a mask is paving to act on: one that continues the strip
    /// followed a moment ago may be short (its end is near), but a new one must be at least
    /// ``CueEngineConfiguration/pavingMinNewStripMetres`` long and no wider than three tiles, so
    /// that a mask's stray blobs (on crosswalk stripes, say) never make "off the paving".
    func isPlausibleStrip(_ m: PavingMeasurement, now: Double) -> Bool {
        let cfg = configuration
        if let w = m.stripWidth, w > cfg.pavingMaxWidthMetres { return false }
        if let last = paving.recent.last, now - last.time <= 0.5, abs(m.offset - last.offset) <= cfg.pavingOnMetres {
            return true
        }
        return (m.stripLength ?? .infinity) >= cfg.pavingMinNewStripMetres
    }

    /// "Paving lost": the walker was following a strip that went on out of view, and it is
    /// gone without its end, warning tiles or a crosswalk having been announced. Silence
    /// must never hide a lost strip.
    func pavingLost(now: Double, candidates: inout [Candidate]) {
        let cfg = configuration
        guard paving.phase == .on, paving.followedFrames >= cfg.pavingLostMinFrames, !paving.lostSaid,
              !crosswalk.onCrosswalk else { return }
        if let far = paving.lastFarEnd, far <= cfg.pavingEndMetres + 1.5 { return }  // it was ending
        for key in ["paving.ends", "paving.warning", "crosswalk.ahead"] {
            if let said = lastByMessage[CueMessage(key)], now - said < 8 { return }
        }
        paving.lostSaid = true
        candidates.append(Candidate(kind: .paving, priority: .pavingHazard, message: CueMessage("paving.lost"),
                                    topic: "paving", urgency: 0.4, earcon: .guide, isEvent: true))
    }

    static func median(_ v: [Double]) -> Double {
        let s = v.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
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
