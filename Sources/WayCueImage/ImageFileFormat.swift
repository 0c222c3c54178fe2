/// The encoded image formats WayCue reads and writes.
public enum ImageFileFormat: String, Sendable, Hashable, Codable, CaseIterable {
    /// JPEG (JFIF/Exif; baseline or progressive; grey, YCbCr, CMYK).
    case jpeg
    /// PNG (any bit depth, palette, alpha).
    case png

    /// The format whose signature starts `bytes`, or `nil` for anything else.
    ///
    /// JPEG starts with `FF D8 FF`; PNG with its 8-byte signature `89 50 4E 47 0D 0A 1A 0A`.
    public static func detect(_ bytes: some Collection<UInt8>) -> ImageFileFormat? {
        let head = Array(bytes.prefix(8))
        if head.count >= 3, head[0] == 0xFF, head[1] == 0xD8, head[2] == 0xFF { return .jpeg }
        if head == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
        return nil
    }

    /// The format a file name's extension names (`.jpg`, `.jpeg`, `.png`, any case), or `nil`.
    public init?(path: String) {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "jpg", "jpeg": self = .jpeg
        case "png": self = .png
        default: return nil
        }
    }
}

/// Facts read from an encoded image's header without decoding its pixels.
public struct ImageHeader: Sendable, Hashable {
    /// The container format.
    public var fileFormat: ImageFileFormat
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// The pixel format ``Image/decode(_:source:as:limits:reduction:)`` returns when none is
    /// requested: ``PixelFormat/grey8`` for grey files, ``PixelFormat/rgb8`` otherwise.
    public var naturalFormat: PixelFormat

    /// Creates a header description.
    public init(fileFormat: ImageFileFormat, width: Int, height: Int, naturalFormat: PixelFormat) {
        self.fileFormat = fileFormat
        self.width = width
        self.height = height
        self.naturalFormat = naturalFormat
    }

    /// The largest decode `reduction` (1, 2, 4 or 8) that still leaves at least as many pixels
    /// as letterboxing to `width` x `height` keeps, so decoding with it and then letterboxing
    /// loses no detail the model would see.
    public func reduction(forLetterboxToWidth width: Int, height: Int) -> Int {
        guard self.width > 0, self.height > 0, width > 0, height > 0 else { return 1 }
        let gain = min(Double(width) / Double(self.width), Double(height) / Double(self.height))
        var reduction = 1
        while reduction < 8 && Double(reduction * 2) * gain <= 1 { reduction *= 2 }
        return reduction
    }
}
