import Foundation

extension Image {
    /// Decodes a JPEG or PNG image, telling the format from its signature.
    ///
    /// The header is read first and its size checked against `limits` before any pixel
    /// memory is allocated. PNG files with alpha, 16-bit samples or a palette come back as
    /// 8-bit RGB or grey: 16-bit samples are scaled to 8 bits, palettes expanded, and the alpha
    /// channel is dropped (the colour values are kept as stored, as PIL's `convert("RGB")`
    /// does). See ``ImageDecodingLimits`` for how damaged JPEGs are handled.
    ///
    /// - Parameters:
    ///   - data: The encoded bytes.
    ///   - source: A label for error messages, usually the file path.
    ///   - format: The pixel format wanted, or `nil` for the file's own (grey files give
    ///     ``PixelFormat/grey8``, everything else ``PixelFormat/rgb8``).
    ///   - limits: The pixel budget and the damaged-JPEG policy.
    /// - Throws: ``ImageError/empty(source:)``, ``ImageError/unknownFormat(source:)``,
    ///   ``ImageError/tooLarge(source:width:height:limit:)`` or
    ///   ``ImageError/corrupt(source:reason:)``.
    public static func decode(_ data: [UInt8], source: String = "<memory>", as format: PixelFormat? = nil,
                              limits: ImageDecodingLimits = .default) throws(ImageError) -> Image {
        guard !data.isEmpty else { throw ImageError.empty(source: source) }
        switch ImageFileFormat.detect(data) {
        case .jpeg: return try decodeJPEG(data, source: source, as: format, limits: limits)
        case .png: return try decodePNG(data, source: source, as: format, limits: limits)
        case nil: throw ImageError.unknownFormat(source: source)
        }
    }

    /// Decodes a JPEG or PNG image held in `Data`; see ``decode(_:source:as:limits:)``.
    public static func decode(_ data: Data, source: String = "<memory>", as format: PixelFormat? = nil,
                              limits: ImageDecodingLimits = .default) throws(ImageError) -> Image {
        try decode([UInt8](data), source: source, as: format, limits: limits)
    }

    /// Reads and decodes a JPEG or PNG file; errors name `path`.
    ///
    /// - Throws: ``ImageError/io(path:reason:)`` when the file cannot be read, and the
    ///   errors of ``decode(_:source:as:limits:)``.
    public static func load(path: String, as format: PixelFormat? = nil,
                            limits: ImageDecodingLimits = .default) throws(ImageError) -> Image {
        try decode(readFile(path), source: path, as: format, limits: limits)
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
