/// Camera pixel formats converted to ``Image``.
///
/// ## Colour conversion
/// Cameras deliver YCbCr with BT.601 coefficients in *limited* ("studio", "TV") range:
/// luma 16 to 235, chroma 16 to 240 centred on 128. WayCue converts with the usual
/// 8-bit fixed-point form of
///
///     R = 1.164 (Y - 16)                   + 1.596 (V - 128)
///     G = 1.164 (Y - 16) - 0.392 (U - 128) - 0.813 (V - 128)
///     B = 1.164 (Y - 16) + 2.017 (U - 128)
///
/// that is, with `C = Y - 16`, `D = U - 128`, `E = V - 128`:
///
///     R = clamp((298 C           + 409 E + 128) >> 8)
///     G = clamp((298 C -  100 D  - 208 E + 128) >> 8)
///     B = clamp((298 C +  516 D          + 128) >> 8)
///
/// clamped to 0...255. Grey output is the expanded luma `clamp((298 C + 128) >> 8)`.
/// Chroma is shared by each horizontal pair (YUYV) or 2x2 block (NV12) without interpolation.
extension Image {
    /// The largest side a camera frame may have; larger values are refused before any size
    /// arithmetic can overflow.
    static let maxFrameSide = 1 << 16

    /// Throws unless both sides are in `1...maxFrameSide` and the stride is in a sane range.
    static func checkFrame(_ kind: String, width: Int, height: Int, stride: Int?) throws(ImageError) {
        guard (1...maxFrameSide).contains(width), (1...maxFrameSide).contains(height) else {
            throw ImageError.invalidLayout("\(kind) sizes must be 1 to \(maxFrameSide), got \(width)x\(height)")
        }
        if let stride, !(0...(8 * maxFrameSide)).contains(stride) {
            throw ImageError.invalidLayout("\(kind) stride \(stride) is out of range")
        }
    }

    @inline(__always)
    static func clampByte(_ v: Int) -> UInt8 { UInt8(truncatingIfNeeded: v < 0 ? 0 : (v > 255 ? 255 : v)) }

    /// Writes the RGB (or grey) value of one luma sample with precomputed chroma terms at `dst`.
    @inline(__always)
    static func storeYCbCr(_ y: Int, _ dR: Int, _ dG: Int, _ dB: Int,
                           into dst: UnsafeMutablePointer<UInt8>, grey: Bool) {
        // Wrapping arithmetic: all terms are small (|v| < 2^18), and unchecked operations
        // keep the loop tight.
        let c = 298 &* (y &- 16) &+ 128
        if grey {
            dst.pointee = clampByte(c >> 8)
        } else {
            dst[0] = clampByte((c &+ dR) >> 8)
            dst[1] = clampByte((c &+ dG) >> 8)
            dst[2] = clampByte((c &+ dB) >> 8)
        }
    }

    /// Converts a packed YUYV 4:2:2 frame (bytes `Y0 U Y1 V` per pixel pair, as V4L2's
    /// `V4L2_PIX_FMT_YUYV`) to RGB or grey. See the type's notes for the formula.
    ///
    /// - Parameters:
    ///   - bytes: The frame.
    ///   - width: Width in pixels, even.
    ///   - height: Height in pixels.
    ///   - stride: Bytes per row (default `2 * width`).
    ///   - format: ``PixelFormat/rgb8`` (default) or ``PixelFormat/grey8``.
    /// - Throws: ``ImageError/invalidLayout(_:)`` when the sizes do not fit the buffer.
    public static func fromYUYV(_ bytes: UnsafeRawBufferPointer, width: Int, height: Int, stride: Int? = nil,
                                as format: PixelFormat = .rgb8) throws(ImageError) -> Image {
        try checkFrame("YUYV", width: width, height: height, stride: stride)
        let stride = stride ?? width * 2
        guard width > 0, height > 0, width % 2 == 0 else {
            throw ImageError.invalidLayout("YUYV needs a positive, even width and a positive height, got \(width)x\(height)")
        }
        guard stride >= width * 2, bytes.count >= stride * (height - 1) + width * 2 else {
            throw ImageError.invalidLayout("YUYV buffer of \(bytes.count) bytes with stride \(stride) is too small for \(width)x\(height)")
        }
        var out = Image(width: width, height: height, format: format)
        let grey = format == .grey8
        let bpp = format.bytesPerPixel
        let src = bytes.bindMemory(to: UInt8.self).baseAddress!
        out.pixels.withUnsafeMutableBufferPointer { buffer in
            let dst = buffer.baseAddress!
            for row in 0..<height {
                var s = src + row * stride
                var d = dst + row * width * bpp
                for _ in 0..<(width / 2) {
                    let y0 = Int(s[0]), u = Int(s[1]) &- 128, y1 = Int(s[2]), v = Int(s[3]) &- 128
                    let dR = 409 &* v, dG = -100 &* u &- 208 &* v, dB = 516 &* u
                    storeYCbCr(y0, dR, dG, dB, into: d, grey: grey)
                    storeYCbCr(y1, dR, dG, dB, into: d + bpp, grey: grey)
                    s += 4
                    d += 2 * bpp
                }
            }
        }
        return out
    }

