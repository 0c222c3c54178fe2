import Foundation
import WayCueDetector
import WayCueNN

/// How a detector reads an imported model's output: which output, which layout, and whether
/// the class scores are still logits. `waycue import` stores it in the `.wcm` itself, as a
/// ``WayCueDetector/ModelHead`` in the output value's name.
public struct DetectionHeadDescription: Codable, Sendable, Hashable {
    /// Output layouts the detector knows.
    public enum Layout: String, Codable, Sendable {
        /// NanoDet-Plus: per cell, class scores then 4 x (regMax + 1) distance-bin logits,
        /// cells level after level, row-major (read by ``DistributionBoxDecoder``).
        case nanodetPlus = "nanodet-plus"
        /// YOLOv8-style: `[4 + classes, cells]` with boxes already decoded (cx, cy, w, h in
        /// input pixels) and class probabilities; channel-major.
        case yolov8 = "yolov8"
        /// YOLOv5-style: `[3 x cells, 5 + classes]`: cx, cy, w, h, objectness, class probabilities.
        case yolov5 = "yolov5"
    }
    /// Layout of the output.
    public var layout: Layout
    /// Name of the graph output holding the head.
    public var output: String
    /// Number of classes.
    public var classCount: Int
    /// Highest distance bin (NanoDet-Plus).
    public var regMax: Int
    /// Level strides in input pixels.
    public var strides: [Int]
    /// True when the class scores already went through a sigmoid in the graph (the
    /// NanoDet-Plus ONNX export does this), false when they are logits.
    public var scoresAreProbabilities: Bool
    /// Input width and height.
    public var inputWidth: Int, inputHeight: Int

    /// Creates a description.
    public init(layout: Layout, output: String, classCount: Int, regMax: Int, strides: [Int],
                scoresAreProbabilities: Bool, inputWidth: Int, inputHeight: Int) {
        self.layout = layout
        self.output = output
        self.classCount = classCount
        self.regMax = regMax
        self.strides = strides
        self.scoresAreProbabilities = scoresAreProbabilities
        self.inputWidth = inputWidth
        self.inputHeight = inputHeight
    }

    /// The NanoDet-Plus decoder for this description (nil for other layouts).
    public var distributionDecoder: DistributionBoxDecoder? {
        layout == .nanodetPlus ? DistributionBoxDecoder(classCount: classCount, regMax: regMax, strides: strides) : nil
    }

    /// Guesses the layout from the output shapes: a NanoDet-Plus head has
    /// `cells(strides 8, 16, 32, 64) x (classes + 32)` values, a YOLOv8 head
    /// `(4 + classes) x cells(strides 8, 16, 32)`. Returns nil when no output fits.
    public static func infer(from graph: Graph) -> DetectionHeadDescription? {
        guard let input = graph.inputs.first.map({ graph.values[$0].shape }) else { return nil }
        func cells(_ strides: [Int]) -> Int {
            strides.reduce(0) { $0 + ((input.w + $1 - 1) / $1) * ((input.h + $1 - 1) / $1) }
        }
        let nano = cells([8, 16, 32, 64]), yolo = cells([8, 16, 32])
        for o in graph.outputs {
            let v = graph.values[o]
            let count = v.shape.count
            // The last axis (w) is the per-cell vector in NanoDet's [1, cells, values] export.
            if count % nano == 0, v.shape.w == count / nano, count / nano > 32 {
                return DetectionHeadDescription(layout: .nanodetPlus, output: v.name, classCount: count / nano - 32, regMax: 7,
                                                strides: [8, 16, 32, 64], scoresAreProbabilities: true,
                                                inputWidth: input.w, inputHeight: input.h)
            }
            if count % yolo == 0, v.shape.w == yolo, count / yolo > 4 {
                return DetectionHeadDescription(layout: .yolov8, output: v.name, classCount: count / yolo - 4, regMax: 0,
                                                strides: [8, 16, 32], scoresAreProbabilities: true,
                                                inputWidth: input.w, inputHeight: input.h)
            }
            if count % (3 * yolo) == 0, v.shape.w == count / (3 * yolo), count / (3 * yolo) > 5 {
                return DetectionHeadDescription(layout: .yolov5, output: v.name, classCount: count / (3 * yolo) - 5, regMax: 0,
                                                strides: [8, 16, 32], scoresAreProbabilities: true,
                                                inputWidth: input.w, inputHeight: input.h)
            }
        }
        return nil
    }

    /// The description of the graph's single output read as `layout` (when shape inference
    /// does not recognise it, or picks another layout): classes follow from the output's size
    /// and the layout's cells (strides 8, 16, 32, and 64 for NanoDet-Plus); nil when the size
    /// does not fit the layout.
    public static func forced(_ layout: Layout, graph: Graph) -> DetectionHeadDescription? {
        guard graph.outputs.count == 1, let input = graph.inputs.first.map({ graph.values[$0].shape }) else { return nil }
        let v = graph.values[graph.outputs[0]]
        let strides = layout == .nanodetPlus ? [8, 16, 32, 64] : [8, 16, 32]
        var cells = strides.reduce(0) { $0 + ((input.w + $1 - 1) / $1) * ((input.h + $1 - 1) / $1) }
        if layout == .yolov5 { cells *= 3 }
        let extra = layout == .nanodetPlus ? 32 : layout == .yolov8 ? 4 : 5
        guard v.shape.count % cells == 0, v.shape.count / cells > extra else { return nil }
        return DetectionHeadDescription(layout: layout, output: v.name, classCount: v.shape.count / cells - extra,
                                        regMax: layout == .nanodetPlus ? 7 : 0, strides: strides, scoresAreProbabilities: true,
                                        inputWidth: input.w, inputHeight: input.h)
    }

    /// The detector's head description with the usual input preparation of the exporter that
    /// writes this layout (Ultralytics: RGB / 255, letterbox 114; NanoDet-Plus: BGR with its
    /// mean and std, stretched), unless `input` is given. NanoDet-Plus centres its cells on
    /// their top-left corners (offset 0).
    public func modelHead(input: InputNormalization? = nil) -> ModelHead {
        switch layout {
        case .nanodetPlus:
            return ModelHead(layout: .distribution, regMax: regMax, strides: strides, centerOffset: 0,
                             scoresAreProbabilities: scoresAreProbabilities, input: input ?? .nanodet)
        case .yolov8:
            return ModelHead(layout: .yolov8, strides: strides, scoresAreProbabilities: scoresAreProbabilities,
                             input: input ?? .ultralytics)
        case .yolov5:
            return ModelHead(layout: .yolov5, strides: strides, scoresAreProbabilities: scoresAreProbabilities,
                             input: input ?? .ultralytics)
        }
    }

    /// Stores `head` in `graph` as the name of the head's output value (see ``ModelHead``),
    /// so that ``WayCueDetector/Detector`` runs the graph.
    public static func store(_ head: ModelHead, output: String, in graph: inout Graph) {
        guard let i = graph.outputs.first(where: { graph.values[$0].name == output }) else { return }
        graph.rename(value: i, to: head.valueName)
    }

    /// JSON text (sorted keys, pretty).
    public func jsonData() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }
}
