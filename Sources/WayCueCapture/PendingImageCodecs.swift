// TEMPORARY: stands in for WayCueImage's codecs until the `image` branch is merged; delete on merge.
import WayCueImage

extension Image {
    static func decode(_ data: [UInt8], source: String, as format: PixelFormat?) throws(ImageError) -> Image {
        throw ImageError.unknownFormat(source: source)
    }
}

enum PendingJPEG {
    static func encode(_ image: Image, quality: Int) throws -> [UInt8] {
        throw ImageError.encodeFailed(reason: "JPEG encoder not merged yet")
    }
}
