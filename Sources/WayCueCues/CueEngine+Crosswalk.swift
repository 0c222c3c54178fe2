import WayCueDetector

struct CrosswalkState {
    var onCrosswalk = false
    var onSince: Double = 0
    var lastSeen: Double = -.infinity
}

extension CueEngine {
    /// Whether the engine believes the walker is on a crosswalk.
    public var isOnCrosswalk: Bool { crosswalk.onCrosswalk }

    func crosswalkGuidance(now: Double, candidates: inout [Candidate]) {
        let cfg = configuration
        let cam = cfg.camera
        let tracks = tracker.tracks.filter {
            $0.objectClass == .crosswalk && $0.hits >= cfg.minHits && now - $0.lastSeen <= 0.3
        }
        // The crosswalk nearest the walker's path (largest near the bottom of the image).
        guard let track = tracks.max(by: { $0.box.y2 * 4 + $0.box.area.squareRoot() < $1.box.y2 * 4 + $1.box.area.squareRoot() }) else {
            if crosswalk.onCrosswalk, now - crosswalk.lastSeen > 1.0 {
                crosswalk.onCrosswalk = false
                if now - crosswalk.onSince >= 2 {
                    candidates.append(Candidate(kind: .crosswalk, priority: .crosswalk,
                                                message: CueMessage("crosswalk.end"), topic: "crosswalk",
                                                earcon: .guide, isEvent: true))
                }
            }
            return
        }
        crosswalk.lastSeen = now
        let bearing = cam.bearingDegrees(u: Double(track.box.centerX))
        let nearY = cam.groundContact(of: track.box)?.y ?? .infinity
        let onNow = nearY < 0.8 || track.box.y2 >= Float(cam.imageHeight) * 0.97
        let side = bearing < 0 ? "left" : "right"
        let message: CueMessage
        if onNow {
            if !crosswalk.onCrosswalk {
                crosswalk.onCrosswalk = true
                crosswalk.onSince = now
            }
            message = abs(bearing) > 12 ? CueMessage("crosswalk.veer", ["side": side]) : CueMessage("crosswalk.on")
        } else if abs(bearing) < 10 {
            message = CueMessage("crosswalk.ahead")
        } else {
            message = CueMessage("crosswalk.ahead.turn",
                                 ["amount": abs(bearing) < 25 ? "slightly" : "sharply", "side": side])
        }
        guard isStable("crosswalk", message, now: now) else { return }
        candidates.append(Candidate(kind: .crosswalk, priority: .crosswalk, message: message,
                                    topic: "crosswalk", pan: Self.pan(bearing: bearing), urgency: 0.2,
                                    earcon: .guide, trackID: track.id,
                                    repeatSeconds: message.key == "crosswalk.on" ? 30 : nil))
    }
}
