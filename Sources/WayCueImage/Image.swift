/// The layout of one pixel in an ``Image``.
public enum PixelFormat: String, Sendable, Codable, CaseIterable {
    /// Three bytes per pixel: red, green, blue.
    case rgb8
    /// One byte per pixel: luma.
    case grey8

    /// Bytes one pixel occupies.
    public var bytesPerPixel: Int {
        switch self {
        case .rgb8: return 3
        case .grey8: return 1
        }
    }
}

/// An 8-bit raster image: RGB or grey, with an explicit row stride.
///
/// Pixels are stored row by row from the top-left corner. A row occupies `stride` bytes, of
/// which the first `width * format.bytesPerPixel` are pixels; the rest is padding. `Image` is
/// a value type with copy-on-write storage, so passing it around is cheap.
public struct Image: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Pixel layout.
    public let format: PixelFormat
    /// Bytes from the start of one row to the start of the next.
    public let stride: Int
    /// The pixel bytes, `height * stride` of them.
    public var pixels: [UInt8]

    /// Creates an image filled with one byte value (0 gives black).
    ///
    /// - Parameters:
    ///   - width: Width in pixels, at least 1.
    ///   - height: Height in pixels, at least 1.
    ///   - format: Pixel layout.
    ///   - fill: The value of every byte.
    public init(width: Int, height: Int, format: PixelFormat = .rgb8, fill: UInt8 = 0) {
        precondition(width > 0 && height > 0, "image sizes must be positive")
        self.width = width
        self.height = height
        self.format = format
        self.stride = width * format.bytesPerPixel
        self.pixels = [UInt8](repeating: fill, count: width * height * format.bytesPerPixel)
    }

    /// Wraps existing pixel bytes.
    ///
    /// - Throws: ``ImageError/invalidLayout(_:)`` when the sizes do not fit the buffer.
    public init(width: Int, height: Int, format: PixelFormat, stride: Int? = nil, pixels: [UInt8]) throws {
        let rowBytes = width * format.bytesPerPixel
        let stride = stride ?? rowBytes
        guard width > 0, height > 0 else {
            throw ImageError.invalidLayout("width and height must be positive, got \(width)x\(height)")
        }
        guard stride >= rowBytes else {
            throw ImageError.invalidLayout("stride \(stride) is shorter than a row of \(rowBytes) bytes")
        }
        guard pixels.count >= stride * (height - 1) + rowBytes else {
            throw ImageError.invalidLayout(
                "buffer of \(pixels.count) bytes is too small for \(width)x\(height) with stride \(stride)")
        }
        self.width = width
        self.height = height
        self.format = format
        self.stride = stride
        self.pixels = pixels
    }

    /// The byte offset of pixel (`x`, `y`).
    @inlinable
    public func offset(x: Int, y: Int) -> Int { y * stride + x * format.bytesPerPixel }
}

/// Errors raised by image construction, decoding and encoding.
///
/// Decoding errors name the source (a file path or a caller-supplied label) and the reason.
public enum ImageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Sizes and buffer do not agree.
    case invalidLayout(String)
    /// The data is not in any format WayCue reads.
    case unknownFormat(source: String)
    /// The data is empty.
    case empty(source: String)
    /// The data is damaged or truncated; `reason` is the codec's explanation.
    case corrupt(source: String, reason: String)
    /// The header claims more pixels than allowed (a decompression bomb, or a configuration
    /// whose limit is too low).
    case tooLarge(source: String, width: Int, height: Int, limit: Int)
    /// The file could not be read or written.
    case io(path: String, reason: String)
    /// Encoding failed.
    case encodeFailed(reason: String)

    public var description: String {
        switch self {
        case .invalidLayout(let why): return "invalid image layout: \(why)"
        case .unknownFormat(let source): return "\(source): not a JPEG or PNG image"
        case .empty(let source): return "\(source): empty file"
        case .corrupt(let source, let reason): return "\(source): corrupt image: \(reason)"
        case .tooLarge(let source, let w, let h, let limit):
            return "\(source): \(w)x\(h) exceeds the limit of \(limit) pixels"
        case .io(let path, let reason): return "\(path): \(reason)"
        case .encodeFailed(let reason): return "image encoding failed: \(reason)"
        }
    }
}
