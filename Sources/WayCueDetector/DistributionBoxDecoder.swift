import Foundation
import WayCueImage

/// Decodes the raw outputs of an anchor-free, NanoDet-Plus-style detection head into boxes.
///
/// At every feature-map cell of every level (stride 8, 16, 32, ...) the head predicts one
/// logit per class and, for each of the four box sides (left, top, right, bottom), a
/// distribution over `regMax + 1` distance bins (distribution focal loss). The distance to a
/// side is the expected bin index times the level's stride, measured from the cell's centre
/// `((x + centerOffset) * stride, (y + centerOffset) * stride)`.
///
/// Outputs are laid out cell by cell, level after level (row-major within a level): for
/// each cell, `classCount` class logits followed by `4 * (regMax + 1)` box logits.
public struct DistributionBoxDecoder: Sendable, Hashable, Codable {
    /// Number of classes the head predicts.
    public var classCount: Int
    /// Highest distance bin (NanoDet-Plus uses 7: eight bins per side).
    public var regMax: Int
    /// Strides of the head's levels, in input pixels.
    public var strides: [Int]
    /// Offset of a cell's centre within the cell, in cells (0.5 puts it in the middle).
    public var centerOffset: Float

    /// Creates a decoder description.
    public init(classCount: Int, regMax: Int = 7, strides: [Int] = [8, 16, 32, 64],
                centerOffset: Float = 0.5) {
        self.classCount = classCount
        self.regMax = regMax
        self.strides = strides
        self.centerOffset = centerOffset
    }

    /// Values the head produces per cell.
    public var valuesPerCell: Int { classCount + 4 * (regMax + 1) }

    /// Feature-map size of each level for a given input size (ceil division, as strided
    /// convolutions with padding produce).
    public func levelSizes(inputWidth: Int, inputHeight: Int) -> [(width: Int, height: Int)] {
        strides.map { s in ((inputWidth + s - 1) / s, (inputHeight + s - 1) / s) }
    }

    /// Number of cells over all levels for a given input size.
    public func cellCount(inputWidth: Int, inputHeight: Int) -> Int {
        levelSizes(inputWidth: inputWidth, inputHeight: inputHeight).reduce(0) { $0 + $1.width * $1.height }
    }

    /// A candidate box before NMS, in model-input pixels.
    public struct Candidate: Sendable, Hashable {
        /// Index of the class.
        public var classIndex: Int
        /// Sigmoid of the class logit.
        public var score: Float
        /// Box in model-input pixels.
        public var box: Box
    }

    /// Decodes one image's head output.
    ///
    /// - Parameters:
    ///   - output: `cellCount * valuesPerCell` logits, laid out as described above.
    ///   - inputWidth: Model input width in pixels.
    ///   - inputHeight: Model input height in pixels.
    ///   - scoreThreshold: Candidates scoring below this are skipped (before box decoding,
    ///     which keeps decoding cheap).
    /// - Returns: Candidates whose best class scores at least `scoreThreshold`.
    public func decode(_ output: UnsafeBufferPointer<Float>, inputWidth: Int, inputHeight: Int,
                       scoreThreshold: Float) -> [Candidate] {
        let perCell = valuesPerCell
        let bins = regMax + 1
        precondition(output.count >= cellCount(inputWidth: inputWidth, inputHeight: inputHeight) * perCell,
                     "head output is smaller than the decoder expects")
        // sigmoid(x) >= t  <=>  x >= logit(t); compare logits to skip the exp per class.
        let t = min(max(scoreThreshold, 1e-6), 1 - 1e-6)
        let logitThreshold = log(t / (1 - t))
        var result: [Candidate] = []
        var base = 0
        for (level, size) in levelSizes(inputWidth: inputWidth, inputHeight: inputHeight).enumerated() {
            let stride = Float(strides[level])
            for y in 0..<size.height {
                for x in 0..<size.width {
                    defer { base += perCell }
                    var best = 0
                    var bestLogit = output[base]
                    for c in 1..<max(classCount, 1) where output[base + c] > bestLogit {
                        bestLogit = output[base + c]
                        best = c
                    }
                    guard bestLogit >= logitThreshold else { continue }
                    var distances: (Float, Float, Float, Float) = (0, 0, 0, 0)
                    for side in 0..<4 {
                        let start = base + classCount + side * bins
                        var maxLogit = output[start]
                        for b in 1..<bins { maxLogit = max(maxLogit, output[start + b]) }
                        var sum: Float = 0
                        var weighted: Float = 0
                        for b in 0..<bins {
                            let e = exp(output[start + b] - maxLogit)
                            sum += e
                            weighted += e * Float(b)
                        }
                        let d = weighted / sum * stride
                        switch side {
                        case 0: distances.0 = d
                        case 1: distances.1 = d
                        case 2: distances.2 = d
                        default: distances.3 = d
                        }
                    }
                    let cx = (Float(x) + centerOffset) * stride
                    let cy = (Float(y) + centerOffset) * stride
                    let score = 1 / (1 + exp(-bestLogit))
                    result.append(Candidate(
                        classIndex: best, score: score,
                        box: Box(x1: cx - distances.0, y1: cy - distances.1,
                                 x2: cx + distances.2, y2: cy + distances.3)))
                }
            }
        }
        return result
    }
}
