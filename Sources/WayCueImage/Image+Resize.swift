extension Image {
    /// Fixed-point precision of the interpolation weights (11 bits: 0...2048).
    static let resizeShift = 11
    static let resizeOne = 1 << resizeShift

    /// Source positions and weights for one axis of a bilinear resize, computed once per call
    /// so the pixel loops do no division.
    struct ResizeAxis {
        /// First source index of each output position.
        var lower: [Int]
        /// Second source index (equal to `lower` at the edges).
        var upper: [Int]
        /// Weight of `upper`, 0...`resizeOne`; `lower` gets the rest.
        var weight: [Int]

        /// Half-pixel-centre mapping (as OpenCV's `INTER_LINEAR` and PyTorch's
        /// `align_corners=False`): output position `o` samples source `(o + 0.5) * in / out - 0.5`,
        /// clamped to the edge pixels.
        init(source: Int, destination: Int) {
            lower = [Int](repeating: 0, count: destination)
            upper = [Int](repeating: 0, count: destination)
            weight = [Int](repeating: 0, count: destination)
            let scale = Double(source) / Double(destination)
            for o in 0..<destination {
                var s = (Double(o) + 0.5) * scale - 0.5
                if s < 0 { s = 0 }
                var i = Int(s)
                if i >= source - 1 { i = source - 1; s = Double(i) }
                lower[o] = i
                upper[o] = min(i + 1, source - 1)
                weight[o] = Int(((s - Double(i)) * Double(Image.resizeOne)).rounded())
            }
        }
    }

    /// The image scaled to `newWidth` x `newHeight` by bilinear interpolation (half-pixel
    /// centres).
    ///
    /// Weights are precomputed per row and column in 11-bit fixed point, each source row is
    /// interpolated horizontally once, and no division happens per pixel. Bilinear sampling
    /// alone would skip detail (and alias) when shrinking by more than 2x, so while both sides
    /// are even and at least twice the target, the image is first halved by averaging 2x2
    /// blocks (an exact 2x step, so the geometry is unchanged); e.g. 1280x720 to 320x180
    /// averages 4x4 blocks.
    public func resized(width newWidth: Int, height newHeight: Int) -> Image {
        precondition(newWidth > 0 && newHeight > 0, "resize sizes must be positive")
        var out = Image(width: newWidth, height: newHeight, format: format)
        resize(into: &out, x: 0, y: 0, width: newWidth, height: newHeight)
        return out
    }

    /// Resizes this image into the `width` x `height` rectangle at (`x`, `y`) of `target`,
    /// which must have the same format and contain the rectangle.
    func resize(into target: inout Image, x: Int, y: Int, width newWidth: Int, height newHeight: Int) {
        precondition(target.format == format)
        precondition(x >= 0 && y >= 0 && x + newWidth <= target.width && y + newHeight <= target.height)
        if width % 2 == 0, height % 2 == 0, width / 2 >= newWidth, height / 2 >= newHeight {
            halved().resize(into: &target, x: x, y: y, width: newWidth, height: newHeight)
            return
        }
        bilinear(into: &target, x: x, y: y, width: newWidth, height: newHeight)
    }

    /// The image at half the size (both sides even), each pixel the rounded mean of a 2x2 block.
    func halved() -> Image {
        let bpp = format.bytesPerPixel
        let halfWidth = width / 2, halfHeight = height / 2
        let rowSamples = halfWidth * bpp
        var out = [UInt8](repeating: 0, count: rowSamples * halfHeight)
        pixels.withUnsafeBufferPointer { srcBuffer in
            out.withUnsafeMutableBufferPointer { dstBuffer in
                let src = srcBuffer.baseAddress!, dst = dstBuffer.baseAddress!
                for y in 0..<halfHeight {
                    let top = src + 2 * y * stride, bottom = top + stride
                    let d = dst + y * rowSamples
                    for p in 0..<halfWidth {
                        let s = 2 &* bpp &* p, o = bpp &* p
                        for c in 0..<bpp {
                            let a = UInt16(top[s &+ c]) &+ UInt16(top[s &+ bpp &+ c])
                            let b = UInt16(bottom[s &+ c]) &+ UInt16(bottom[s &+ bpp &+ c])
                            d[o &+ c] = UInt8(truncatingIfNeeded: (a &+ b &+ 2) >> 2)
                        }
                    }
                }
            }
        }
        return Image(uncheckedWidth: halfWidth, height: halfHeight, format: format, pixels: out)
    }

    /// Bilinear resampling into a rectangle of `target` (no pre-filtering).
    func bilinear(into target: inout Image, x: Int, y: Int, width newWidth: Int, height newHeight: Int) {
        let bpp = format.bytesPerPixel
        let columns = ResizeAxis(source: width, destination: newWidth)
        let rows = ResizeAxis(source: height, destination: newHeight)
        // Horizontal taps as byte offsets, so the inner loop only adds.
        let left = columns.lower.map { $0 * bpp }
        let right = columns.upper.map { $0 * bpp }
        let rowSamples = newWidth * bpp
        // Two horizontally resized source rows, cached by source row index.
        var cacheA = [Int32](repeating: 0, count: rowSamples)
        var cacheB = [Int32](repeating: 0, count: rowSamples)
        var cachedA = -1, cachedB = -1
        let one = Image.resizeOne
        let targetStride = target.stride
        pixels.withUnsafeBufferPointer { srcBuffer in
            target.pixels.withUnsafeMutableBufferPointer { dstBuffer in
            cacheA.withUnsafeMutableBufferPointer { aBuffer in
            cacheB.withUnsafeMutableBufferPointer { bBuffer in
            columns.weight.withUnsafeBufferPointer { wx in
            left.withUnsafeBufferPointer { lx in
            right.withUnsafeBufferPointer { rx in
                let src = srcBuffer.baseAddress!
                var a = aBuffer.baseAddress!, b = bBuffer.baseAddress!

                func horizontal(_ sourceRow: Int, into row: UnsafeMutablePointer<Int32>) {
                    let s = src + sourceRow * stride
                    var o = 0
                    if bpp == 3 {
                        for i in 0..<newWidth {
                            // Wrapping arithmetic: the values cannot overflow (255 * 2^11), and
                            // unchecked operations let the compiler vectorise.
                            let l = lx[i], r = rx[i], w = Int32(truncatingIfNeeded: wx[i]), lw = Int32(one) &- w
                            row[o] = Int32(s[l]) &* lw &+ Int32(s[r]) &* w
                            row[o + 1] = Int32(s[l + 1]) &* lw &+ Int32(s[r + 1]) &* w
                            row[o + 2] = Int32(s[l + 2]) &* lw &+ Int32(s[r + 2]) &* w
                            o += 3
                        }
                    } else {
                        for i in 0..<newWidth {
                            let w = Int32(truncatingIfNeeded: wx[i])
                            row[i] = Int32(s[lx[i]]) &* (Int32(one) &- w) &+ Int32(s[rx[i]]) &* w
                        }
                    }
                }

                // Weights sum to 2^11 on each axis, so a sum is at most 255 * 2^22 < 2^31.
                let roundBias = Int32(1) << Int32(2 * Image.resizeShift - 1)
                let shift = Int32(2 * Image.resizeShift)
                for oy in 0..<newHeight {
                    let top = rows.lower[oy], bottom = rows.upper[oy]
                    // Reuse cached rows; swap when the window slides by one.
                    if cachedA != top {
                        if cachedB == top {
                            swap(&a, &b)
                            swap(&cachedA, &cachedB)
                        } else {
                            horizontal(top, into: a)
                            cachedA = top
                        }
                    }
                    if cachedB != bottom {
                        horizontal(bottom, into: b)
                        cachedB = bottom
                    }
                    let w = Int32(rows.weight[oy]), tw = Int32(one) - w
                    let d = dstBuffer.baseAddress! + (y + oy) * targetStride + x * bpp
                    for i in 0..<rowSamples {
                        let v = (a[i] &* tw &+ b[i] &* w &+ roundBias) >> shift
                        d[i] = UInt8(truncatingIfNeeded: v)
                    }
                }
            }
            }
            }
            }
            }
            }
        }
    }
}
