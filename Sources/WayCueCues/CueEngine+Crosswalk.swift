import WayCueDetector

struct CrosswalkState {
    var onCrosswalk = false
    var onSince: Double = 0
    var lastSeen: Double = -.infinity
    /// Whether the walker stepped onto the crosswalk while the signal said green (and is
    /// still on it): losing sight of the signal then must not tell them to wait in the road.
    var crossingOnGreen = false
    /// Length of the crosswalk ahead (near edge to far edge, metres), measured while both
    /// edges were in view; `nil` until measured.
    var length: Double?
    /// Recent length measurements (their median is ``length``).
    var lengthSamples: [Double] = []
    /// Far-edge distances (metres) since the crosswalk box began to cover the image bottom.
    var farSinceCovering: [(time: Double, far: Double)] = []
}

/// How far the walker is onto the crosswalk, from the crosswalk's geometry.
struct CrossingEvidence {
    /// Metres the walker has gone past the crosswalk's near edge (negative: still before it),
    /// when the crosswalk's length is known.
    var pastNearEdge: Double?
    /// Metres the far edge has approached since the crosswalk box began to cover the bottom
    /// of the image.
    var advancedWhileCovering: Double
}

extension CueEngine {
    /// Whether the engine believes the walker is on a crosswalk.
    ///
    /// A crosswalk box covering the bottom of the image is not enough: it does so while the
    /// walker waits at the kerb. The walker must also have moved onto it (see
    /// ``CueEngineConfiguration/crosswalkEntryMetres``).
    public var isOnCrosswalk: Bool { crosswalk.onCrosswalk }

    /// Whether the walker started crossing on a green and is still on the crosswalk.
    public var isCrossingOnGreen: Bool { crosswalk.crossingOnGreen }

    func crosswalkGuidance(now: Double, candidates: inout [Candidate]) {
        let cfg = configuration
        let cam = cfg.camera
        let tracks = tracker.tracks.filter {
            $0.objectClass == .crosswalk && $0.hits >= cfg.minHits && now - $0.lastSeen <= 0.3
        }
        // The crosswalk nearest the walker's path (largest near the bottom of the image).
        guard let track = tracks.max(by: { $0.box.y2 * 4 + $0.box.area.squareRoot() < $1.box.y2 * 4 + $1.box.area.squareRoot() }) else {
            if now - crosswalk.lastSeen > 2.0 {
                crosswalk.length = nil
                crosswalk.lengthSamples.removeAll()
                crosswalk.farSinceCovering.removeAll()
            }
            if crosswalk.onCrosswalk, now - crosswalk.lastSeen > 1.0 {
                crosswalk.onCrosswalk = false
                crosswalk.crossingOnGreen = false
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
        let covering = nearY < 0.8 || track.box.y2 >= Float(cam.imageHeight) * 0.97
        let evidence = crossingEvidence(track, covering: covering, now: now)
        let side = bearing < 0 ? "left" : "right"
        // On the crosswalk: its box covers the bottom of the image AND the walker has moved
        // onto it. Where the crosswalk's length was measured on the approach, the walker's
        // position follows from the far edge (distance to far edge minus length); otherwise
        // only a clear advance while covering counts.
        let entered: Bool
        if let past = evidence.pastNearEdge {
            entered = past >= (crosswalk.onCrosswalk ? -cfg.crosswalkEntryMetres : cfg.crosswalkEntryMetres)
        } else {
            entered = crosswalk.onCrosswalk || evidence.advancedWhileCovering >= cfg.crosswalkAdvanceMetres
        }
        let onNow = covering && entered
        if !onNow, crosswalk.onCrosswalk {
            crosswalk.onCrosswalk = false  // stepped back to the kerb: nothing to say
            crosswalk.crossingOnGreen = false
        }
        let message: CueMessage
        if onNow {
            if !crosswalk.onCrosswalk {
                crosswalk.onCrosswalk = true
                crosswalk.onSince = now
                // Stepping on while the signal last said green: a crossing on green.
                crosswalk.crossingOnGreen = signal.phase == .green
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
                                    // Said once on the crosswalk, and once while waiting at its kerb;
                                    // the same direction on the approach is not repeated for 15 s
                                    // (a change of direction is a new message and is said).
                                    repeatSeconds: message.key == "crosswalk.on" || covering ? 30
                                        : message.key.hasPrefix("crosswalk.ahead") ? 15 : nil))
    }

    /// Measures the crosswalk's length while both its edges are visible, and the walker's
    /// progress onto it once its near edge has left the image.
    func crossingEvidence(_ track: Track, covering: Bool, now: Double) -> CrossingEvidence {
        let cam = configuration.camera
        var far: Double?
        if track.box.y1 > 2, let g = cam.groundPoint(u: Double(track.box.centerX), v: Double(track.box.y1)) {
            far = g.y
        }
        if !covering {
            crosswalk.farSinceCovering.removeAll()
            if let f = far, let near = cam.groundContact(of: track.box)?.y, f > near {
                crosswalk.lengthSamples.append(f - near)
                if crosswalk.lengthSamples.count > 15 { crosswalk.lengthSamples.removeFirst() }
                let sorted = crosswalk.lengthSamples.sorted()
                crosswalk.length = sorted[sorted.count / 2]
            }
            return CrossingEvidence(pastNearEdge: nil, advancedWhileCovering: 0)
        }
        guard let f = far else {
            return CrossingEvidence(pastNearEdge: nil, advancedWhileCovering: 0)
        }
        crosswalk.farSinceCovering.append((now, f))
        // Only the first and the last few are used: waiting long at the kerb keeps it small.
        if crosswalk.farSinceCovering.count > 20 { crosswalk.farSinceCovering.remove(at: 5) }
        // Median of the last few far-edge distances, against a single jumpy box.
        let recent = crosswalk.farSinceCovering.suffix(5).map(\.far).sorted()
        let farNow = recent[recent.count / 2]
        let firstFew = crosswalk.farSinceCovering.prefix(5).map(\.far).sorted()
        let farAtCover = firstFew[firstFew.count / 2]
        return CrossingEvidence(pastNearEdge: crosswalk.length.map { $0 - farNow },
                                advancedWhileCovering: farAtCover - farNow)
    }
}
