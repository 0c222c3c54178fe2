import WayCueImage

/// Settings for non-maximum suppression.
public struct NMSOptions: Sendable, Hashable, Codable {
    /// Boxes overlapping a kept box of the same class by more than this IoU are dropped.
    public var iouThreshold: Float
    /// When `true`, boxes of different classes also suppress each other.
    public var classAgnostic: Bool
    /// At most this many detections are kept per image.
    public var maxDetections: Int

    /// Creates NMS settings.
    public init(iouThreshold: Float = 0.6, classAgnostic: Bool = false, maxDetections: Int = 100) {
        self.iouThreshold = iouThreshold
        self.classAgnostic = classAgnostic
        self.maxDetections = maxDetections
    }
}

/// Greedy non-maximum suppression: keeps the highest-scoring box, drops those that overlap it
/// too much, and repeats.
///
/// Runs per class unless ``NMSOptions/classAgnostic`` is set. The result is sorted by score,
/// highest first; ties keep their input order, so the output is deterministic.
public func nonMaxSuppression(_ detections: [Detection], options: NMSOptions = NMSOptions()) -> [Detection] {
    let order = detections.indices.sorted {
        detections[$0].score != detections[$1].score
            ? detections[$0].score > detections[$1].score : $0 < $1
    }
    var kept: [Detection] = []
    kept.reserveCapacity(min(options.maxDetections, detections.count))
    for index in order {
        let candidate = detections[index]
        var suppressed = false
        for k in kept where options.classAgnostic || k.objectClass == candidate.objectClass {
            if k.box.iou(candidate.box) > options.iouThreshold {
                suppressed = true
                break
            }
        }
        if !suppressed {
            kept.append(candidate)
            if kept.count >= options.maxDetections { break }
        }
    }
    return kept
}