    /// Converts a YUYV frame held in an array; see ``fromYUYV(_:width:height:stride:as:)-(UnsafeRawBufferPointer,_,_,_,_)``.
    public static func fromYUYV(_ bytes: [UInt8], width: Int, height: Int, stride: Int? = nil,
                                as format: PixelFormat = .rgb8) throws(ImageError) -> Image {
        let result = bytes.withUnsafeBytes { raw -> Result<Image, ImageError> in
            do throws(ImageError) {
                return .success(try fromYUYV(raw, width: width, height: height, stride: stride, as: format))
            } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Converts an NV12 frame (a full-resolution Y plane followed by a half-resolution plane of
    /// interleaved `U V` pairs, as V4L2's `V4L2_PIX_FMT_NV12`) to RGB or grey.
    ///
    /// - Parameters:
    ///   - luma: The Y plane, `height` rows of `lumaStride` bytes.
    ///   - chroma: The UV plane, `(height + 1) / 2` rows of `chromaStride` bytes, each
    ///     holding `(width + 1) / 2` `U V` pairs.
    ///   - width: Width in pixels.
    ///   - height: Height in pixels.
    ///   - lumaStride: Bytes per Y row (default `width`).
    ///   - chromaStride: Bytes per UV row (default `2 * ((width + 1) / 2)`).
    ///   - format: ``PixelFormat/rgb8`` (default) or ``PixelFormat/grey8``.
    /// - Throws: ``ImageError/invalidLayout(_:)`` when the sizes do not fit the planes.
    public static func fromNV12(luma: UnsafeRawBufferPointer, chroma: UnsafeRawBufferPointer, width: Int, height: Int,
                                lumaStride: Int? = nil, chromaStride: Int? = nil,
                                as format: PixelFormat = .rgb8) throws(ImageError) -> Image {
        try checkFrame("NV12", width: width, height: height, stride: lumaStride)
        try checkFrame("NV12", width: width, height: height, stride: chromaStride)
        let chromaWidth = (width + 1) / 2, chromaHeight = (height + 1) / 2
        let lumaStride = lumaStride ?? width
        let chromaStride = chromaStride ?? 2 * chromaWidth
        guard width > 0, height > 0 else {
            throw ImageError.invalidLayout("NV12 sizes must be positive, got \(width)x\(height)")
        }
        guard lumaStride >= width, luma.count >= lumaStride * (height - 1) + width else {
            throw ImageError.invalidLayout("NV12 Y plane of \(luma.count) bytes with stride \(lumaStride) is too small for \(width)x\(height)")
        }
        guard chromaStride >= 2 * chromaWidth,
              chroma.count >= chromaStride * (chromaHeight - 1) + 2 * chromaWidth else {
            throw ImageError.invalidLayout("NV12 UV plane of \(chroma.count) bytes with stride \(chromaStride) is too small for \(width)x\(height)")
        }
        var out = Image(width: width, height: height, format: format)
        let grey = format == .grey8
        let bpp = format.bytesPerPixel
        let ySrc = luma.bindMemory(to: UInt8.self).baseAddress!
        let uvSrc = chroma.bindMemory(to: UInt8.self).baseAddress!
        out.pixels.withUnsafeMutableBufferPointer { buffer in
            let dst = buffer.baseAddress!
            for row in 0..<height {
                let yRow = ySrc + row * lumaStride
                let uvRow = uvSrc + (row / 2) * chromaStride
                var d = dst + row * width * bpp
                var x = 0
                while x < width {
                    let u = Int(uvRow[x]) &- 128, v = Int(uvRow[x + 1]) &- 128  // pair x/2 at byte x
                    let dR = 409 &* v, dG = -100 &* u &- 208 &* v, dB = 516 &* u
                    storeYCbCr(Int(yRow[x]), dR, dG, dB, into: d, grey: grey)
                    if x + 1 < width {
                        storeYCbCr(Int(yRow[x + 1]), dR, dG, dB, into: d + bpp, grey: grey)
                    }
                    x += 2
                    d += 2 * bpp
                }
            }
        }
        return out
    }

    /// Converts a contiguous NV12 frame (Y plane of `width * height` bytes immediately followed
    /// by the UV plane); see ``fromNV12(luma:chroma:width:height:lumaStride:chromaStride:as:)``.
    public static func fromNV12(_ bytes: [UInt8], width: Int, height: Int,
                                as format: PixelFormat = .rgb8) throws(ImageError) -> Image {
        try checkFrame("NV12", width: width, height: height, stride: nil)
        let lumaBytes = width * height
        let chromaBytes = 2 * ((width + 1) / 2) * ((height + 1) / 2)
        guard bytes.count >= lumaBytes + chromaBytes else {
            throw ImageError.invalidLayout("NV12 frame of \(bytes.count) bytes is too small for \(width)x\(height) (needs \(lumaBytes + chromaBytes))")
        }
        let result = bytes.withUnsafeBytes { raw -> Result<Image, ImageError> in
            do throws(ImageError) {
                return .success(try fromNV12(
                    luma: UnsafeRawBufferPointer(rebasing: raw[0..<lumaBytes]),
                    chroma: UnsafeRawBufferPointer(rebasing: raw[lumaBytes..<(lumaBytes + chromaBytes)]),
                    width: width, height: height, as: format))
            } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Wraps an 8-bit grey frame (full range, as `V4L2_PIX_FMT_GREY`), optionally as RGB.
    ///
    /// - Throws: ``ImageError/invalidLayout(_:)`` when the sizes do not fit the buffer.
    public static func fromGrey(_ bytes: [UInt8], width: Int, height: Int, stride: Int? = nil,
                                as format: PixelFormat = .rgb8) throws(ImageError) -> Image {
        try checkFrame("grey", width: width, height: height, stride: stride)
        let grey: Image
        do {
            grey = try Image(width: width, height: height, format: .grey8, stride: stride, pixels: bytes)
        } catch let error as ImageError {
            throw error
        } catch {
            throw ImageError.invalidLayout("\(error)")
        }
        return format == .grey8 ? grey.packed() : grey.converted(to: format)
    }
}
