import Foundation
import WayCueDetector
import WayCueImage

/// Where a tracked object is relative to the walker, from the camera model.
public struct TrackGeometry: Sendable, Hashable {
    /// Bearing in degrees, positive to the right.
    public var bearingDegrees: Double
    /// Clock position 9..3 (12 straight ahead).
    public var clock: Int
    /// Forward ground distance in metres (from the bottom of the box).
    public var distance: Double
    /// Lateral ground offset in metres, positive to the right.
    public var lateral: Double
    /// Approximate width in metres.
    public var width: Double
    /// Approach speed in metres per second (positive when getting closer), from the track's
    /// distance history; 0 when too little history.
    public var approachSpeed: Double
    /// Seconds to contact at the current approach speed, `nil` when not approaching.
    public var timeToContact: Double?
    /// Whether the object overlaps the walking corridor.
    public var inCorridor: Bool
}

extension CueEngine {
    /// Classes that are scene features, not obstacles.
    static let nonObstacles: Set<ObjectClass> = [
        .tactileGuide, .tactileWarning, .crosswalk, .pedRed, .pedGreen, .vehicleRed,
        .vehicleYellow, .vehicleGreen,
    ]

    /// Geometry of a track at time `now`, or `nil` when its box does not touch the ground
    /// below the horizon.
    public func geometry(of track: Track, now: Double) -> TrackGeometry? {
        let cam = configuration.camera
        guard let contact = cam.groundContact(of: track.box), contact.y > 0 else { return nil }
        let bearing = cam.bearingDegrees(u: Double(track.box.centerX))
        let width = cam.groundWidth(of: track.box, atDistance: contact.y)
        // Least-squares slope of distance over the last second of smoothed boxes.
        var n = 0.0, st = 0.0, sd = 0.0, stt = 0.0, std = 0.0
        for h in track.smoothedHistory.reversed() {
            if now - h.time > 1.0 { break }
            guard let p = cam.groundContact(of: h.box) else { continue }
            let x = h.time - now
            n += 1; st += x; sd += p.y; stt += x * x; std += x * p.y
        }
        var speed = 0.0
        let den = n * stt - st * st
        if n >= 3, den > 1e-9 { speed = -(n * std - st * sd) / den }
        let ttc: Double? = speed > 0.2 ? contact.y / speed : nil
        let inCorridor = abs(contact.x) - width / 2 <= configuration.corridorWidth / 2
        return TrackGeometry(bearingDegrees: bearing, clock: CameraModel.clockPosition(bearingDegrees: bearing),
                             distance: contact.y, lateral: contact.x, width: width, approachSpeed: speed,
                             timeToContact: ttc, inCorridor: inCorridor)
    }

    func obstacles(now: Double, candidates: inout [Candidate]) {
        let cfg = configuration
        var best: (candidate: Candidate, rank: Double)?
        var live = Set<Int>()
        for track in tracker.tracks {
            guard case .single(let cls) = track.group, !Self.nonObstacles.contains(cls),
                track.hits >= cfg.minHits, now - track.lastSeen <= 0.2,
                let g = geometry(of: track, now: now), g.distance <= cfg.obstacleRange
            else { continue }
            live.insert(track.id)
            let approaching = g.approachSpeed > 0.3
            let imminent = g.inCorridor && approaching
                && ((g.timeToContact ?? .infinity) < cfg.imminentTTCSeconds || g.distance < cfg.imminentDistance)
            let near = g.inCorridor || abs(g.lateral) - g.width / 2 < cfg.corridorWidth / 2 + 0.8
            guard imminent || near else { continue }
            // An object beside the corridor is said once; only obstacles in the path get
            // distance updates. Updates about things the walker will pass kept the channel
            // busy while a new obstacle came into range (the Mandarin demo missed its pole).
            if !imminent, !g.inCorridor, announcedDistance[track.id] != nil { continue }
            // Hysteresis on the spoken distance: keep the last one unless it moved clearly.
            var spoken = max(1, g.distance.rounded())
            if let last = announcedDistance[track.id], abs(g.distance - last) < 0.7 { spoken = last }
            let args = ["class": cls.rawValue, "clock": String(g.clock),
                        "distance": String(Int(spoken))]
            let ttcUrgency = g.timeToContact.map { 1 - min(1, $0 / (3 * cfg.imminentTTCSeconds)) } ?? 0
            let urgency = Float(max(ttcUrgency, 1 - g.distance / cfg.obstacleRange))
            let c: Candidate
            if imminent {
                c = Candidate(kind: .collision, priority: .imminent, message: CueMessage("collision", args),
                              topic: "collision.\(track.id)", pan: Self.pan(bearing: g.bearingDegrees),
                              urgency: max(0.8, urgency), earcon: .alert, trackID: track.id,
                              repeatSeconds: 2)
            } else {
                let key = g.distance < 1 ? "obstacle.near" : "obstacle"
                c = Candidate(kind: .obstacle, priority: .obstacle, message: CueMessage(key, args),
                              topic: "obstacle.\(track.id)", pan: Self.pan(bearing: g.bearingDegrees),
                              urgency: urgency, earcon: .beep, trackID: track.id)
            }
            // Rank only what may be said now: a nearer obstacle whose warning was just given
            // must not hide the next one (with longer phrases, as in Mandarin, the nearer one
            // kept winning the rank while its repeat was suppressed, and a pole went unsaid).
            guard allowedByVerbosity(c), !suppressed(c, now: now) else { continue }
            let rank = Double(c.priority.rawValue) * 100 - g.distance - (g.inCorridor ? 0 : 10)
            if best == nil || rank > best!.rank { best = (c, rank) }
        }
        if let b = best { candidates.append(b.candidate) }
        announcedDistance = announcedDistance.filter { live.contains($0.key) }
    }
}
