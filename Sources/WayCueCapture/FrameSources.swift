import Foundation

/// Opens a frame source from a location string, as the command line does.
public enum FrameSources {
    /// Picks the source for `location`:
    /// - `/dev/video*`: a V4L2 camera (Linux),
    /// - a folder: ``ImageFolderSource``,
    /// - `.mjpeg`/`.mjpg`: ``MJPEGFileSource``,
    /// - `.y4m`: ``Y4MSource``,
    /// - anything else: ``FFmpegSource`` (needs ffmpeg).
    ///
    /// - Throws: the chosen source's errors.
    public static func open(
        _ location: String, footage: FootageOptions = FootageOptions(),
        camera: V4L2CaptureConfiguration = V4L2CaptureConfiguration()
    ) throws -> any FrameSource {
        if location.hasPrefix("/dev/video") {
            #if os(Linux)
            return try V4L2Camera(path: location, configuration: camera)
            #else
            throw CaptureError.unsupportedPlatform("camera \(location)")
            #endif
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: location, isDirectory: &isDirectory) else {
            throw CaptureError.notFound(path: location)
        }
        if isDirectory.boolValue { return try ImageFolderSource(path: location, options: footage) }
        switch (location as NSString).pathExtension.lowercased() {
        case "mjpeg", "mjpg": return try MJPEGFileSource(path: location, options: footage)
        case "y4m": return try Y4MSource(path: location, options: footage)
        default: return try FFmpegSource(path: location, options: footage)
        }
    }
}
