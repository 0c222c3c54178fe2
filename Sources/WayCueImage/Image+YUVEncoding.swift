extension Image {
    /// The Y, U and V of one RGB pixel in BT.601 limited range (the inverse of the decoding
    /// formula in ``fromYUYV(_:width:height:stride:as:)-(UnsafeRawBufferPointer,_,_,_,_)``):
    ///
    ///     Y = (( 66 R + 129 G +  25 B + 128) >> 8) + 16
    ///     U = ((-38 R -  74 G + 112 B + 128) >> 8) + 128
    ///     V = ((112 R -  94 G -  18 B + 128) >> 8) + 128
    @inline(__always)
    static func ycbcr(_ r: Int, _ g: Int, _ b: Int) -> (y: Int, u: Int, v: Int) {
        (((66 * r + 129 * g + 25 * b + 128) >> 8) + 16,
         ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128,
         ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128)
    }

    /// The image as a packed YUYV 4:2:2 frame in BT.601 limited range, as a camera would
    /// deliver it: for simulated cameras, tests and benchmarks. Each horizontal pair's chroma
    /// is the average of the pair; an odd last column is paired with itself.
    public func yuyvData() -> [UInt8] {
        let rgb = converted(to: .rgb8)
        let pairs = (width + 1) / 2
        var out = [UInt8](repeating: 0, count: pairs * 4 * height)
        for y in 0..<height {
            for p in 0..<pairs {
                let x0 = 2 * p, x1 = min(2 * p + 1, width - 1)
                let o0 = rgb.offset(x: x0, y: y), o1 = rgb.offset(x: x1, y: y)
                let a = Image.ycbcr(Int(rgb.pixels[o0]), Int(rgb.pixels[o0 + 1]), Int(rgb.pixels[o0 + 2]))
                let b = Image.ycbcr(Int(rgb.pixels[o1]), Int(rgb.pixels[o1 + 1]), Int(rgb.pixels[o1 + 2]))
                let d = (y * pairs + p) * 4
                out[d] = UInt8(a.y)
                out[d + 1] = UInt8((a.u + b.u + 1) / 2)
                out[d + 2] = UInt8(b.y)
                out[d + 3] = UInt8((a.v + b.v + 1) / 2)
            }
        }
        return out
    }

    /// The image as a contiguous NV12 frame (Y plane, then interleaved U V at half
    /// resolution) in BT.601 limited range; chroma is the average of each 2x2 block.
    public func nv12Data() -> [UInt8] {
        let rgb = converted(to: .rgb8)
        let cw = (width + 1) / 2, ch = (height + 1) / 2
        var out = [UInt8](repeating: 0, count: width * height + 2 * cw * ch)
        var uSum = [Int](repeating: 0, count: cw * ch), vSum = uSum, count = uSum
        for y in 0..<height {
            for x in 0..<width {
                let o = rgb.offset(x: x, y: y)
                let c = Image.ycbcr(Int(rgb.pixels[o]), Int(rgb.pixels[o + 1]), Int(rgb.pixels[o + 2]))
                out[y * width + x] = UInt8(c.y)
                let k = (y / 2) * cw + x / 2
                uSum[k] += c.u
                vSum[k] += c.v
                count[k] += 1
            }
        }
        for k in 0..<(cw * ch) {
            out[width * height + 2 * k] = UInt8((uSum[k] + count[k] / 2) / count[k])
            out[width * height + 2 * k + 1] = UInt8((vSum[k] + count[k] / 2) / count[k])
        }
        return out
    }
}
