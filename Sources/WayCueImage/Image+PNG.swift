import CPNG

extension Image {
    /// A `png_image` at a stable heap address. libpng keeps a pointer to the control structure
    /// (its error handler writes the message there), so it must not move between calls, which
    /// a Swift local passed with `&` does not guarantee.
    final class PNGControl {
        let image: UnsafeMutablePointer<png_image>

        init() {
            image = .allocate(capacity: 1)
            image.initialize(to: png_image())
            image.pointee.version = UInt32(PNG_IMAGE_VERSION)
        }

        deinit {
            png_image_free(image)  // a no-op when libpng has already released it
            image.deinitialize(count: 1)
            image.deallocate()
        }

        var message: String {
            withUnsafeBytes(of: image.pointee.message) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
    }

    /// Starts a simplified-API read.
    static func beginPNG(_ data: [UInt8], source: String) throws(ImageError) -> PNGControl {
        let control = PNGControl()
        let ok = data.withUnsafeBytes { raw in
            png_image_begin_read_from_memory(control.image, raw.baseAddress, raw.count)
        }
        guard ok != 0 else {
            let reason = control.message
            throw ImageError.corrupt(source: source, reason: reason.isEmpty ? "unreadable PNG header" : reason)
        }
        return control
    }

    static func pngHeader(_ data: [UInt8], source: String) throws(ImageError) -> ImageHeader {
        let control = try beginPNG(data, source: source)
        let color = control.image.pointee.format & UInt32(PNG_FORMAT_FLAG_COLOR) != 0
        return ImageHeader(fileFormat: .png, width: Int(control.image.pointee.width),
                           height: Int(control.image.pointee.height), naturalFormat: color ? .rgb8 : .grey8)
    }

    static func decodePNG(_ data: [UInt8], source: String, as format: PixelFormat?,
                          limits: ImageDecodingLimits) throws(ImageError) -> Image {
        // The data must stay alive while libpng reads from it: all reads happen in this scope.
        let result = data.withUnsafeBytes { raw -> Result<Image, ImageError> in
            do throws(ImageError) {
                return .success(try decodePNG(raw, source: source, as: format, limits: limits))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private static func decodePNG(_ raw: UnsafeRawBufferPointer, source: String, as format: PixelFormat?,
                                  limits: ImageDecodingLimits) throws(ImageError) -> Image {
        let control = PNGControl()
        guard png_image_begin_read_from_memory(control.image, raw.baseAddress, raw.count) != 0 else {
            let reason = control.message
            throw ImageError.corrupt(source: source, reason: reason.isEmpty ? "unreadable PNG header" : reason)
        }
        let image = control.image
        let width = Int(image.pointee.width), height = Int(image.pointee.height)
        try limits.check(width: width, height: height, source: source)
        let color = image.pointee.format & UInt32(PNG_FORMAT_FLAG_COLOR) != 0
        let alpha = image.pointee.format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0
        // Read 8-bit samples in the file's own colour kind, alpha included, then drop alpha here.
        image.pointee.format = (color ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY))
            | (alpha ? UInt32(PNG_FORMAT_FLAG_ALPHA) : 0)
        // 16-bit files without gamma information are taken as sRGB-encoded (libpng's default
        // is linear, which would brighten them), so 16 to 8 bits is a plain rescale.
        image.pointee.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)
        let channels = (color ? 3 : 1) + (alpha ? 1 : 0)
        let rowSamples = width * channels
        var buffer = [UInt8](repeating: 0, count: rowSamples * height)
        let ok = buffer.withUnsafeMutableBytes { out in
            png_image_finish_read(image, nil, out.baseAddress, Int32(rowSamples), nil)
        }
        guard ok != 0 else {
            let message = control.message
            throw ImageError.corrupt(source: source, reason: message.isEmpty ? "libpng failed" : message)
        }
        let natural: PixelFormat = color ? .rgb8 : .grey8
        let decoded: Image
        if alpha {
            let kept = natural.bytesPerPixel
            var pixels = [UInt8](repeating: 0, count: width * height * kept)
            buffer.withUnsafeBufferPointer { src in
                pixels.withUnsafeMutableBufferPointer { dst in
                    var s = 0, d = 0
                    for _ in 0..<(width * height) {
                        for c in 0..<kept { dst[d + c] = src[s + c] }
                        s += kept + 1
                        d += kept
                    }
                }
            }
            decoded = Image(uncheckedWidth: width, height: height, format: natural, pixels: pixels)
        } else {
            decoded = Image(uncheckedWidth: width, height: height, format: natural, pixels: buffer)
        }
        return decoded.converted(to: format ?? natural)
    }

    /// Encodes the image as an 8-bit PNG (RGB or grey, no alpha), losslessly.
    ///
    /// - Throws: ``ImageError/encodeFailed(reason:)`` when libpng fails.
    public func pngData() throws(ImageError) -> [UInt8] {
        // libpng counts the stride in samples, which for 8-bit data are bytes.
        let rowSamples = Int32(stride)
        let raw = height * (width * format.bytesPerPixel + 1)
        var capacity = raw + raw / 16 + 4096
        for _ in 0..<2 {
            let control = PNGControl()
            control.image.pointee.width = UInt32(width)
            control.image.pointee.height = UInt32(height)
            control.image.pointee.format = format == .rgb8 ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
            var out = [UInt8](repeating: 0, count: capacity)
            var size = capacity
            let ok = pixels.withUnsafeBytes { px in
                out.withUnsafeMutableBytes { dst in
                    png_image_write_to_memory(control.image, dst.baseAddress, &size, 0, px.baseAddress, rowSamples, nil)
                }
            }
            if ok != 0 {
                out.removeSubrange(size...)
                return out
            }
            guard size > capacity else {
                let message = control.message
                throw ImageError.encodeFailed(reason: message.isEmpty ? "libpng failed" : message)
            }
            capacity = size  // libpng reports the size it needs when the buffer was too small
        }
        throw ImageError.encodeFailed(reason: "PNG output did not fit in \(capacity) bytes")
    }
}
