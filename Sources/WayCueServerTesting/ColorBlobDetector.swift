import WayCueDetector
import WayCueImage

/// A **test double** of the detector: it reports saturated red and green blobs as
/// `ped_red` and `ped_green`. It is not a trained model and knows nothing about signals;
/// it exists so that the HTTP service, its tests and `scripts/load-test` can run end to end
/// before a real model ships.
///
/// The image is sampled on a coarse grid (`cell` pixels); a cell counts as red or green when
/// its sampled pixel is bright and strongly saturated in that hue. Connected cells of one colour
/// form a blob; blobs of at least `minCells` cells become detections whose box covers the
/// cells (in the image's own pixels) and whose score grows with the blob's size.
///
/// Unlike the real detector this class keeps no scratch state, but it is a class so that it
/// satisfies ``ObjectDetecting`` exactly as `Detector` does.
public final class ColorBlobDetector: ObjectDetecting {
    /// `test-double/color-blob-v1`: never confused with a model identifier.
    public let modelID: String
    /// `ped_red` and `ped_green`.
    public let classes: [ObjectClass] = [.pedRed, .pedGreen]
    /// Sampling step in pixels.
    public let cell: Int
    /// Fewest connected cells that make a detection.
    public let minCells: Int
    /// Extra work per call in microseconds (busy loop), to imitate a slower model in load tests.
    public let extraMicroseconds: Int

    /// Creates the double.
    public init(cell: Int = 4, minCells: Int = 4, extraMicroseconds: Int = 0,
                modelID: String = "test-double/color-blob-v1") {
        self.cell = max(1, cell)
        self.minCells = max(1, minCells)
        self.extraMicroseconds = max(0, extraMicroseconds)
        self.modelID = modelID
    }

    /// Finds red and green blobs; boxes are in `image`'s pixels.
    public func detect(_ image: Image) throws -> [Detection] {
        if extraMicroseconds > 0 { Self.spin(microseconds: extraMicroseconds) }
        let gw = (image.width + cell - 1) / cell
        let gh = (image.height + cell - 1) / cell
        // 0 none, 1 red, 2 green
        var grid = [UInt8](repeating: 0, count: gw * gh)
        for gy in 0..<gh {
            let y = min(image.height - 1, gy * cell + cell / 2)
            for gx in 0..<gw {
                let x = min(image.width - 1, gx * cell + cell / 2)
                grid[gy * gw + gx] = Self.classify(image, x: x, y: y)
            }
        }
        var seen = [Bool](repeating: false, count: gw * gh)
        var result: [Detection] = []
        var stack: [Int] = []
        for start in 0..<(gw * gh) where grid[start] != 0 && !seen[start] {
            let colour = grid[start]
            var count = 0
            var minX = Int.max, minY = Int.max, maxX = Int.min, maxY = Int.min
            stack.append(start)
            seen[start] = true
            while let i = stack.popLast() {
                count += 1
                let x = i % gw, y = i / gw
                minX = min(minX, x); maxX = max(maxX, x)
                minY = min(minY, y); maxY = max(maxY, y)
                for (dx, dy) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
                    let nx = x + dx, ny = y + dy
                    guard nx >= 0, ny >= 0, nx < gw, ny < gh else { continue }
                    let j = ny * gw + nx
                    if !seen[j] && grid[j] == colour {
                        seen[j] = true
                        stack.append(j)
                    }
                }
            }
            guard count >= minCells else { continue }
            let box = Box(
                x1: Float(minX * cell), y1: Float(minY * cell),
                x2: Float(min(image.width, (maxX + 1) * cell)),
                y2: Float(min(image.height, (maxY + 1) * cell)))
            let score = min(0.99, 0.3 + Float(count) / Float(count + 40))
            result.append(Detection(objectClass: colour == 1 ? .pedRed : .pedGreen,
                                    score: score, box: box))
        }
        return result.sorted { $0.score > $1.score }
    }

    static func classify(_ image: Image, x: Int, y: Int) -> UInt8 {
        let o = image.offset(x: x, y: y)
        guard image.format == .rgb8 else { return 0 }
        let r = Int(image.pixels[o]), g = Int(image.pixels[o + 1]), b = Int(image.pixels[o + 2])
        if r > 150 && r > g * 2 && r > b * 2 { return 1 }
        if g > 130 && g > r * 3 / 2 && g > b * 5 / 4 { return 2 }
        return 0
    }

    static func spin(microseconds: Int) {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: .microseconds(microseconds))
        var x: UInt64 = 1
        while clock.now < end {
            for _ in 0..<64 { x = x &* 6364136223846793005 &+ 1 }
        }
        if x == 0 { print("") }  // keeps the loop from being optimised away
    }
}

/// A **test double** that returns the same detections for every image, scaled to the image
/// (boxes given as fractions of width and height). Used to drive cue scenarios through the
/// service deterministically; it is not a model.
public final class FixedDetectionsDetector: ObjectDetecting {
    /// `test-double/fixed`.
    public let modelID = "test-double/fixed"
    /// The classes of the fixed detections, in first-seen order.
    public let classes: [ObjectClass]
    /// Detections with boxes in fractions of the image size.
    public let relativeDetections: [Detection]

    /// Creates the double; `detections`' boxes are fractions (0...1) of the image size.
    public init(relative detections: [Detection]) {
        relativeDetections = detections
        var seen: [ObjectClass] = []
        for d in detections where !seen.contains(d.objectClass) { seen.append(d.objectClass) }
        classes = seen.isEmpty ? [.pedRed, .pedGreen] : seen
    }

    /// The fixed detections in `image`'s pixels.
    public func detect(_ image: Image) throws -> [Detection] {
        let w = Float(image.width), h = Float(image.height)
        return relativeDetections.map { d in
            Detection(objectClass: d.objectClass, score: d.score,
                      box: Box(x1: d.box.x1 * w, y1: d.box.y1 * h, x2: d.box.x2 * w, y2: d.box.y2 * h))
        }
    }
}
