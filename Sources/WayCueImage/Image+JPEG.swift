import CWayCueJPEG

extension Image {
    /// The largest side libjpeg encodes.
    static let maxJPEGDimension = 65_500

    static func jpegHeader(_ data: [UInt8], source: String) throws(ImageError) -> ImageHeader {
        var info = wcjpeg_info()
        var message = [CChar](repeating: 0, count: 200)
        let status = data.withUnsafeBufferPointer { bytes in
            wcjpeg_read_header(bytes.baseAddress, bytes.count, &info, &message, message.count)
        }
        guard status == Int32(WCJPEG_OK) else {
            throw ImageError.corrupt(source: source, reason: jpegReason(message, fallback: "unreadable JPEG header"))
        }
        return ImageHeader(fileFormat: .jpeg, width: Int(info.width), height: Int(info.height),
                           naturalFormat: info.components == 1 ? .grey8 : .rgb8)
    }

    static func decodeJPEG(_ data: [UInt8], source: String, as format: PixelFormat?,
                           limits: ImageDecodingLimits, reduction: Int = 1) throws(ImageError) -> Image {
        let header = try jpegHeader(data, source: source)
        try limits.check(width: header.width, height: header.height, source: source)
        let format = format ?? header.naturalFormat
        let outWidth = (header.width + reduction - 1) / reduction
        let outHeight = (header.height + reduction - 1) / reduction
        let stride = outWidth * format.bytesPerPixel
        var pixels = [UInt8](repeating: 0, count: stride * outHeight)
        var message = [CChar](repeating: 0, count: 200)
        var warnings: Int32 = 0
        let status = data.withUnsafeBufferPointer { bytes in
            pixels.withUnsafeMutableBufferPointer { out in
                wcjpeg_decode(bytes.baseAddress, bytes.count, Int32(format.bytesPerPixel), Int32(reduction),
                              out.baseAddress,
                              stride, Int32(header.width), Int32(header.height),
                              UInt64(max(0, limits.maxPixels)), &warnings, &message, message.count)
            }
        }
        switch status {
        case Int32(WCJPEG_OK):
            if warnings > 0 && !limits.acceptsCorruptJPEGData {
                throw ImageError.corrupt(
                    source: source,
                    reason: "damaged or truncated data (\(jpegReason(message, fallback: "libjpeg warning")))")
            }
        case Int32(WCJPEG_TOO_LARGE):
            throw ImageError.tooLarge(source: source, width: header.width, height: header.height,
                                      limit: limits.maxPixels)
        case Int32(WCJPEG_NO_MEMORY):
            throw ImageError.corrupt(source: source, reason: "out of memory while decoding")
        default:
            throw ImageError.corrupt(source: source, reason: jpegReason(message, fallback: "libjpeg failed"))
        }
        // The layout is correct by construction.
        return Image(uncheckedWidth: outWidth, height: outHeight, format: format, pixels: pixels)
    }

    /// Encodes the image as a JPEG with 4:2:0 chroma subsampling (grey images as a
    /// one-component JPEG), baseline unless `progressive`.
    ///
    /// - Parameters:
    ///   - quality: libjpeg quality, 1 to 100 (clamped); 90 keeps a smooth image within
    ///     a few levels per channel.
    ///   - progressive: Whether to write a progressive JPEG (smaller, slower to decode).
    /// - Throws: ``ImageError/encodeFailed(reason:)`` for images wider or taller than 65,500
    ///   pixels (JPEG's limit) or when libjpeg fails.
    public func jpegData(quality: Int = 90, progressive: Bool = false) throws(ImageError) -> [UInt8] {
        guard width <= Image.maxJPEGDimension, height <= Image.maxJPEGDimension else {
            throw ImageError.encodeFailed(reason: "JPEG sides are limited to 65500 pixels, image is \(width)x\(height)")
        }
        var out: UnsafeMutablePointer<UInt8>?
        var length = 0
        var message = [CChar](repeating: 0, count: 200)
        let q = Int32(min(max(quality, 1), 100))
        let status = pixels.withUnsafeBufferPointer { bytes in
            wcjpeg_encode(bytes.baseAddress, Int32(width), Int32(height), stride,
                          Int32(format.bytesPerPixel), q, progressive ? 1 : 0, &out, &length, &message, message.count)
        }
        guard status == Int32(WCJPEG_OK), let out else {
            throw ImageError.encodeFailed(reason: Image.jpegReason(message, fallback: "libjpeg failed"))
        }
        defer { wcjpeg_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: length))
    }

    static func jpegReason(_ message: [CChar], fallback: String) -> String {
        let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return text.isEmpty ? fallback : text
    }
}

extension Image {
    /// Wraps a buffer whose layout the caller guarantees (tightly packed rows).
    init(uncheckedWidth width: Int, height: Int, format: PixelFormat, pixels: [UInt8]) {
        // `init(width:height:format:stride:pixels:)` validates; a failure here is a bug.
        // swiftlint:disable:next force_try
        self = try! Image(width: width, height: height, format: format, pixels: pixels)
    }
}
