import Foundation
import WayCueImage

/// Settings for ``DatasetChecker``.
public struct DatasetCheckOptions: Sendable {
    /// Near-duplicate Hamming threshold on the 64-bit dHash (default 6).
    public var hammingThreshold: Int = 6
    /// Threads reading images.
    public var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Examples kept per problem kind.
    public var maxExamples: Int = 20
    /// Duplicate groups listed in the report.
    public var maxGroups: Int = 50
    /// Creates default options.
    public init() {}
}

/// Checks a ``LabeledDataset``: reads every image once (size, dHash, byte hash), then reports
/// missing or unreadable images, bad boxes, unknown classes, duplicates and size histograms.
public struct DatasetChecker: Sendable {
    /// The options.
    public var options: DatasetCheckOptions

    /// Creates a checker.
    public init(options: DatasetCheckOptions = DatasetCheckOptions()) { self.options = options }

    /// Checks a dataset. `progress(done, total)` is called as images are read.
    public func check(_ dataset: LabeledDataset, name: String,
                      progress: (@Sendable (Int, Int) -> Void)? = nil) -> DatasetCheckReport {
        let start = Date()
        let scans = ImageScan.scan(paths: dataset.samples.map(\.imagePath), jobs: options.jobs, progress: progress)
        var report = Self.analyze(dataset, scans: scans, name: name, options: options)
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    /// Builds the report from already scanned images (one scan per sample, same order).
    public static func analyze(_ dataset: LabeledDataset, scans: [ImageScanResult], name: String,
                               options: DatasetCheckOptions) -> DatasetCheckReport {
        func list(_ ps: [DatasetCheckReport.Problem]) -> DatasetCheckReport.ProblemList {
            .init(count: ps.count, examples: Array(ps.prefix(options.maxExamples)))
        }
        var images: [String: Int] = [:]
        var classCounts: [String: [String: Int]] = [:]
        var withoutBoxes = 0, boxes = 0, polygons = 0, unknownSize = 0
        var empty: [DatasetCheckReport.Problem] = [], outOfRange: [DatasetCheckReport.Problem] = []
        var unknown: [DatasetCheckReport.Problem] = [], missing: [DatasetCheckReport.Problem] = []
        var unreadable: [DatasetCheckReport.Problem] = []
        var sizes: [String: Int] = [:]
        var coco = ["small": 0, "medium": 0, "large": 0]
        let sideNames = ["<8", "8-16", "16-32", "32-64", "64-128", "128-256", "256-512", ">=512"]
        var side = Dictionary(uniqueKeysWithValues: sideNames.map { ($0, 0) })
        let tol: Float = 0.001
        for (s, scan) in zip(dataset.samples, scans) {
            images[s.split, default: 0] += 1
            if s.boxes.isEmpty { withoutBoxes += 1 }
            if let e = scan.error {
                let p = DatasetCheckReport.Problem(file: s.imagePath, line: nil, reason: e)
                if scan.missing { missing.append(p) } else { unreadable.append(p) }
            }
            let size = scan.size ?? s.size
            if let size { sizes["\(size.width)x\(size.height)", default: 0] += 1 }
            let labelFile = s.labelPath ?? s.imagePath
            for b in s.boxes {
                boxes += 1
                if b.fromPolygon { polygons += 1 }
                classCounts[s.split, default: [:]][b.objectClass?.rawValue ?? "?\(b.sourceClass)", default: 0] += 1
                if b.objectClass == nil {
                    unknown.append(.init(file: labelFile, line: b.line, reason: "unknown class '\(b.sourceClass)'"))
                }
                if !(b.box.x2 > b.box.x1 && b.box.y2 > b.box.y1) {
                    empty.append(.init(file: labelFile, line: b.line, reason: "empty box \(b.box)"))
                    continue
                }
                if b.box.x1 < -tol || b.box.y1 < -tol || b.box.x2 > 1 + tol || b.box.y2 > 1 + tol {
                    outOfRange.append(.init(file: labelFile, line: b.line, reason: "box \(b.box) reaches outside the image"))
                }
                guard let size else { unknownSize += 1; continue }
                let pb = b.box.clipped(width: 1, height: 1)
                let area = Double(pb.width) * Double(size.width) * Double(pb.height) * Double(size.height)
                coco[area < 32 * 32 ? "small" : area < 96 * 96 ? "medium" : "large", default: 0] += 1
                let sd = area.squareRoot()
                var k = 0
                var edge = 8.0
                while k < sideNames.count - 1 && sd >= edge { k += 1; edge *= 2 }
                side[sideNames[k], default: 0] += 1
            }
        }
        var labelProblems: [DatasetCheckReport.Problem] = []
        for p in dataset.problems where p.kind != .unknownClass {
            if p.reason == "label file has no image" {
                missing.append(.init(file: p.file, line: p.line, reason: "label file has no image"))
            } else {
                labelProblems.append(.init(file: p.file, line: p.line, reason: (p.field.map { "\($0): " } ?? "") + p.reason))
            }
        }
        let dups = duplicates(dataset, scans: scans, options: options)
        return DatasetCheckReport(
            dataset: name, images: images, imagesWithoutBoxes: withoutBoxes, boxes: boxes, polygonBoxes: polygons,
            classCounts: classCounts, labelProblems: list(labelProblems), missingImages: list(missing),
            unreadableImages: list(unreadable), emptyBoxes: list(empty), outOfRangeBoxes: list(outOfRange),
            unknownClassBoxes: list(unknown), imageSizes: sizes,
            boxSizes: .init(coco: coco, side: side, unknownSize: unknownSize),
            duplicates: dups, seconds: 0, jobs: options.jobs)
    }

    static func duplicates(_ dataset: LabeledDataset, scans: [ImageScanResult],
                           options: DatasetCheckOptions) -> DatasetCheckReport.Duplicates {
        let hashed = scans.indices.filter { scans[$0].dHash != nil }
        let nearGroups = NearDuplicates.groups(hashed.map { scans[$0].dHash! }, threshold: options.hammingThreshold)
            .map { $0.map { hashed[$0] } }
        var exact: [UInt64: [Int]] = [:]
        for (i, s) in scans.enumerated() { if let h = s.contentHash { exact[h, default: []].append(i) } }
        let exactGroups = exact.values.filter { $0.count > 1 }
        func group(_ g: [Int]) -> DatasetCheckReport.DuplicateGroup {
            let splits = Set(g.map { dataset.samples[$0].split }).sorted()
            return .init(images: g.map { dataset.samples[$0].imagePath }, splits: splits, spansSplits: splits.count > 1)
        }
        let groups = nearGroups.map(group)
        // Eval images with a train near-duplicate (direct distance, not via chains).
        let trainIdx = hashed.filter { dataset.samples[$0].split == "train" }
        let trainHashes = trainIdx.map { scans[$0].dHash! }
        var leaking: [String: Int] = [:]
        var clean: [String: [String]] = [:]
        for split in Set(dataset.samples.map(\.split)) where split != "train" {
            let idx = hashed.filter { dataset.samples[$0].split == split }
            let m = NearDuplicates.matches(idx.map { scans[$0].dHash! }, in: trainHashes, threshold: options.hammingThreshold)
            leaking[split] = m.filter { $0 }.count
            clean[split] = zip(idx, m).filter { !$0.1 }.map { dataset.samples[$0.0].imagePath }
        }
        let sorted = groups.filter(\.spansSplits) + groups.filter { !$0.spansSplits }
        return .init(
            hammingThreshold: options.hammingThreshold,
            exactGroups: exactGroups.count,
            exactGroupsSpanningSplits: exactGroups.map(group).filter(\.spansSplits).count,
            nearGroups: groups.count, nearGroupsSpanningSplits: groups.filter(\.spansSplits).count,
            imagesInNearGroups: nearGroups.reduce(0) { $0 + $1.count },
            evalImagesLeakingFromTrain: leaking, groups: Array(sorted.prefix(options.maxGroups)), cleanEvalImages: clean)
    }
}
