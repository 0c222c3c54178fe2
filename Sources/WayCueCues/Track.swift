import WayCueDetector
import WayCueImage

/// Classes that may share one track because the same physical object changes between them
/// (a pedestrian head switching from red to green, a vehicle light cycling).
public enum TrackGroup: Hashable, Sendable {
    /// Pedestrian signal heads (`ped_red`, `ped_green`).
    case pedestrianSignal
    /// Vehicle signal heads.
    case vehicleSignal
    /// Any other class: one group per class.
    case single(ObjectClass)

    /// The group of a class.
    public init(_ objectClass: ObjectClass) {
        if objectClass.isPedestrianSignal { self = .pedestrianSignal }
        else if objectClass.isVehicleSignal { self = .vehicleSignal }
        else { self = .single(objectClass) }
    }
}

/// One detection attributed to a track at one frame.
public struct TrackObservation: Sendable, Hashable {
    /// Frame time in seconds.
    public var time: Double
    /// The detected class.
    public var objectClass: ObjectClass
    /// The detection's score.
    public var score: Float
    /// The raw detected box.
    public var box: Box
}

/// An object followed across frames: stable id, smoothed box, motion, age and history.
public struct Track: Sendable, Identifiable {
    /// Stable id, unique within one tracker.
    public let id: Int
    /// The class group the track belongs to.
    public let group: TrackGroup
    /// The class of the latest detection.
    public var objectClass: ObjectClass
    /// Smoothed box (exponential smoothing of detected boxes with motion prediction).
    public var box: Box
    /// Centre velocity in pixels per second (`x` right, `y` down).
    public var velocity: (x: Float, y: Float)
    /// Time the track was first seen.
    public let firstSeen: Double
    /// Time of the latest matched detection.
    public var lastSeen: Double
    /// Number of frames with a matched detection.
    public var hits: Int
    /// Recent observations, oldest first (bounded by the tracker's history length).
    public var history: [TrackObservation]
    /// Recent smoothed boxes with their times, oldest first, for distance history.
    public var smoothedHistory: [(time: Double, box: Box)]

    /// Seconds since the track was first seen, at `now`.
    public func age(at now: Double) -> Double { now - firstSeen }

    /// The box predicted at time `t` with constant velocity.
    public func predictedBox(at t: Double) -> Box {
        let dt = Float(max(0, t - lastSeen))
        return Box(x1: box.x1 + velocity.x * dt, y1: box.y1 + velocity.y * dt,
                   x2: box.x2 + velocity.x * dt, y2: box.y2 + velocity.y * dt)
    }

    /// Highest score of `objectClass` observed since `since` (0 when none): the per-class
    /// confidence history.
    public func maxScore(of objectClass: ObjectClass, since: Double) -> Float {
        var best: Float = 0
        for o in history.reversed() {
            if o.time < since { break }
            if o.objectClass == objectClass { best = max(best, o.score) }
        }
        return best
    }

    /// Observations since `since`, oldest first.
    public func observations(since: Double) -> ArraySlice<TrackObservation> {
        var start = history.endIndex
        while start > history.startIndex, history[start - 1].time >= since { start -= 1 }
        return history[start...]
    }
}
