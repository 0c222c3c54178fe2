import Foundation
import WayCueImage
@testable import WayCueLabeling

/// A temporary folder of small real JPEG and PNG frames, removed at deinit.
final class FrameFolder {
    let root: String
    let frames: String

    init(count: Int, name: String = "images", width: Int = 64, height: Int = 48) throws {
        root = NSTemporaryDirectory() + "waycue-label-\(UUID().uuidString.prefix(8))"
        frames = root + "/" + name
        try FileManager.default.createDirectory(atPath: frames, withIntermediateDirectories: true)
        for i in 0..<count {
            var img = Image(width: width, height: height, format: .rgb8, fill: UInt8(20 + (i * 37) % 200))
            // A different pattern per frame so the dataset check does not call them duplicates.
            for y in 0..<height { for x in 0..<width where (x / (4 + i % 5) + y / (3 + i % 7)) % 2 == 0 {
                img.pixels[y * img.stride + x * 3 + (i % 3)] = 250
            } }
            let name = String(format: "f%04d", i)
            if i % 2 == 0 {
                try Data(img.jpegData(quality: 90)).write(to: URL(fileURLWithPath: "\(frames)/\(name).jpg"))
            } else {
                try Data(img.pngData()).write(to: URL(fileURLWithPath: "\(frames)/\(name).png"))
            }
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }
}

func box(_ c: Int, _ cx: Double, _ cy: Double, _ w: Double, _ h: Double, _ s: Double? = nil) -> ReviewBox {
    ReviewBox(classID: c, cx: cx, cy: cy, w: w, h: h, score: s)
}
