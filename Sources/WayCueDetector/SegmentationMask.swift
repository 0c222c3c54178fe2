import Foundation
import WayCueImage

/// How a detector graph's dense (mask) output is laid out, read from the output value's name.
///
/// A WayCue detector may carry, beside its detection head, a coarse per-class mask head: one
/// logit plane per class at `1 / stride` of the network input, in the graph output whose name is
/// `waycue_mask stride=8 classes=tactile_guide,tactile_warning,crosswalk`. The classes are the
/// canonical WayCue class names; their order is the order of the planes.
public struct MaskHeadSpec: Sendable, Hashable {
    /// The prefix every mask output name starts with.
    public static let prefix = "waycue_mask"
    /// Network input pixels per mask cell.
    public var stride: Int
    /// Class of each plane, in order.
    public var classNames: [String]

    /// Creates a description.
    public init(stride: Int, classNames: [String]) {
        self.stride = stride
        self.classNames = classNames
    }

    /// Parses an output value name; `nil` when it is not a mask output or is malformed.
    public init?(valueName: String) {
        let parts = valueName.split(separator: " ")
        guard parts.first.map(String.init) == MaskHeadSpec.prefix else { return nil }
        var stride: Int?, classes: [String]?
        for p in parts.dropFirst() {
            let kv = p.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { return nil }
            switch kv[0] {
            case "stride": stride = Int(kv[1])
            case "classes": classes = kv[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            default: continue
            }
        }
        guard let stride, stride > 0, stride <= 64, let classes, !classes.isEmpty, classes.count <= 8,
              Set(classes).count == classes.count, classes.allSatisfy({ !$0.isEmpty })
        else { return nil }
        self.stride = stride
        self.classNames = classes
    }

    /// The output value name that describes this head.
    public var valueName: String {
        "\(MaskHeadSpec.prefix) stride=\(stride) classes=\(classNames.joined(separator: ","))"
    }
}

/// A detector's coarse per-class mask for one image: probabilities on the network's cell grid,
/// with the letterbox that maps them back to the image.
///
/// ``labelMap(width:height:threshold:)`` resamples it (bilinear, on probabilities) to any size
/// covering the whole image, such as the image's own size for `waycue detect --mask-out`, or a
/// coarse grid for the cue engine.
public struct SegmentationMask: Sendable {
    /// Class of each plane, in order (label value `k + 1` in ``labelMap(width:height:threshold:)``).
    public let classNames: [String]
    /// Cells across and down the network input.
    public let gridWidth: Int, gridHeight: Int
    /// Network input pixels per cell.
    public let stride: Int
    /// Per-class probability planes, `classNames.count * gridWidth * gridHeight` values in `0...1`.
    public let probabilities: [Float]
    /// How the image was fitted into the network input.
    public let transform: LetterboxTransform

    /// Creates a mask from probability planes (`probabilities.count` must be
    /// `classNames.count * gridWidth * gridHeight`).
    public init(classNames: [String], gridWidth: Int, gridHeight: Int, stride: Int,
                probabilities: [Float], transform: LetterboxTransform) {
        precondition(probabilities.count == classNames.count * gridWidth * gridHeight, "mask planes do not match the grid")
        self.classNames = classNames
        self.gridWidth = gridWidth
        self.gridHeight = gridHeight
        self.stride = stride
        self.probabilities = probabilities
        self.transform = transform
    }

    /// Width and height of the image the mask describes.
    public var imageWidth: Int { transform.sourceWidth }
    /// Height of the image the mask describes.
    public var imageHeight: Int { transform.sourceHeight }

    /// The plane index of a class name, if the mask has it.
    public func classIndex(of name: String) -> Int? { classNames.firstIndex(of: name) }

    /// The probability of class `k` at image point `(x, y)` (image pixels, continuous),
    /// interpolated bilinearly between cell centres.
    public func probability(classIndex k: Int, x: Double, y: Double) -> Float {
        let gx = (Double(transform.offsetX) + x * Double(transform.scaleX)) / Double(stride) - 0.5
        let gy = (Double(transform.offsetY) + y * Double(transform.scaleY)) / Double(stride) - 0.5
        return sample(k, gx, gy)
    }

    @inline(__always)
    private func sample(_ k: Int, _ gx: Double, _ gy: Double) -> Float {
        let cx = min(max(gx, 0), Double(gridWidth - 1)), cy = min(max(gy, 0), Double(gridHeight - 1))
        let x0 = Int(cx), y0 = Int(cy)
        let x1 = min(x0 + 1, gridWidth - 1), y1 = min(y0 + 1, gridHeight - 1)
        let fx = Float(cx - Double(x0)), fy = Float(cy - Double(y0))
        let base = k * gridWidth * gridHeight
        let a = probabilities[base + y0 * gridWidth + x0], b = probabilities[base + y0 * gridWidth + x1]
        let c = probabilities[base + y1 * gridWidth + x0], d = probabilities[base + y1 * gridWidth + x1]
        return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy
    }

    /// A label map of `width` x `height` covering the whole image: 0 where no class reaches
    /// `threshold`, otherwise `1 + k` for the most probable class `k`.
    ///
    /// Probabilities are interpolated bilinearly at each output pixel's centre, so the map is
    /// smooth at any size; at the image's own size it is what `waycue detect --mask-out` writes.
    public func labelMap(width: Int, height: Int, threshold: Float = 0.5) -> [UInt8] {
        guard width > 0, height > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: width * height)
        let sx = Double(imageWidth) / Double(width), sy = Double(imageHeight) / Double(height)
        let K = classNames.count
        // Cell coordinate of each output column and row (separable).
        let ox = Double(transform.offsetX), oy = Double(transform.offsetY)
        let kx = sx * Double(transform.scaleX), ky = sy * Double(transform.scaleY), st = Double(stride)
        var gxs = [Double](repeating: 0, count: width)
        for c in 0..<width { gxs[c] = (ox + (Double(c) + 0.5) * kx) / st - 0.5 }
        out.withUnsafeMutableBufferPointer { o in
            for row in 0..<height {
                let gy: Double = (oy + (Double(row) + 0.5) * ky) / st - 0.5
                for col in 0..<width {
                    var best: Float = threshold, label: UInt8 = 0
                    for k in 0..<K {
                        let p = sample(k, gxs[col], gy)
                        if p >= best { best = p; label = UInt8(k + 1) }
                    }
                    o[row * width + col] = label
                }
            }
        }
        return out
    }

    /// The label map at the image's own size as a grey image (pixel value = label).
    public func labelImage(threshold: Float = 0.5) -> Image {
        var img = Image(width: imageWidth, height: imageHeight, format: .grey8)
        img.pixels = labelMap(width: imageWidth, height: imageHeight, threshold: threshold)
        return img
    }
}
