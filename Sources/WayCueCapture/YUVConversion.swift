import WayCueImage

/// Planar YUV to RGB conversion for Y4M footage (BT.601, limited range: Y 16...235, chroma
/// 16...240, the same arithmetic as WayCueImage's YUYV and NV12 conversion).
enum YUVConversion {
    @inline(__always)
    static func store(_ out: UnsafeMutablePointer<UInt8>, _ y: Int32, _ u: Int32, _ v: Int32) {
        let c = 298 &* (y &- 16)
        let d = u &- 128
        let e = v &- 128
        out[0] = clamp((c &+ 409 &* e &+ 128) >> 8)
        out[1] = clamp((c &- 100 &* d &- 208 &* e &+ 128) >> 8)
        out[2] = clamp((c &+ 516 &* d &+ 128) >> 8)
    }

    @inline(__always)
    static func clamp(_ value: Int32) -> UInt8 { UInt8(truncatingIfNeeded: min(max(value, 0), 255)) }

    /// A luma plane and two chroma planes at `1 >> chromaShiftX` horizontal and
    /// `1 >> chromaShiftY` vertical resolution; `chromaStep` is the distance between samples.
    static func planar(
        y: UnsafePointer<UInt8>, yStride: Int,
        u: UnsafePointer<UInt8>, v: UnsafePointer<UInt8>, chromaStride: Int, chromaStep: Int,
        chromaShiftX: Int, chromaShiftY: Int, width: Int, height: Int
    ) -> Image {
        var image = Image(width: width, height: height, format: .rgb8)
        image.pixels.withUnsafeMutableBufferPointer { pixels in
            let dst = pixels.baseAddress!
            for row in 0..<height {
                let yLine = y + row * yStride
                let cRow = (row >> chromaShiftY) * chromaStride
                let uLine = u + cRow, vLine = v + cRow
                var out = dst + row * width * 3
                for x in 0..<width {
                    let c = (x >> chromaShiftX) * chromaStep
                    store(out, Int32(yLine[x]), Int32(uLine[c]), Int32(vLine[c]))
                    out += 3
                }
            }
        }
        return image
    }

    /// Three planes (Y, U, V) with the given chroma subsampling shifts, rows packed tightly
    /// (luma `bytesPerLine`, chroma `bytesPerLine >> shiftX` rounded up).
    static func threePlane(
        _ data: UnsafeRawBufferPointer, width: Int, height: Int, bytesPerLine: Int, shiftX: Int, shiftY: Int
    ) -> Image {
        let base = data.bindMemory(to: UInt8.self).baseAddress!
        let chromaStride = (bytesPerLine + (1 << shiftX) - 1) >> shiftX
        let chromaRows = (height + (1 << shiftY) - 1) >> shiftY
        let u = base + bytesPerLine * height
        let v = u + chromaStride * chromaRows
        return planar(
            y: base, yStride: bytesPerLine, u: u, v: v, chromaStride: chromaStride, chromaStep: 1,
            chromaShiftX: shiftX, chromaShiftY: shiftY, width: width, height: height)
    }

    /// Bytes a frame of this layout needs, or `nil` for compressed layouts.
    static func frameBytes(_ format: SourcePixelFormat, width: Int, height: Int, bytesPerLine: Int) -> Int? {
        let cw420 = (bytesPerLine + 1) / 2, ch420 = (height + 1) / 2
        switch format {
        case .yuyv: return bytesPerLine * (height - 1) + width * 2
        case .nv12: return bytesPerLine * height + bytesPerLine * (ch420 - 1) + 2 * ((width + 1) / 2)
        case .yuv420: return bytesPerLine * height + 2 * cw420 * ch420
        case .yuv422: return bytesPerLine * height + 2 * cw420 * height
        case .yuv444: return bytesPerLine * height * 3
        case .rgb24: return bytesPerLine * (height - 1) + width * 3
        case .grey: return bytesPerLine * (height - 1) + width
        case .mjpeg, .jpeg, .imageFile: return nil
        }
    }
}
