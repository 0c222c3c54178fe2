import Foundation
import WayCueImage

/// Writes frames as a YUV4MPEG2 (`.y4m`) stream: a plain header and raw 4:2:0 planes per
/// frame (full-range BT.601, `C420jpeg`), readable by ffmpeg and most video tools.
public struct Y4MWriter {
    private let handle: FileHandle
    /// Frame size.
    public let width: Int
    public let height: Int
    let path: String

    /// Creates the file and writes the stream header.
    ///
    /// - Throws: ``WayCueImage/ImageError/io(path:reason:)`` when the file cannot be created.
    public init(path: String, width: Int, height: Int, fps: Double) throws(ImageError) {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let h = FileHandle(forWritingAtPath: path) else {
            throw ImageError.io(path: path, reason: "cannot create the file")
        }
        handle = h
        self.width = width; self.height = height; self.path = path
        let rate = Int((fps * 1000).rounded())
        h.write(Data("YUV4MPEG2 W\(width) H\(height) F\(rate):1000 Ip A1:1 C420jpeg\n".utf8))
    }

    /// Appends one RGB frame of the stream's size.
    public func append(_ image: Image) throws(ImageError) {
        guard image.width == width, image.height == height else {
            throw ImageError.invalidLayout("y4m frame is \(image.width)x\(image.height), stream is \(width)x\(height)")
        }
        let rgb = image.format == .rgb8 ? image : image.converted(to: .rgb8)
        let cw = (width + 1) / 2, ch = (height + 1) / 2
        var out = [UInt8](repeating: 0, count: width * height + 2 * cw * ch)
        for y in 0..<height {
            for x in 0..<width {
                let o = rgb.offset(x: x, y: y)
                let r = Int(rgb.pixels[o]), g = Int(rgb.pixels[o + 1]), b = Int(rgb.pixels[o + 2])
                out[y * width + x] = UInt8((77 * r + 150 * g + 29 * b + 128) >> 8)
            }
        }
        for cy in 0..<ch {
            for cx in 0..<cw {
                var r = 0, g = 0, b = 0, n = 0
                for dy in 0..<2 { for dx in 0..<2 {
                    let x = min(width - 1, cx * 2 + dx), y = min(height - 1, cy * 2 + dy)
                    let o = rgb.offset(x: x, y: y)
                    r += Int(rgb.pixels[o]); g += Int(rgb.pixels[o + 1]); b += Int(rgb.pixels[o + 2]); n += 1
                } }
                r /= n; g /= n; b /= n
                let u = (-43 * r - 85 * g + 128 * b + 128) >> 8 + 128
                let v = (128 * r - 107 * g - 21 * b + 128) >> 8 + 128
                out[width * height + cy * cw + cx] = UInt8(max(0, min(255, u)))
                out[width * height + cw * ch + cy * cw + cx] = UInt8(max(0, min(255, v)))
            }
        }
        handle.write(Data("FRAME\n".utf8))
        handle.write(Data(out))
    }

    /// Closes the file.
    public func close() { try? handle.close() }
}
