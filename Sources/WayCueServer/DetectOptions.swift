import WayCueDetector
import WayCueImage

/// Query options of `POST /v1/detect`: `score`, `iou`, `classes` and `signal_pass`.
public struct DetectOptions: Sendable, Equatable {
    /// Keep detections scoring at least this (the detector's own threshold still applies:
    /// a value below it changes nothing).
    public var minScore: Float?
    /// When set, suppress a box overlapping a higher-scoring box of the same class by more than
    /// this IoU (on top of the detector's own suppression).
    public var iou: Float?
    /// When set, keep only these classes.
    public var classes: Set<ObjectClass>?
    /// When set, turns the detector's high-resolution signal pass on or off for this request
    /// (`signal_pass=1` or `0`); nil keeps the detector's own setting (on for the bundled model).
    public var signalPass: Bool?

    /// No filtering.
    public init(minScore: Float? = nil, iou: Float? = nil, classes: Set<ObjectClass>? = nil, signalPass: Bool? = nil) {
        self.minScore = minScore
        self.iou = iou
        self.classes = classes
        self.signalPass = signalPass
    }

    /// Runs `detector` on `image` with this request's signal-pass choice (a detector without a
    /// signal pass ignores it).
    public func detect(with detector: any ObjectDetecting, image: Image) throws -> [Detection] {
        if let signalPass, let d = detector as? any SignalPassDetecting {
            return try d.detect(image, includeSignalPass: signalPass)
        }
        return try detector.detect(image)
    }

    /// Parses the query parameters, checking classes against `known`.
    ///
    /// - Throws: ``APIError`` 400 `invalid_parameter` naming the parameter and the reason.
    public init(query: [String: String], known: [ObjectClass]) throws(APIError) {
        func number(_ name: String) throws(APIError) -> Float? {
            guard let text = query[name] else { return nil }
            guard let v = Float(text), v.isFinite, v >= 0, v <= 1 else {
                throw .badRequest("invalid_parameter", "\(name)=\(text): expected a number from 0 to 1")
            }
            return v
        }
        minScore = try number("score")
        iou = try number("iou")
        if let text = query["signal_pass"] {
            switch text.lowercased() {
            case "1", "true", "on": signalPass = true
            case "0", "false", "off": signalPass = false
            default: throw .badRequest("invalid_parameter", "signal_pass=\(text.prefix(20)): expected 1 or 0")
            }
        }
        if let list = query["classes"] {
            let names = list.split(separator: ",").map { ObjectClass(String($0).trimmingCharacters(in: .whitespaces)) }
            guard !names.isEmpty else {
                throw .badRequest("invalid_parameter", "classes=: expected a comma-separated list of classes")
            }
            for n in names where !known.contains(n) {
                throw .badRequest(
                    "invalid_parameter",
                    "classes: '\(n)' is not a class of this model (\(known.map(\.rawValue).joined(separator: ",")))")
            }
            classes = Set(names)
        }
    }

    /// Applies the options to a detector's output (kept in score order).
    public func apply(_ detections: [Detection]) -> [Detection] {
        var kept = detections.filter { d in
            (minScore.map { d.score >= $0 } ?? true) && (classes.map { $0.contains(d.objectClass) } ?? true)
        }
        kept.sort { $0.score > $1.score }
        guard let iou else { return kept }
        var result: [Detection] = []
        for d in kept where !result.contains(where: { $0.objectClass == d.objectClass && $0.box.iou(d.box) > iou }) {
            result.append(d)
        }
        return result
    }
}
