import Foundation

extension Image {
    /// The image encoded in `fileFormat`.
    ///
    /// - Parameters:
    ///   - fileFormat: JPEG or PNG.
    ///   - quality: JPEG quality 1 to 100 (ignored for PNG).
    public func encoded(as fileFormat: ImageFileFormat, quality: Int = 90) throws(ImageError) -> [UInt8] {
        switch fileFormat {
        case .jpeg: return try jpegData(quality: quality)
        case .png: return try pngData()
        }
    }

    /// Writes the image to `path`, choosing the format from the extension (`.jpg`, `.jpeg` or
    /// `.png`, any case). The file is written atomically (to a temporary file, then renamed).
    ///
    /// - Parameters:
    ///   - path: The destination file.
    ///   - quality: JPEG quality 1 to 100 (ignored for PNG).
    /// - Throws: ``ImageError/io(path:reason:)`` for an unknown extension or a failed write,
    ///   ``ImageError/encodeFailed(reason:)`` when encoding fails.
    public func write(to path: String, quality: Int = 90) throws(ImageError) {
        guard let fileFormat = ImageFileFormat(path: path) else {
            throw ImageError.io(path: path, reason: "cannot tell the image format from the extension (use .jpg, .jpeg or .png)")
        }
        let bytes = try encoded(as: fileFormat, quality: quality)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ImageError.io(path: path, reason: "write failed: \(error.localizedDescription)")
        }
    }
}
