import WayCueDetector
import WayCueImage

/// What the engine last told the walker about the pedestrian signal.
public enum SignalPhase: String, Sendable, Hashable, Codable {
    /// No signal said (none seen yet, or after a reset).
    case none
    /// "Red, wait" or "signal turned red".
    case red
    /// "Green, you may cross".
    case green
    /// "Signal flashing, do not start crossing".
    case flashing
    /// "Signal lost".
    case lost
    /// "Signal unclear".
    case unclear
}

/// What one frame showed of the pedestrian signal.
struct FrameRecord {
    var time: Double
    /// Whether the frame was the detector's full look for signals (``CueFrame/SignalCoverage``):
    /// only complete frames give green evidence or keep a green said fresh.
    var complete: Bool
    /// The head chosen as facing the walker at this frame.
    var facingID: Int?
    /// Score of `ped_green` detected on the facing head in this frame (0 when none).
    var facingGreen: Float
    /// Score of `ped_red` detected on the facing head in this frame.
    var facingRed: Float
    /// Highest `ped_red` score of any detection inside the facing cone.
    var redInCone: Float
    /// Whether any pedestrian-signal detection lies inside the cone.
    var pedInCone: Bool
    /// Whether two heads in the cone compete and disagree.
    var conflict: Bool
}

struct SignalState {
    var phase: SignalPhase = .none
    var phaseSince: Double = -.infinity
    var facingID: Int?
    var facingBearing: Double = 0
    /// Last time the facing head showed green on a complete frame (counts for "signal lost":
    /// a stalled signal pass lets it age, so a green said is never kept alive by partial frames).
    var lastGreen: Double = -.infinity
    /// Last time any pedestrian head was seen in the cone.
    var lastSeen: Double = -.infinity
    /// Start of the current run of frames with a head in the cone.
    var seenSince: Double?
    var lastTone: Double = -.infinity
}

extension CueEngine {
    /// The phase the engine last announced for the pedestrian signal.
    public var signalPhase: SignalPhase { signal.phase }

    /// The id of the pedestrian signal head currently judged to face the walker.
    public var facingSignalTrackID: Int? { signal.facingID }

    func inCone(_ box: Box) -> (Bool, Double) {
        let b = configuration.camera.bearingDegrees(u: Double(box.centerX))
        return (abs(b) <= configuration.signalConeDegrees, b)
    }

