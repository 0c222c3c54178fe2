import Foundation

extension Image {
    /// Decodes a JPEG or PNG image, telling the format from its signature.
    ///
    /// The header is read first and its size checked against `limits` before any pixel
    /// memory is allocated. PNG files with alpha, 16-bit samples or a palette come back as
    /// 8-bit RGB or grey: 16-bit samples are scaled to 8 bits, palettes expanded, and the alpha
    /// channel is dropped (the colour values are kept as stored, as PIL's `convert("RGB")`
    /// does). libpng's simplified reader converts a PNG whose `gAMA`/`cHRM`/`iCCP` chunks say it
    /// is not sRGB to sRGB; 16-bit files without such chunks are taken as sRGB-encoded. See ``ImageDecodingLimits`` for how damaged JPEGs are handled. A PNG is refused
    /// when any of its image data is missing or fails its checks (chunk CRCs, zlib checksum);
    /// one cut only inside its final `IEND` chunk still has every pixel and decodes, because
    /// libpng stops reading after the image data.
    ///
    /// - Parameters:
    ///   - data: The encoded bytes.
    ///   - source: A label for error messages, usually the file path.
    ///   - format: The pixel format wanted, or `nil` for the file's own (grey files give
    ///     ``PixelFormat/grey8``, everything else ``PixelFormat/rgb8``).
    ///   - limits: The pixel budget (applied to the file's full size) and the damaged-JPEG policy.
    ///   - reduction: 1 (the default), 2, 4 or 8: return an image of
    ///     `ceil(width / reduction)` x `ceil(height / reduction)` pixels. JPEGs are decoded at
    ///     that size directly in the DCT domain, which skips most of the inverse transform,
    ///     colour conversion and upsampling but not the entropy decoding (about 15% faster at
    ///     reduction 2 for a detailed 640x480 photo); see
    ///     ``ImageHeader/reduction(forLetterboxToWidth:height:)``. PNGs are decoded in full and
    ///     resized bilinearly.
    /// - Throws: ``ImageError/empty(source:)``, ``ImageError/unknownFormat(source:)``,
    ///   ``ImageError/tooLarge(source:width:height:limit:)`` or
    ///   ``ImageError/corrupt(source:reason:)``; ``ImageError/invalidLayout(_:)`` for a
    ///   `reduction` other than 1, 2, 4 or 8.
    public static func decode(_ data: [UInt8], source: String = "<memory>", as format: PixelFormat? = nil,
                              limits: ImageDecodingLimits = .default, reduction: Int = 1) throws(ImageError) -> Image {
        guard [1, 2, 4, 8].contains(reduction) else {
            throw ImageError.invalidLayout("reduction must be 1, 2, 4 or 8, got \(reduction)")
        }
        guard !data.isEmpty else { throw ImageError.empty(source: source) }
        switch ImageFileFormat.detect(data) {
        case .jpeg:
            return try decodeJPEG(data, source: source, as: format, limits: limits, reduction: reduction)
        case .png:
            let full = try decodePNG(data, source: source, as: format, limits: limits)
            guard reduction > 1 else { return full }
            return full.resized(width: (full.width + reduction - 1) / reduction,
                                height: (full.height + reduction - 1) / reduction)
        case nil: throw ImageError.unknownFormat(source: source)
        }
    }

    /// Decodes a JPEG or PNG image held in `Data`; see ``decode(_:source:as:limits:reduction:)``.
    public static func decode(_ data: Data, source: String = "<memory>", as format: PixelFormat? = nil,
                              limits: ImageDecodingLimits = .default) throws(ImageError) -> Image {
        try decode([UInt8](data), source: source, as: format, limits: limits)
    }

    /// Reads and decodes a JPEG or PNG file; errors name `path`.
    ///
    /// - Throws: ``ImageError/io(path:reason:)`` when the file cannot be read, and the
    ///   errors of ``decode(_:source:as:limits:reduction:)``.
    public static func load(path: String, as format: PixelFormat? = nil,
                            limits: ImageDecodingLimits = .default, reduction: Int = 1) throws(ImageError) -> Image {
        try decode(readFile(path), source: path, as: format, limits: limits, reduction: reduction)
    }

    /// Reads and decodes a JPEG or PNG file; the initialiser form of ``load(path:as:limits:)``.
    public init(contentsOfFile path: String, as format: PixelFormat? = nil,
                limits: ImageDecodingLimits = .default) throws(ImageError) {
        self = try Image.load(path: path, as: format, limits: limits)
    }

    /// Decodes JPEG data; fails with ``ImageError/unknownFormat(source:)`` for anything else.
    public init(jpegData data: [UInt8], source: String = "<memory>", as format: PixelFormat? = nil,
                limits: ImageDecodingLimits = .default) throws(ImageError) {
        guard !data.isEmpty else { throw ImageError.empty(source: source) }
        guard ImageFileFormat.detect(data) == .jpeg else { throw ImageError.unknownFormat(source: source) }
        self = try Image.decodeJPEG(data, source: source, as: format, limits: limits)
    }

    /// Decodes PNG data; fails with ``ImageError/unknownFormat(source:)`` for anything else.
    public init(pngData data: [UInt8], source: String = "<memory>", as format: PixelFormat? = nil,
                limits: ImageDecodingLimits = .default) throws(ImageError) {
        guard !data.isEmpty else { throw ImageError.empty(source: source) }
        guard ImageFileFormat.detect(data) == .png else { throw ImageError.unknownFormat(source: source) }
        self = try Image.decodePNG(data, source: source, as: format, limits: limits)
    }

    /// Reads only the header of a JPEG or PNG image: its format and size.
    ///
    /// - Throws: ``ImageError/empty(source:)``, ``ImageError/unknownFormat(source:)`` or
    ///   ``ImageError/corrupt(source:reason:)``.
    public static func readHeader(_ data: [UInt8], source: String = "<memory>") throws(ImageError) -> ImageHeader {
        guard !data.isEmpty else { throw ImageError.empty(source: source) }
        switch ImageFileFormat.detect(data) {
        case .jpeg: return try jpegHeader(data, source: source)
        case .png: return try pngHeader(data, source: source)
        case nil: throw ImageError.unknownFormat(source: source)
        }
    }

    /// Reads the header of a JPEG or PNG file (the whole file is read; pixels are not decoded).
    public static func readHeader(path: String) throws(ImageError) -> ImageHeader {
        try readHeader(readFile(path), source: path)
    }

    /// The bytes of a file, or ``ImageError/io(path:reason:)`` saying why not.
    static func readFile(_ path: String) throws(ImageError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ImageError.io(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw ImageError.io(path: path, reason: "is a directory") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ImageError.io(path: path, reason: "cannot open the file for reading")
        }
        defer { try? handle.close() }
        do {
            return [UInt8](try handle.readToEnd() ?? Data())
        } catch {
            throw ImageError.io(path: path, reason: "read failed: \(error.localizedDescription)")
        }
    }
}
