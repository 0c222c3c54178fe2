import Foundation
import WayCueDetector
import WayCueImage

/// Mask files beside a dataset's images, and the label values they hold.
///
/// A mask is a grey PNG at the image's size in a `masks` folder beside the `images` folder
/// (`split/images/a.jpg` has `split/masks/a.png`), the layout `waycue synth images` writes:
/// 0 background, 1 `tactile_guide`, 2 `tactile_warning`, 3 `crosswalk`, 255 ignored (not
/// scored, not trained on). Any other value is an error.
public enum MaskLabels {
    /// Class of each label value `k + 1`.
    public static let classNames = ["tactile_guide", "tactile_warning", "crosswalk"]
    /// The label value that marks pixels to ignore.
    public static let ignoreValue: UInt8 = 255

    /// The mask file of an image, if one exists (`.../images/NAME.ext` -> `.../masks/NAME.png`).
    public static func maskPath(forImage path: String) -> String? {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        guard dir.lastPathComponent == "images" else { return nil }
        let m = dir.deletingLastPathComponent().appendingPathComponent("masks")
            .appendingPathComponent(url.deletingPathExtension().lastPathComponent + ".png").path
        return FileManager.default.fileExists(atPath: m) ? m : nil
    }

    /// Every image of a folder (searched recursively for `images` folders) that has a mask.
    public static func pairs(under root: String) -> [(image: String, mask: String)] {
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: root) else { return [] }
        var out: [(String, String)] = []
        let exts: Set<String> = ["jpg", "jpeg", "png", "bmp"]
        while let rel = walker.nextObject() as? String {
            let url = URL(fileURLWithPath: root).appendingPathComponent(rel)
            guard url.deletingLastPathComponent().lastPathComponent == "images",
                  exts.contains(url.pathExtension.lowercased()),
                  let m = maskPath(forImage: url.path) else { continue }
            out.append((url.path, m))
        }
        return out.sorted { $0.0 < $1.0 }
    }

    /// Loads a mask and checks its size and values.
    public static func load(path: String, width: Int, height: Int) throws -> [UInt8] {
        let img: Image
        do { img = try Image.load(path: path, as: .grey8) } catch {
            throw DatasetError(.io, file: path, reason: "unreadable mask: \(error)")
        }
        guard img.width == width, img.height == height else {
            throw DatasetError(.invalidValue, file: path, reason: "mask is \(img.width)x\(img.height), its image is \(width)x\(height)")
        }
        var px = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height { for x in 0..<width { px[y * width + x] = img.pixels[y * img.stride + x] } }
        if let bad = px.first(where: { $0 > UInt8(classNames.count) && $0 != ignoreValue }) {
            throw DatasetError(.invalidValue, file: path, reason: "mask value \(bad) is not 0...\(classNames.count) or \(ignoreValue)")
        }
        return px
    }
}

/// Intersection over union of predicted and true masks per class, summed over a dataset
/// (the total intersection over the total union, as segmentation benchmarks report it).
public struct MaskIoUReport: Sendable, Codable, Hashable {
    /// One class's figures.
    public struct ClassIoU: Sendable, Codable, Hashable {
        /// Class name.
        public var name: String
        /// Total intersection / total union; nil when neither truth nor prediction has the class.
        public var iou: Double?
        /// Pixels in the intersection.
        public var intersection: Int
        /// Pixels in the union.
        public var union: Int
        /// Images whose truth has the class.
        public var imagesWithTruth: Int
    }
    /// Per class, in the mask head's order.
    public var perClass: [ClassIoU]
    /// Images scored.
    public var images: Int
    /// Images skipped (unreadable image or mask), with the reason.
    public var skipped: [String]
    /// Row and column names of ``confusion``: `background`, then the head's classes.
    public var confusionLabels: [String]
    /// Pixel confusion over the dataset: `confusion[t][p]` counts pixels whose truth is row `t`
    /// and whose prediction is column `p` (ignored pixels are left out; truth classes the head
    /// does not have count as background). It says where a class's pixels go when they are
    /// missed: to the background, or to another class. The per-class IoU is derived from it.
    public var confusion: [[Int]]

    /// The share of row `truth`'s pixels predicted as `predicted`; nil for an empty row.
    public func confusionShare(truth: Int, predicted: Int) -> Double? {
        let total = confusion[truth].reduce(0, +)
        return total > 0 ? Double(confusion[truth][predicted]) / Double(total) : nil
    }
}

/// Scores a detector's mask head against mask files.
public enum MaskEvaluation {
    /// Runs `detector` on every pair and accumulates per-class IoU at each image's own size.
    ///
    /// - Parameter progress: Called after each image with (done, total).
    public static func evaluate(detector: Detector, pairs: [(image: String, mask: String)], threshold: Float = 0.5,
                                progress: ((Int, Int) -> Void)? = nil) throws -> MaskIoUReport {
        guard let spec = detector.maskHead else {
            throw TrainingError.invalidConfig("the model has no mask head (train one with `waycue train-mask`)")
        }
        // Truth value of each head plane (its class's position in MaskLabels).
        let truthValue = spec.classNames.map { n in MaskLabels.classNames.firstIndex(of: n).map { UInt8($0 + 1) } }
        let K = spec.classNames.count
        var withTruth = [Int](repeating: 0, count: K)
        var images = 0
        var skipped: [String] = []
        // Confusion row of each truth value: head class k at k + 1, everything else (background,
        // and classes this head does not have) at 0.
        var truthRow = [Int](repeating: 0, count: 256)
        for (k, tv) in truthValue.enumerated() { if let tv { truthRow[Int(tv)] = k + 1 } }
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: K + 1), count: K + 1)
        var rowPixels = [Int](repeating: 0, count: K + 1)
        for (i, p) in pairs.enumerated() {
            defer { progress?(i + 1, pairs.count) }
            let image: Image, truth: [UInt8]
            do {
                image = try Image.load(path: p.image, as: .rgb8)
                truth = try MaskLabels.load(path: p.mask, width: image.width, height: image.height)
            } catch {
                skipped.append("\(p.image): \(error)")
                continue
            }
            guard let mask = try detector.analyze(image, signalPass: nil).mask else { continue }
            let pred = mask.labelMap(width: image.width, height: image.height, threshold: threshold)
            images += 1
            for r in rowPixels.indices { rowPixels[r] = 0 }
            for j in 0..<pred.count where truth[j] != MaskLabels.ignoreValue {
                let row = truthRow[Int(truth[j])]
                confusion[row][Int(pred[j])] += 1
                rowPixels[row] += 1
            }
            for k in 0..<K where rowPixels[k + 1] > 0 { withTruth[k] += 1 }
        }
        // IoU from the confusion: intersection is the diagonal; union is the class's truth row
        // plus its prediction column, less the diagonal counted twice.
        let per = (0..<K).map { k in
            let c = k + 1
            let inter = truthValue[k] == nil ? 0 : confusion[c][c]
            let uni = truthValue[k] == nil ? 0
                : confusion[c].reduce(0, +) + confusion.reduce(0) { $0 + $1[c] } - confusion[c][c]
            return MaskIoUReport.ClassIoU(name: spec.classNames[k], iou: uni > 0 ? Double(inter) / Double(uni) : nil,
                                          intersection: inter, union: uni, imagesWithTruth: withTruth[k])
        }
        return MaskIoUReport(perClass: per, images: images, skipped: skipped,
                             confusionLabels: ["background"] + spec.classNames, confusion: confusion)
    }
}