    func signalOnFrame(_ frame: CueFrame, candidates: inout [Candidate]) {
        let cfg = configuration
        let t = frame.timestamp
        let complete = frame.signalCoverage == .complete
        // Raw evidence in the cone, independent of tracking: a red anywhere in the cone vetoes.
        var redInCone: Float = 0
        var pedInCone = false
        for d in frame.detections where d.objectClass.isPedestrianSignal && d.score >= cfg.redVetoScore {
            guard d.score.isFinite, inCone(d.box).0 else { continue }
            pedInCone = true
            if d.objectClass == .pedRed { redInCone = max(redInCone, d.score) }
        }
        // Choose the head facing the walker: central, large and consistently seen. Consistency
        // is measured against the complete frames only: a distant head that only the signal
        // pass sees is not "inconsistent" because the pass runs at a lower rate.
        var recentFrames = complete ? 1 : 0
        for r in frames(within: 1.0, of: t) where r.complete { recentFrames += 1 }
        recentFrames = max(1, recentFrames)
        var scored: [(track: Track, score: Double, bearing: Double)] = []
        var maxSide: Float = 1
        for track in tracker.tracks where track.group == .pedestrianSignal && t - track.lastSeen <= cfg.signalLostSeconds {
            let (inside, _) = inCone(track.box)
            if inside { maxSide = max(maxSide, track.box.area.squareRoot()) }
        }
        for track in tracker.tracks where track.group == .pedestrianSignal && t - track.lastSeen <= cfg.signalLostSeconds {
            let (inside, bearing) = inCone(track.box)
            guard inside else { continue }
            let centrality = 1 - abs(bearing) / cfg.signalConeDegrees
            let size = Double(track.box.area.squareRoot() / maxSide)
            let seen = Double(track.observations(since: t - 1.0).count)
            let consistency = min(1, seen / Double(recentFrames))
            scored.append((track, 0.45 * centrality + 0.35 * size + 0.2 * consistency, bearing))
        }
        var facing: (track: Track, score: Double, bearing: Double)?
        if let best = scored.max(by: { $0.score < $1.score }) {
            if let current = scored.first(where: { $0.track.id == signal.facingID }),
                current.score >= best.score - 0.15
            {
                facing = current
            } else {
                facing = best
            }
        }
        var conflict = false
        var facingGreen: Float = 0
        var facingRed: Float = 0
        if let f = facing {
            signal.facingBearing = f.bearing
            if f.track.lastSeen == t, let obs = f.track.history.last {
                if obs.objectClass == .pedGreen { facingGreen = obs.score }
                if obs.objectClass == .pedRed { facingRed = obs.score }
            }
            for other in scored where other.track.id != f.track.id && other.score >= 0.75 * f.score {
                if t - other.track.lastSeen <= 0.3, other.track.objectClass != f.track.objectClass {
                    conflict = true
                }
            }
        }
        let previousFacing = signal.facingID
        signal.facingID = facing?.track.id
        if pedInCone || facing != nil {
            // A head seen again after a gap (or a camera pause) starts a new run.
            if signal.seenSince == nil || t - signal.lastSeen > cfg.signalLostSeconds { signal.seenSince = t }
            signal.lastSeen = t
        } else if t - signal.lastSeen > cfg.signalLostSeconds {
            signal.seenSince = nil
        }
        // Only a complete frame keeps a green fresh: partial frames mostly miss distant heads,
        // so a green seen on one is not the detector's full look (red from any frame still counts).
        if complete, facingGreen >= 0.4 { signal.lastGreen = t }
        frameLog.append(FrameRecord(time: t, complete: complete, facingID: facing?.track.id, facingGreen: facingGreen,
                                    facingRed: facingRed, redInCone: redInCone, pedInCone: pedInCone,
                                    conflict: conflict))
        let horizon = t - max(3, cfg.flashWindowSeconds + 1, cfg.signalUnclearSeconds + 1)
        if let first = frameLog.first, first.time < horizon { frameLog.removeAll { $0.time < horizon } }

        decideSignal(now: t, facingChanged: previousFacing != nil && signal.facingID != nil && previousFacing != signal.facingID,
                     candidates: &candidates)
    }

    /// The newest run of logged frames at most `seconds` before `now`, oldest first (a plain
    /// index walk: this runs on every frame, and generic collection wrappers such as
    /// `reversed().prefix(while:)` cost much in debug builds).
    func frames(within seconds: Double, of now: Double) -> ArraySlice<FrameRecord> {
        var start = frameLog.endIndex
        while start > frameLog.startIndex, now - frameLog[start - 1].time <= seconds { start -= 1 }
        return frameLog[start...]
    }

    /// The frames a decision about the signal rests on.
    struct DecisionWindow {
        /// The complete frames of the window, oldest first: the only evidence for green or red.
        var frames: [FrameRecord]
        /// Every frame from the window's oldest complete frame on, partial ones included: a red
        /// or a conflict on any of them forbids green.
        var allFrames: ArraySlice<FrameRecord>
    }

    /// The decision window ending at `now`, or `nil` when there is none: the latest frame
    /// must be a complete one at `now`, and the complete frames must cover the whole window
    /// (one at or before `now - signalWindowSeconds`) with no gap between two of them larger
    /// than `maxFrameGapSeconds`, and be at least `minWindowFrames` (a time-based window,
    /// whatever the frame rate or signal-pass rate). Partial frames neither count as frames
    /// of the window nor close its gaps.
    func decisionWindow(now: Double) -> DecisionWindow? {
        let cfg = configuration
        guard let latest = frameLog.last, latest.complete, latest.time == now else { return nil }
        var frames: [FrameRecord] = []
        var start = frameLog.endIndex
        var covered = false
        var index = frameLog.endIndex
        while index > frameLog.startIndex {
            index -= 1
            let r = frameLog[index]
            guard r.complete else { continue }
            if let newer = frames.last, newer.time - r.time > cfg.maxFrameGapSeconds { break }
            frames.append(r)
            start = index
            if r.time <= now - cfg.signalWindowSeconds { covered = true; break }
        }
        guard covered, frames.count >= cfg.minWindowFrames else { return nil }
        return DecisionWindow(frames: frames.reversed(), allFrames: frameLog[start...])
    }

