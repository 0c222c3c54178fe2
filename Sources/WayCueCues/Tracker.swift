import WayCueDetector
import WayCueImage

/// Settings of the ``Tracker``.
public struct TrackerConfiguration: Sendable, Hashable, Codable {
    /// Smallest IoU between a predicted track box and a detection that may match.
    public var minIoU: Float = 0.1
    /// A detection whose centre lies within this fraction of the track box's diagonal may
    /// match even with little overlap (small, fast objects).
    public var maxCenterDistance: Float = 0.6
    /// Seconds a track survives without a detection (the short memory for missed frames).
    public var maxMissSeconds: Double = 0.6
    /// Weight of the new detection in the smoothed box, in `(0, 1]`.
    public var boxSmoothing: Float = 0.6
    /// Weight of the newest velocity measurement.
    public var velocitySmoothing: Float = 0.5
    /// Seconds of observation history kept per track.
    public var historySeconds: Double = 2.5
    /// Detections scoring below this are ignored.
    public var minScore: Float = 0.2

    /// The defaults.
    public init() {}
}

/// Associates detections across frames into ``Track``s by IoU and constant-velocity
/// prediction, with a short memory for missed frames.
public struct Tracker: Sendable {
    /// Settings.
    public var configuration: TrackerConfiguration
    /// Live tracks, in creation order.
    public private(set) var tracks: [Track] = []
    private var nextID = 1

    /// Creates an empty tracker.
    public init(configuration: TrackerConfiguration = TrackerConfiguration()) {
        self.configuration = configuration
    }

    /// Ids of the tracks matched in the latest update.
    public private(set) var matchedIDs: Set<Int> = []

    /// Updates the tracks with one frame's detections at time `time` (seconds, increasing).
    public mutating func update(_ detections: [Detection], at time: Double) {
        let cfg = configuration
        let dets = detections.filter {
            $0.score >= cfg.minScore && $0.score.isFinite && $0.box.x1.isFinite && $0.box.y1.isFinite
                && $0.box.x2.isFinite && $0.box.y2.isFinite && $0.box.width > 0 && $0.box.height > 0
        }
        // Candidate pairs with costs, then greedy assignment by increasing cost.
        var pairs: [(cost: Float, track: Int, det: Int)] = []
        pairs.reserveCapacity(tracks.count * 4)
        let predicted = tracks.map { $0.predictedBox(at: time) }
        let groups = dets.map { TrackGroup($0.objectClass) }
        for (ti, track) in tracks.enumerated() {
            let p = predicted[ti]
            let diag = (p.width * p.width + p.height * p.height).squareRoot()
            for (di, d) in dets.enumerated() where groups[di] == track.group {
                let iou = p.iou(d.box)
                let dx = p.centerX - d.box.centerX
                let dy = p.centerY - d.box.centerY
                let dist = (dx * dx + dy * dy).squareRoot() / max(diag, 1)
                guard iou >= cfg.minIoU || dist <= cfg.maxCenterDistance else { continue }
                pairs.append((1 - iou + 0.5 * min(dist, 1), ti, di))
            }
        }
        pairs.sort { $0.cost < $1.cost }
        var trackUsed = [Bool](repeating: false, count: tracks.count)
        var detUsed = [Bool](repeating: false, count: dets.count)
        matchedIDs.removeAll(keepingCapacity: true)
        for pair in pairs where !trackUsed[pair.track] && !detUsed[pair.det] {
            trackUsed[pair.track] = true
            detUsed[pair.det] = true
            apply(dets[pair.det], to: pair.track, predicted: predicted[pair.track], at: time)
            matchedIDs.insert(tracks[pair.track].id)
        }
        // Forget tracks unseen for too long.
        tracks.removeAll { time - $0.lastSeen > cfg.maxMissSeconds }
        for (di, d) in dets.enumerated() where !detUsed[di] {
            let obs = TrackObservation(time: time, objectClass: d.objectClass, score: d.score, box: d.box)
            tracks.append(Track(id: nextID, group: groups[di], objectClass: d.objectClass, box: d.box,
                                velocity: (0, 0), firstSeen: time, lastSeen: time, hits: 1,
                                history: [obs], smoothedHistory: [(time, d.box)]))
            matchedIDs.insert(nextID)
            nextID += 1
        }
    }

    /// Drops tracks unseen for longer than the miss memory at `time` (for ticks without frames).
    public mutating func expire(at time: Double) {
        tracks.removeAll { time - $0.lastSeen > configuration.maxMissSeconds }
    }

    private mutating func apply(_ d: Detection, to index: Int, predicted: Box, at time: Double) {
        Self.apply(d, to: &tracks[index], predicted: predicted, at: time, configuration)
    }

    /// Updates a track in place (no copy of its history arrays).
    private static func apply(_ d: Detection, to t: inout Track, predicted: Box, at time: Double,
                              _ cfg: TrackerConfiguration) {
        let dt = Float(time - t.lastSeen)
        if dt > 1e-4 {
            let vx = (d.box.centerX - t.box.centerX) / dt
            let vy = (d.box.centerY - t.box.centerY) / dt
            let a = cfg.velocitySmoothing
            t.velocity = t.hits == 1 ? (vx, vy) : (a * vx + (1 - a) * t.velocity.x, a * vy + (1 - a) * t.velocity.y)
        }
        let a = cfg.boxSmoothing
        t.box = Box(x1: a * d.box.x1 + (1 - a) * predicted.x1, y1: a * d.box.y1 + (1 - a) * predicted.y1,
                    x2: a * d.box.x2 + (1 - a) * predicted.x2, y2: a * d.box.y2 + (1 - a) * predicted.y2)
        t.objectClass = d.objectClass
        t.lastSeen = time
        t.hits += 1
        t.history.append(TrackObservation(time: time, objectClass: d.objectClass, score: d.score, box: d.box))
        t.smoothedHistory.append((time, t.box))
        let horizon = time - cfg.historySeconds
        if let first = t.history.first, first.time < horizon {
            t.history.removeAll { $0.time < horizon }
            t.smoothedHistory.removeAll { $0.time < horizon }
        }
    }
}
