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
    /// centres; no anti-aliasing, so strong downscales skip detail).
    ///
    /// Weights are precomputed per row and column in 11-bit fixed point, each source row is
    /// interpolated horizontally once, and no division happens per pixel.
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