    /// Whether the facing head's green went dark for a flash-length period recently.
    ///
    /// Judged on complete frames only: a partial frame that misses a distant head is no
    /// evidence that its green went dark.
    func isFlashing(now: Double) -> Bool {
        let cfg = configuration
        var onSeen = false
        var darkStart: Double?
        var lastOn: Double?
        for r in frameLog where r.complete && r.time >= now - cfg.flashWindowSeconds {
            let on = r.facingGreen >= 0.4
            if on {
                if let start = darkStart, onSeen, let lo = lastOn {
                    let dark = r.time - lo
                    if dark >= cfg.flashOffSeconds && dark <= 1.2 && start > lo { return true }
                }
                onSeen = true
                lastOn = r.time
                darkStart = nil
            } else if onSeen, darkStart == nil {
                darkStart = r.time
            }
        }
        return false
    }

    func setPhase(_ phase: SignalPhase, now: Double) {
        signal.phase = phase
        signal.phaseSince = now
    }

    func signalCandidate(_ key: String, priority: CuePriority, earcon: EarconKind,
                         urgency: Float) -> Candidate {
        Candidate(kind: .signal, priority: priority, message: CueMessage(key), topic: "signal",
                  pan: Self.pan(bearing: signal.facingBearing), urgency: urgency, earcon: earcon,
                  trackID: signal.facingID, isEvent: true, repeatSeconds: 0)
    }

    /// Whether the walker stepped onto the crosswalk on a green and is now in the road.
    ///
    /// A change to red or flashing is then still said at once and with the same priority,
    /// but as "keep crossing to the kerb": telling a walker in the road to stop strands them
    /// there, and pedestrian-signal practice is to finish crossing promptly.
    var walkerIsCrossing: Bool { crosswalk.onCrosswalk && crosswalk.crossingOnGreen }

    func decideSignal(now t: Double, facingChanged: Bool, candidates: inout [Candidate]) {
        let cfg = configuration
        guard let latest = frameLog.last else { return }
        let window = decisionWindow(now: t)
        let flashing = isFlashing(now: t)

        if signal.phase == .green {
            // Cancel at once: a clear red in the cone (or a weak one twice in a row), flashing,
            // a disagreeing or different head.
            let previousRed = frameLog.count >= 2 ? frameLog[frameLog.count - 2].redInCone : 0
            let weakRedTwice = latest.redInCone >= cfg.redVetoScore && previousRed >= cfg.redVetoScore
            if latest.redInCone >= cfg.redChangeScore || weakRedTwice {
                setPhase(.red, now: t)
                candidates.append(signalCandidate(walkerIsCrossing ? "signal.red.crossing" : "signal.changed.red",
                                                  priority: .signalChange, earcon: .alert, urgency: 1))
            } else if flashing {
                setPhase(.flashing, now: t)
                candidates.append(signalCandidate(walkerIsCrossing ? "signal.flashing.crossing" : "signal.flashing",
                                                  priority: .signalChange, earcon: .alert, urgency: 0.8))
            } else if latest.conflict || facingChanged {
                setPhase(.unclear, now: t)
                candidates.append(signalCandidate("signal.unclear", priority: .signalChange,
                                                  earcon: .status, urgency: 0.6))
            }
            return  // "signal lost" is a timeout, checked in `timeouts`.
        }

        // The green blinking again soon after it was lost is a flashing signal: say so.
        if signal.phase == .lost, flashing, t - signal.phaseSince <= cfg.flashWindowSeconds {
            setPhase(.flashing, now: t)
            candidates.append(signalCandidate(walkerIsCrossing ? "signal.flashing.crossing" : "signal.flashing",
                                              priority: .signalChange, earcon: .alert, urgency: 0.8))
            return
        }
        // Never "green" from stale vision: frames that lag behind could hide a change to red.
        // Green evidence comes from complete frames only; a red or a conflict on any frame of
        // the window, partial ones included, forbids it.
        if let w = window, let id = latest.facingID, !flashing, !system.lagging, !system.paused {
            let greens = w.frames.filter { $0.facingID == id && $0.facingGreen >= cfg.greenMinScore }.count
            let redFree = w.allFrames.allSatisfy { $0.redInCone < cfg.redVetoScore }
            let agree = w.allFrames.allSatisfy { !$0.conflict }
            if redFree && agree && Double(greens) >= cfg.greenMinFraction * Double(w.frames.count) {
                // Not an event: offered again on every frame while the window holds, and the
                // phase becomes green only when the cue is actually said (see `arbitrate`),
                // so a "you may cross" is never played late from a stale window.
                var c = signalCandidate("signal.green", priority: .signalState, earcon: .walk, urgency: 0.3)
                c.isEvent = false
                candidates.append(c)
                return
            }
        }
        if let w = window, let id = latest.facingID, signal.phase != .red {
            let reds = w.frames.filter { $0.facingID == id && $0.facingRed >= cfg.redChangeScore }.count
            let greenSeen = w.frames.contains { $0.facingGreen >= cfg.greenMinScore }
            if !greenSeen && Double(reds) >= cfg.redMinFraction * Double(w.frames.count) {
                setPhase(.red, now: t)
                // Red seen again after the green was lost mid-crossing: "wait" would strand them.
                candidates.append(signalCandidate(walkerIsCrossing ? "signal.red.crossing" : "signal.red",
                                                  priority: .signalState,
                                                  earcon: .locator, urgency: 0.3))
                return
            }
        }
        // A head has been in view for a while and no decision holds: say so, never guess.
        let recent = frames(within: cfg.signalUnclearSeconds, of: t)
        // "Red, wait" while the same head keeps flipping to green is not a decision either.
        var flips = 0
        var previous: Bool?
        for r in recent where r.facingGreen >= cfg.greenMinScore || r.facingRed >= cfg.redChangeScore {
            let isGreen = r.facingGreen >= cfg.greenMinScore
            if let p = previous, p != isGreen { flips += 1 }
            previous = isGreen
        }
        let mixedRed = signal.phase == .red && flips >= 3
        if signal.phase != .unclear, signal.phase != .red || latest.conflict || mixedRed,
            !(signal.phase == .flashing && flashing),
            let since = signal.seenSince, t - since >= cfg.signalUnclearSeconds,
            t - signal.phaseSince >= cfg.signalUnclearSeconds
        {
            let seen = recent.filter(\.pedInCone).count
            if Double(seen) >= 0.5 * Double(recent.count) {
                setPhase(.unclear, now: t)
                candidates.append(signalCandidate("signal.unclear", priority: .signalChange,
                                                  earcon: .status, urgency: 0.5))
            }
        }
    }

