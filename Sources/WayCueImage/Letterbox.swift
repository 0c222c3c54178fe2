/// How a letterboxed image relates to the frame it came from: a uniform scale followed by
/// a shift into the padded canvas.
///
/// Coordinates are continuous pixel coordinates (the top-left corner of pixel (0, 0) is
/// (0, 0), its centre (0.5, 0.5)), so `toSource(toTarget(p)) == p` up to rounding.
/// A model's boxes, found on the letterboxed input, map back to the frame with
/// ``toSource(_:)-(Box)``.
public struct LetterboxTransform: Sendable, Hashable, Codable {
    /// Frame (source) width in pixels.
    public let sourceWidth: Int
    /// Frame (source) height in pixels.
    public let sourceHeight: Int
    /// Canvas (model input) width in pixels.
    public let targetWidth: Int
    /// Canvas (model input) height in pixels.
    public let targetHeight: Int
    /// Horizontal scale from source to target (the resized width over the source width).
    public let scaleX: Float
    /// Vertical scale from source to target (the resized height over the source height).
    public let scaleY: Float
    /// Width of the resized frame inside the canvas.
    public let resizedWidth: Int
    /// Height of the resized frame inside the canvas.
    public let resizedHeight: Int
    /// Left padding in target pixels.
    public let offsetX: Int
    /// Top padding in target pixels.
    public let offsetY: Int

    /// The transform that fits a `sourceWidth` x `sourceHeight` frame, aspect ratio kept,
    /// into a `targetWidth` x `targetHeight` canvas, centred.
    ///
    /// The scale is `min(targetWidth / sourceWidth, targetHeight / sourceHeight)`; the resized
    /// sides are rounded to whole pixels (at least 1), and the padding is split evenly with the
    /// odd pixel on the right or bottom.
    public init(sourceWidth: Int, sourceHeight: Int, targetWidth: Int, targetHeight: Int) {
        precondition(sourceWidth > 0 && sourceHeight > 0 && targetWidth > 0 && targetHeight > 0,
                     "letterbox sizes must be positive")
        let gain = min(Double(targetWidth) / Double(sourceWidth), Double(targetHeight) / Double(sourceHeight))
        let resizedWidth = min(targetWidth, max(1, Int((Double(sourceWidth) * gain).rounded())))
        let resizedHeight = min(targetHeight, max(1, Int((Double(sourceHeight) * gain).rounded())))
        self.sourceWidth = sourceWidth
        self.sourceHeight = sourceHeight
        self.targetWidth = targetWidth
        self.targetHeight = targetHeight
        self.resizedWidth = resizedWidth
        self.resizedHeight = resizedHeight
        self.scaleX = Float(resizedWidth) / Float(sourceWidth)
        self.scaleY = Float(resizedHeight) / Float(sourceHeight)
        self.offsetX = (targetWidth - resizedWidth) / 2
        self.offsetY = (targetHeight - resizedHeight) / 2
    }

    /// The transform that stretches a frame to fill the canvas (aspect ratio not kept, no
    /// padding), as models trained on stretched inputs expect.
    public init(sourceWidth: Int, sourceHeight: Int, stretchedToWidth targetWidth: Int, height targetHeight: Int) {
        precondition(sourceWidth > 0 && sourceHeight > 0 && targetWidth > 0 && targetHeight > 0,
                     "stretch sizes must be positive")
        self.sourceWidth = sourceWidth
        self.sourceHeight = sourceHeight
        self.targetWidth = targetWidth
        self.targetHeight = targetHeight
        resizedWidth = targetWidth
        resizedHeight = targetHeight
        scaleX = Float(targetWidth) / Float(sourceWidth)
        scaleY = Float(targetHeight) / Float(sourceHeight)
        offsetX = 0
        offsetY = 0
    }

    /// A frame point in canvas coordinates.
    public func toTarget(x: Float, y: Float) -> (x: Float, y: Float) {
        (x * scaleX + Float(offsetX), y * scaleY + Float(offsetY))
    }

    /// A canvas point in frame coordinates (points in the padding map outside the frame).
    public func toSource(x: Float, y: Float) -> (x: Float, y: Float) {
        ((x - Float(offsetX)) / scaleX, (y - Float(offsetY)) / scaleY)
    }

    /// A frame box in canvas coordinates.
    public func toTarget(_ box: Box) -> Box {
        let a = toTarget(x: box.x1, y: box.y1), b = toTarget(x: box.x2, y: box.y2)
        return Box(x1: a.x, y1: a.y, x2: b.x, y2: b.y)
    }

    /// A canvas box in frame coordinates, clipped to the frame when `clip` is true (the default).
    public func toSource(_ box: Box, clip: Bool = true) -> Box {
        let a = toSource(x: box.x1, y: box.y1), b = toSource(x: box.x2, y: box.y2)
        let mapped = Box(x1: a.x, y1: a.y, x2: b.x, y2: b.y)
        return clip ? mapped.clipped(width: Float(sourceWidth), height: Float(sourceHeight)) : mapped
    }
}

extension Image {
    /// The grey level YOLO-family models expect in letterbox padding.
    public static let letterboxPadValue: UInt8 = 114

    /// The image scaled to fit `width` x `height` with its aspect ratio kept, centred on a
    /// canvas filled with `padValue`, and the transform between the two.
    ///
    /// - Parameters:
    ///   - width: Canvas width (the model's input width).
    ///   - height: Canvas height.
    ///   - padValue: The value of every padding byte (default 114).
    /// - Returns: The canvas and the ``LetterboxTransform`` that maps frame coordinates to it
    ///   and back.
    public func letterboxed(toWidth width: Int, height: Int,
                            padValue: UInt8 = Image.letterboxPadValue) -> (image: Image, transform: LetterboxTransform) {
        let transform = LetterboxTransform(sourceWidth: self.width, sourceHeight: self.height,
                                           targetWidth: width, targetHeight: height)
        var canvas = Image(width: width, height: height, format: format, fill: padValue)
        resize(into: &canvas, x: transform.offsetX, y: transform.offsetY,
               width: transform.resizedWidth, height: transform.resizedHeight)
        return (canvas, transform)
    }

    /// Letterboxes to a square `size` x `size` canvas; see ``letterboxed(toWidth:height:padValue:)``.
    public func letterboxed(to size: Int, padValue: UInt8 = Image.letterboxPadValue)
        -> (image: Image, transform: LetterboxTransform) {
        letterboxed(toWidth: size, height: size, padValue: padValue)
    }
}
