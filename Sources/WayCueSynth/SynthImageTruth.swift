import Foundation
import WayCueImage

/// Cue-layer ground truth of a still image: where each obstacle and light is relative to the
/// walker, and where the guidance paving runs.
public struct SynthImageTruth: Sendable, Hashable, Codable {
    /// Guidance paving nearest the walker (within 2 m), `nil` when none.
    public var paving: PavingTruth?
    /// Poles, bollards, cones and stairs.
    public var obstacles: [ObstacleTruth]
    /// Signal heads.
    public var lights: [LightTruth]

    /// The truth of a frame rendered from `scene` at `pose`.
    public init(scene: SynthScene, frame: SynthFrame, pose: WalkerPose = WalkerPose()) {
        var boxes: [Int: Box] = [:]
        for l in frame.labels { if let k = l.objectIndex { boxes[k] = l.box } }
        func arr(_ b: Box?) -> [Float]? { b.map { [$0.x1, $0.y1, $0.x2, $0.y2] } }
        obstacles = []
        lights = []
        for (k, o) in scene.objects.enumerated() {
            let (d, b) = pose.distanceAndBearing(o.position)
            switch o.kind {
            case .pole, .bollard, .cone, .stairs, .person:
                obstacles.append(ObstacleTruth(name: o.name, objectClass: o.kind.labelClass?.rawValue ?? "", distance: r4(d),
                                               bearing: r4(b), visible: boxes[k] != nil, box: arr(boxes[k])))
            case .pedestrianSignal(let state, let countdown, _):
                lights.append(LightTruth(name: o.name, kind: "pedestrian", phase: state.rawValue, lit: state.rawValue,
                                         countdown: countdown, objectClass: o.kind.labelClass?.rawValue, distance: r4(d),
                                         bearing: r4(b), visible: boxes[k] != nil, box: arr(boxes[k])))
            case .vehicleSignal(let state, _):
                lights.append(LightTruth(name: o.name, kind: "vehicle", phase: state.rawValue, lit: state.rawValue,
                                         countdown: nil, objectClass: o.kind.labelClass?.rawValue, distance: r4(d),
                                         bearing: r4(b), visible: boxes[k] != nil, box: arr(boxes[k])))
            case .building, .kerb:
                break
            }
        }
        var best: PavingTruth?
        for strip in scene.ground.strips {
            guard let n = strip.path.nearest(to: SynthPoint2(x: pose.x, y: pose.y)), abs(n.offset) < 2 else { continue }
            if best == nil || abs(n.offset) < abs(best!.offset) {
                best = PavingTruth(offset: r4(-n.offset), heading: r4(wrapDegrees(n.heading - pose.heading)), onWarning: false)
            }
        }
        paving = best
    }
}
