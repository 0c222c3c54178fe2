extension Image {
    /// The part of the image inside the rectangle at (`x`, `y`) of `width` x `height` pixels,
    /// clipped to the image.
    ///
    /// - Throws: ``ImageError/invalidLayout(_:)`` when the rectangle and the image do not
    ///   overlap (or the size is not positive).
    public func cropped(x: Int, y: Int, width cropWidth: Int, height cropHeight: Int) throws(ImageError) -> Image {
        let x0 = max(0, x), y0 = max(0, y)
        let x1 = min(width, x.addingReportingOverflow(cropWidth).overflow ? width : x + cropWidth)
        let y1 = min(height, y.addingReportingOverflow(cropHeight).overflow ? height : y + cropHeight)
        guard cropWidth > 0, cropHeight > 0, x1 > x0, y1 > y0 else {
            throw ImageError.invalidLayout(
                "crop \(cropWidth)x\(cropHeight) at (\(x), \(y)) lies outside the \(width)x\(height) image")
        }
        let bpp = format.bytesPerPixel
        let rowBytes = (x1 - x0) * bpp
        var out = [UInt8](repeating: 0, count: rowBytes * (y1 - y0))
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for row in y0..<y1 {
                    (dst.baseAddress! + (row - y0) * rowBytes)
                        .update(from: src.baseAddress! + row * stride + x0 * bpp, count: rowBytes)
                }
            }
        }
        return Image(uncheckedWidth: x1 - x0, height: y1 - y0, format: format, pixels: out)
    }

    /// The part of the image inside `box`, its edges rounded outwards to whole pixels and
    /// clipped to the image.
    ///
    /// - Throws: ``ImageError/invalidLayout(_:)`` when the box misses the image.
    public func cropped(to box: Box) throws(ImageError) -> Image {
        guard box.x1.isFinite, box.y1.isFinite, box.x2.isFinite, box.y2.isFinite else {
            throw ImageError.invalidLayout("crop box \(box) is not finite")
        }
        let clip = box.clipped(width: Float(width), height: Float(height))
        let x0 = Int(clip.x1.rounded(.down)), y0 = Int(clip.y1.rounded(.down))
        let x1 = Int(clip.x2.rounded(.up)), y1 = Int(clip.y2.rounded(.up))
        return try cropped(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }
}
