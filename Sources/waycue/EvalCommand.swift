import ArgumentParser
import Foundation
import WayCueDetector
import WayCueImage
import WayCueTraining

/// `waycue eval`: COCO-style AP of a model's (or a predictions file's) detections on a split.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "COCO-style AP at IoU 0.5 and 0.5:0.95 per class, PR curves and a confusion matrix.",
        discussion: """
            Evaluates detections on one split of DIR (any dataset folder with a data.yaml, or a \
            VOC/COCO folder), after removing split images that are near-duplicates (8x8 dHash \
            within --hamming bits) of training images. Class names are mapped through --mapping, \
            or datasets/mappings/<folder name>.yaml when it exists.

            Detections come from --predictions, a JSON-lines file with one image a line: \
            {"image": "valid/images/a.jpg", "detections": [{"class": "ped_green", "score": 0.9, "box": [x1, y1, x2, y2]}]} \
            (boxes in the image's pixels; "image" matches by path, path suffix or file name). \
            Without --predictions, runs --model (a .wcm from `waycue export`) or the bundled \
            default model (exit 1 when a build lacks it) on the split.

            With a model that has a mask head, images with mask files (split/masks/NAME.png) are \
            also scored for mask IoU per class and a pixel confusion matrix (`mask_iou`, \
            `mask_confusion` and `mask_images` in --json). \
            --json prints one object: map50, map50_95, per_class ({"ped_green": {"ap50": ..., \
            "ap50_95": ..., "count": ...}}), split, images, removed_near_duplicates, \
            unreadable_images, images_without_predictions, unmatched_predictions, confusion_matrix, \
            and AP at IoU 0.5 by COCO object size in the image's own pixels: ap50_small (area \
            below 32x32), ap50_medium (32x32 up to 96x96), ap50_large (96x96 and up), with \
            count_small, count_medium, count_large, both at the top level (mean over the classes \
            with objects of that size) and in each per_class entry; an AP is null where there \
            is no ground-truth box of that size. Truths of other sizes are ignored, as are \
            unmatched detections of other sizes (COCO's area ranges).

            Exit status: 0 on success, 1 when evaluation cannot run (no model), 2 on bad \
            input or usage.

            Examples:
              waycue eval --data ../shared/datasets/pedestrian-lights-crosswalks --predictions preds.jsonl --json
              waycue eval --data my-set --mapping my-mapping.yaml --split test --predictions p.jsonl --pr-plot pr.png
            """
    )

    @Option(name: .long, help: "Dataset folder (data.yaml layout, VOC or COCO).")
    var data: String

    @OptionGroup var input: DatasetInputOptions

    @Option(name: .long, help: "Split to evaluate: val or test, or several joined by + (val+test: one evaluation over both).")
    var split: String = "val"

    /// The canonical split names `--split` names.
    var splitParts: [String] { split.split(separator: "+").map { SplitName.canonical(String($0)) } }

    @Option(name: .long, help: "Model file (.wcm) to run instead of --predictions.")
    var model: String?

    @OptionGroup var signal: SignalPassFlags

    @Option(name: .long, help: "JSON-lines detections per image (see above).")
    var predictions: String?

    @Option(name: .long, help: "Near-duplicate threshold against train (dHash Hamming bits).")
    var hamming: Int = 6

    @Flag(name: .long, help: "Keep images that are near-duplicates of training images.")
    var keepNearDuplicates = false

    @Option(name: .long, help: "Write precision-recall curves at IoU 0.5 as a PNG.")
    var prPlot: String?

    @Option(name: .long, help: "Write the PR curves and per-IoU APs as JSON.")
    var curves: String?

    @Option(name: .long, help: "Threads decoding images.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    /// An AP with four decimals, or `-` when undefined.
    static func figure(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "-" }

    func validate() throws {
        let parts = split.lowercased().split(separator: "+", omittingEmptySubsequences: false).map(String.init)
        guard !parts.isEmpty, parts.allSatisfy({ ["val", "valid", "validation", "test", "train"].contains($0) }),
              parts.count == 1 || !parts.contains("train") else {
            throw ValidationError("--split must be val or test, or val+test")
        }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() async throws {
        var (dataset, _) = try loadOrExit { try input.load(data) }
        if splitParts.count > 1 {
            // One evaluation over several splits: their images join under the combined name.
            let joined = splitParts.joined(separator: "+"), parts = Set(splitParts)
            for i in dataset.samples.indices where parts.contains(dataset.samples[i].split) { dataset.samples[i].split = joined }
        }
        let preds: PredictionsFile
        var maskReport: MaskIoUReport?
        if let predictions {
            preds = try loadOrExit { try PredictionsFile.load(path: predictions) }
        } else {
            (preds, maskReport) = try modelPredictions(dataset: dataset)
        }
        var options = DatasetEvaluation.Options()
        options.split = splitParts.joined(separator: "+")
        options.nearDuplicateThreshold = keepNearDuplicates ? nil : hamming
        options.jobs = jobs
        let bar = ProgressBar(total: dataset.samples.count, label: "reading")
        let (report, result) = try loadOrExit {
            try DatasetEvaluation.run(dataset: dataset, predictions: preds, options: options) { d, _ in bar.update(d) }
        }
        bar.finish()
        let names = report.per_class.keys.sorted()
        let canonical = Set(ObjectClass.canonical.map(\.rawValue))
        let odd = names.filter { !canonical.contains($0) }
        if !odd.isEmpty {
            FileHandle.standardError.write(Data("""
                warning: ground-truth classes \(odd.joined(separator: ", ")) are not canonical; \
                pass --mapping FILE to map the dataset's names.\n
                """.utf8))
        }
        if let prPlot {
            let img = PRCurvePlot.render(names.map {
                (String(format: "%@ AP50 %.3f", $0, report.per_class[$0]!.ap50), result.perClass[.init($0)]!.curve50)
            })
            try img.write(to: prPlot)
        }
        if let curves {
            let obj = Dictionary(uniqueKeysWithValues: names.map { n in
                let c = result.perClass[.init(n)]!
                return (n, ["recall": c.curve50.recall, "precision": c.curve50.precision, "ap_per_iou": c.apPerIoU] as [String: [Double]])
            })
            try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]).write(to: URL(fileURLWithPath: curves))
        }
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            if let maskReport, var obj = try JSONSerialization.jsonObject(with: try enc.encode(report)) as? [String: Any] {
                // Mask IoU per class ({"tactile_guide": 0.71, ...}; null where neither truth nor
                // prediction has the class) and the images scored.
                obj["mask_iou"] = Dictionary(uniqueKeysWithValues: maskReport.perClass.map { ($0.name, $0.iou.map { $0 as Any } ?? NSNull()) })
                obj["mask_images"] = maskReport.images
                // Pixel confusion: rows true, columns predicted, in mask_confusion.labels' order.
                obj["mask_confusion"] = ["labels": maskReport.confusionLabels, "counts": maskReport.confusion] as [String: Any]
                print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self))
            } else {
                print(String(decoding: try enc.encode(report), as: UTF8.self))
            }
        } else {
            print("split \(report.split): \(report.images) images evaluated, \(report.removed_near_duplicates) removed as near-duplicates of train")
            print(String(format: "mAP50 %.4f   mAP50-95 %.4f", report.map50, report.map50_95))
            print("AP50 by size (small < 32² px <= medium < 96² px <= large): "
                  + "small \(Self.figure(report.ap50_small)) (\(report.count_small ?? 0) boxes)  "
                  + "medium \(Self.figure(report.ap50_medium)) (\(report.count_medium ?? 0))  "
                  + "large \(Self.figure(report.ap50_large)) (\(report.count_large ?? 0))")
            for n in names {
                let c = report.per_class[n]!
                print(String(format: "  %-16@ AP50 %.4f  AP50-95 %.4f  boxes %d", n as NSString, c.ap50, c.ap50_95, c.count)
                      + "  S/M/L \(Self.figure(c.ap50_small))/\(Self.figure(c.ap50_medium))/\(Self.figure(c.ap50_large))"
                      + " (\(c.count_small ?? 0)/\(c.count_medium ?? 0)/\(c.count_large ?? 0))")
            }
            let cm = report.confusion_matrix
            print("confusion matrix (rows true, columns predicted, score >= \(cm.scoreThreshold)):")
            print("  " + cm.labels.joined(separator: " | "))
            for (l, row) in zip(cm.labels, cm.counts) { print("  \(l): " + row.map(String.init).joined(separator: " ")) }
            if let maskReport {
                print("mask IoU (\(maskReport.images) images with masks): " + maskReport.perClass.map {
                    "\($0.name) \(Self.figure($0.iou))"
                }.joined(separator: "  "))
                print("mask pixel confusion (rows true, columns predicted, share of the row's pixels):")
                print("  " + maskReport.confusionLabels.joined(separator: " | "))
                for (t, label) in maskReport.confusionLabels.enumerated() {
                    print("  \(label): " + maskReport.confusionLabels.indices.map {
                        maskReport.confusionShare(truth: t, predicted: $0).map { String(format: "%.3f", $0) } ?? "-"
                    }.joined(separator: " "))
                }
            }
            if report.images_without_predictions > 0 || report.unmatched_predictions > 0 {
                print("\(report.images_without_predictions) images had no prediction line; \(report.unmatched_predictions) prediction lines were for removed or unknown images")
            }
        }
    }
}
