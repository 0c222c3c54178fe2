extension Image {
    /// The image in another pixel format.
    ///
    /// RGB to grey uses BT.601 luma in integer form, `Y = (77 R + 150 G + 29 B + 128) >> 8`;
    /// grey to RGB copies the value to all three channels. Converting to the same format
    /// returns the image unchanged.
    public func converted(to target: PixelFormat) -> Image {
        if target == format { return self }
        var out = Image(width: width, height: height, format: target)
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    var s = y * stride
                    var d = y * out.stride
                    if target == .grey8 {
                        for _ in 0..<width {
                            let r = UInt32(src[s]), g = UInt32(src[s + 1]), b = UInt32(src[s + 2])
                            dst[d] = UInt8(truncatingIfNeeded: (77 * r + 150 * g + 29 * b + 128) >> 8)
                            s += 3
                            d += 1
                        }
                    } else {
                        for _ in 0..<width {
                            let v = src[s]
                            dst[d] = v
                            dst[d + 1] = v
                            dst[d + 2] = v
                            s += 1
                            d += 3
                        }
                    }
                }
            }
        }
        return out
    }

    /// The same pixels with rows packed tightly (`stride == width * bytesPerPixel`).
    public func packed() -> Image {
        let rowBytes = width * format.bytesPerPixel
        if stride == rowBytes { return self }
        var out = [UInt8](repeating: 0, count: rowBytes * height)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let s = src.baseAddress! + y * stride
                    (dst.baseAddress! + y * rowBytes).update(from: s, count: rowBytes)
                }
            }
        }
        return Image(uncheckedWidth: width, height: height, format: format, pixels: out)
    }
}
