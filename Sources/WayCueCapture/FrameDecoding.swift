import WayCueImage

/// Turns raw frame bytes in any ``SourcePixelFormat`` into an RGB `Image`: what every source
/// does per frame (JPEG through WayCueImage's libjpeg-turbo decoder, YUV by integer BT.601).
public enum FrameDecoding {
    /// Converts `data` (one frame) to RGB. `bytesPerLine` is the luma row stride for raw layouts.
    ///
    /// - Throws: ``CaptureError/decodeFailed(source:reason:)`` for short or undecodable data.
    public static func rgbImage(
        _ data: UnsafeRawBufferPointer, format: SourcePixelFormat, width: Int, height: Int,
        bytesPerLine: Int, source: String
    ) throws -> Image {
        switch format {
        case .mjpeg, .jpeg, .imageFile:
            return try decodeCompressed(Array(data), source: source)
        default:
            break
        }
        guard width > 0, height > 0 else {
            throw CaptureError.decodeFailed(source: source, reason: "frame size \(width)x\(height)")
        }
        let minimumStride = format == .yuyv ? width * 2 : format == .rgb24 ? width * 3 : width
        guard bytesPerLine >= minimumStride,
            let needed = YUVConversion.frameBytes(format, width: width, height: height, bytesPerLine: bytesPerLine)
        else {
            throw CaptureError.decodeFailed(
                source: source, reason: "row stride \(bytesPerLine) too small for \(width) pixels of \(format)")
        }
        guard data.count >= needed else {
            throw CaptureError.decodeFailed(
                source: source,
                reason: "short frame: \(data.count) bytes, \(format) \(width)x\(height) needs \(needed)")
        }
        switch format {
        case .yuyv:
            do {
                return try Image.fromYUYV(data, width: width, height: height, stride: bytesPerLine)
            } catch {
                throw CaptureError.decodeFailed(source: source, reason: error.description)
            }
        case .nv12:
            let lumaBytes = bytesPerLine * height
            do {
                return try Image.fromNV12(
                    luma: UnsafeRawBufferPointer(rebasing: data[0..<lumaBytes]),
                    chroma: UnsafeRawBufferPointer(rebasing: data[lumaBytes...]),
                    width: width, height: height, lumaStride: bytesPerLine, chromaStride: bytesPerLine)
            } catch {
                throw CaptureError.decodeFailed(source: source, reason: error.description)
            }
        case .yuv420:
            return YUVConversion.threePlane(data, width: width, height: height, bytesPerLine: bytesPerLine, shiftX: 1, shiftY: 1)
        case .yuv422:
            return YUVConversion.threePlane(data, width: width, height: height, bytesPerLine: bytesPerLine, shiftX: 1, shiftY: 0)
        case .yuv444:
            return YUVConversion.threePlane(data, width: width, height: height, bytesPerLine: bytesPerLine, shiftX: 0, shiftY: 0)
        case .rgb24, .grey:
            var image = Image(width: width, height: height, format: .rgb8)
            let src = data.bindMemory(to: UInt8.self)
            let channels = format == .rgb24 ? 3 : 1
            for row in 0..<height {
                for x in 0..<width {
                    let s = row * bytesPerLine + x * channels
                    let d = (row * width + x) * 3
                    image.pixels[d] = src[s]
                    image.pixels[d + 1] = src[s + channels / 3]
                    image.pixels[d + 2] = src[s + 2 * (channels / 3)]
                }
            }
            return image
        case .mjpeg, .jpeg, .imageFile:
            fatalError("handled above")
        }
    }

    /// Decodes a JPEG (or PNG) frame as RGB.
    public static func decodeCompressed(_ bytes: [UInt8], source: String) throws -> Image {
        do {
            return try Image.decode(bytes, source: source, as: .rgb8)
        } catch {
            throw CaptureError.decodeFailed(source: source, reason: error.description)
        }
    }
}
