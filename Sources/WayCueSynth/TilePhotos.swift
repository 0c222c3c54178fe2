import Foundation
import WayCueImage

/// A square close-up of one tactile tile cut from a photo, resampled to `size` x `size`.
///
/// Rows run along the walking direction: for guidance tiles the bars run down the rows.
public struct TilePatch: Sendable {
    /// Side in pixels.
    public let size: Int
    /// RGB floats, row-major.
    let rgb: [Float]
    /// Luminance of each pixel divided by the patch's mean luminance (relief and grain).
    let relative: [Float]
}

/// Texture patches of real tactile tiles (guidance bars and warning dots) from top-down
/// photos with YOLO labels beside them (`NAME.jpg` and `NAME.txt`, class 0 bars and class 1
/// dots, as in the "block" tile set with `_darknet.labels` `go`, `stop`).
///
/// Photos are split by a hash of the file name: about one in five belongs to the held-out
/// ``MaterialSplit/unseen`` split, the rest to ``MaterialSplit/train``.
public final class TilePhotoSet: Sendable {
    /// Patches with guidance bars.
    public let bars: [TilePatch]
    /// Patches with warning dots.
    public let dots: [TilePatch]
    /// File names used.
    public let files: [String]

    init(bars: [TilePatch], dots: [TilePatch], files: [String]) {
        self.bars = bars; self.dots = dots; self.files = files
    }

    /// Whether a photo (by file name) belongs to the held-out split (FNV-1a hash mod 5 is 0).
    public static func isHeldOut(fileName: String) -> Bool {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in fileName.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h % 5 == 0
    }

    /// Loads the photos of `split` from a folder; `nil` when the folder is missing or holds no
    /// usable labelled photo (the procedural materials are used then).
    ///
    /// - Parameters:
    ///   - directory: Folder of `.jpg` photos with YOLO `.txt` labels beside them.
    ///   - split: Which photos to use.
    ///   - limit: Most photos to read.
    public static func load(directory: String, split: MaterialSplit, limit: Int = 200) -> TilePhotoSet? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return nil }
        let photos = names.filter { $0.lowercased().hasSuffix(".jpg") || $0.lowercased().hasSuffix(".jpeg") }
            .filter { isHeldOut(fileName: $0) == (split == .unseen) }.sorted().prefix(limit)
        var bars: [TilePatch] = [], dots: [TilePatch] = []
        var used: [String] = []
        for name in photos {
            let base = (name as NSString).deletingPathExtension
            guard let text = try? String(contentsOfFile: "\(directory)/\(base).txt", encoding: .utf8),
                  let img = try? Image.load(path: "\(directory)/\(name)", as: .rgb8) else { continue }
            var any = false
            for line in text.split(separator: "\n") {
                let f = line.split(separator: " ").compactMap { Double($0) }
                guard f.count == 5 else { continue }
                let cls = Int(f[0])
                // The inner 80% of the box: the tile without its border.
                let bw = f[3] * 0.8 * Double(img.width), bh = f[4] * 0.8 * Double(img.height)
                let side = Int(min(bw, bh))
                guard side >= 24 else { continue }
                let x = Int(f[1] * Double(img.width)) - side / 2, y = Int(f[2] * Double(img.height)) - side / 2
                guard x >= 0, y >= 0, x + side <= img.width, y + side <= img.height,
                      let crop = try? img.cropped(x: x, y: y, width: side, height: side) else { continue }
                let patch = makePatch(crop.resized(width: 64, height: 64), barsAlongRows: cls == 0)
                if cls == 0 { bars.append(patch) } else { dots.append(patch) }
                any = true
            }
            if any { used.append(name) }
        }
        guard !bars.isEmpty || !dots.isEmpty else { return nil }
        return TilePhotoSet(bars: bars, dots: dots, files: used)
    }

    /// Converts a 64x64 crop to a patch, transposing guidance crops whose bars run across rows.
    static func makePatch(_ img: Image, barsAlongRows: Bool) -> TilePatch {
        let n = img.width
        var lum = [Float](repeating: 0, count: n * n)
        for y in 0..<n { for x in 0..<n {
            let o = img.offset(x: x, y: y)
            lum[y * n + x] = 0.3 * Float(img.pixels[o]) + 0.59 * Float(img.pixels[o + 1]) + 0.11 * Float(img.pixels[o + 2])
        } }
        // Bars running down the rows vary most along x.
        var gx: Float = 0, gy: Float = 0
        for y in 1..<n { for x in 1..<n {
            gx += abs(lum[y * n + x] - lum[y * n + x - 1]); gy += abs(lum[y * n + x] - lum[(y - 1) * n + x])
        } }
        let transpose = barsAlongRows && gy > gx
        var rgb = [Float](repeating: 0, count: n * n * 3)
        var rel = [Float](repeating: 1, count: n * n)
        let mean = max(1, lum.reduce(0, +) / Float(n * n))
        for y in 0..<n { for x in 0..<n {
            let (sx, sy) = transpose ? (y, x) : (x, y)
            let o = img.offset(x: sx, y: sy)
            for c in 0..<3 { rgb[(y * n + x) * 3 + c] = Float(img.pixels[o + c]) }
            rel[y * n + x] = min(1.6, max(0.4, lum[sy * n + sx] / mean))
        } }
        return TilePatch(size: n, rgb: rgb, relative: rel)
    }

    /// Colour of a patch at tile coordinates `u` (across) and `v` (along), both in [0, 1).
    static func sample(_ p: TilePatch, u: Double, v: Double) -> (SynthColor, Float) {
        let x = min(p.size - 1, max(0, Int(u * Double(p.size)))), y = min(p.size - 1, max(0, Int(v * Double(p.size))))
        let i = y * p.size + x
        return (SynthColor(p.rgb[i * 3], p.rgb[i * 3 + 1], p.rgb[i * 3 + 2]), p.relative[i])
    }
}
