/// What a decoder accepts: a pixel budget, checked against the header before any pixel
/// memory is allocated, and the policy for damaged JPEG data.
///
/// ## Truncated and damaged JPEGs
/// libjpeg does not fail on a truncated or partly corrupt JPEG: it emits a *warning*
/// ("Premature end of JPEG file", "Corrupt JPEG data: ...") and fills the missing blocks with
/// grey. WayCue treats any such warning as an error by default
/// (``ImageError/corrupt(source:reason:)``), because a half-grey frame fed to a detector or
/// a training set is worse than no frame. Set ``acceptsCorruptJPEGData`` to `true` to get
/// libjpeg's padded image instead (useful for salvaging a camera dump). Fatal libjpeg errors
/// (no image, bad markers, unsupported features) are always errors.
public struct ImageDecodingLimits: Sendable, Hashable {
    /// The largest `width * height` a decoder accepts; larger headers throw
    /// ``ImageError/tooLarge(source:width:height:limit:)`` before decoding starts.
    public var maxPixels: Int
    /// Whether a JPEG that decodes with corrupt-data warnings (typically a truncated file) is
    /// returned as libjpeg padded it (`true`) or refused as corrupt (`false`, the default).
    public var acceptsCorruptJPEGData: Bool

    /// 50 megapixels, corrupt JPEG data refused.
    public static let `default` = ImageDecodingLimits()

    /// Creates limits.
    ///
    /// - Parameters:
    ///   - maxPixels: The pixel budget (default 50,000,000).
    ///   - acceptsCorruptJPEGData: Whether to accept JPEGs that decode with warnings.
    public init(maxPixels: Int = 50_000_000, acceptsCorruptJPEGData: Bool = false) {
        self.maxPixels = maxPixels
        self.acceptsCorruptJPEGData = acceptsCorruptJPEGData
    }

    /// Throws ``ImageError/tooLarge(source:width:height:limit:)`` when a header's size is over
    /// the budget, and ``ImageError/corrupt(source:reason:)`` when it is not positive.
    func check(width: Int, height: Int, source: String) throws(ImageError) {
        guard width > 0, height > 0 else {
            throw ImageError.corrupt(source: source, reason: "header gives a size of \(width)x\(height)")
        }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        if overflow || pixels > maxPixels {
            throw ImageError.tooLarge(source: source, width: width, height: height, limit: maxPixels)
        }
    }
}