    /// "Signal lost" when green was said and the facing head has not shown green on a complete
    /// frame for a while: the head went dark or out of view, or the detector's signal pass
    /// stalled (partial frames never keep a green alive).
    ///
    /// Before the walker steps onto the crosswalk this is "Signal lost, wait", at once. A
    /// walker who stepped onto the crosswalk on that green is in the road: the head leaves the
    /// view as they cross, and "wait" would strand them there, so they hear "Signal out of
    /// view, keep crossing" instead (equally at once, so they know the signal no longer guides).
    func signalTimeouts(now: Double, candidates: inout [Candidate]) {
        let cfg = configuration
        switch signal.phase {
        case .green where now - signal.lastGreen > cfg.signalLostSeconds:
            setPhase(.lost, now: now)
            if walkerIsCrossing {
                candidates.append(signalCandidate("signal.lost.crossing", priority: .signalChange,
                                                  earcon: .status, urgency: 0.5))
            } else {
                candidates.append(signalCandidate("signal.lost", priority: .signalChange,
                                                  earcon: .alert, urgency: 0.9))
            }
        case .red, .flashing, .unclear:
            if now - signal.lastSeen > 2 * cfg.signalLostSeconds + cfg.signalWindowSeconds {
                // Out of view while waiting: forget quietly the decision; a new one starts over.
                setPhase(.none, now: now)
            }
        default:
            break
        }
    }

    /// APS-like tones: a locator tone once per second while red, walk ticks while green.
    func tones(now: Double, candidates: inout [Candidate]) {
        guard configuration.apsTones, now - signal.lastTone >= 1.0,
            now - signal.lastSeen <= configuration.signalLostSeconds else { return }
        let key: String
        let earcon: EarconKind
        switch signal.phase {
        case .red: (key, earcon) = ("tone.locator", .locator)
        case .green: (key, earcon) = ("tone.walk", .walk)
        default: return
        }
        signal.lastTone = now
        candidates.append(Candidate(kind: .tone, priority: .tone, message: CueMessage(key),
                                    topic: "tone", pan: Self.pan(bearing: signal.facingBearing),
                                    earcon: earcon, repeatSeconds: 0.9))
    }
}
