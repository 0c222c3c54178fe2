import ArgumentParser
import Foundation
import WayCueDetector
import WayCueTraining

extension EvalCommand {
    /// Detections of `--model` (or the default model) on the evaluated split: score threshold
    /// 0.05 and up to 100 detections per image, as COCO-style AP expects.
    ///
    /// When the model has a mask head and the split's images have mask files beside them
    /// (`split/masks/NAME.png`, see ``MaskLabels``), it also scores the masks (pixel IoU per class).
    func modelPredictions(dataset: LabeledDataset) throws -> (PredictionsFile, MaskIoUReport?) {
        let detector: Detector
        do {
            detector = try model.map { try Detector(modelPath: $0, threads: 2) } ?? Detector.default(threads: 2)
        } catch DetectorError.noDefaultModel {
            FileHandle.standardError.write(Data("error: \(DetectorError.noDefaultModel); pass --model M.wcm or --predictions FILE\n".utf8))
            throw ExitCode(1)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        detector.useEvaluationThresholds()
        try signal.apply(to: detector, threads: 2)
        let paths = dataset.samples(inSplit: splitParts.joined(separator: "+")).map(\.imagePath)
        let bar = ProgressBar(total: paths.count, label: "detecting")
        let preds = PredictionsFile.detecting(with: detector, imagePaths: paths) { bar.update($0) }
        bar.finish()
        guard detector.maskHead != nil else { return (preds, nil) }
        let pairs = paths.compactMap { p in MaskLabels.maskPath(forImage: p).map { (image: p, mask: $0) } }
        guard !pairs.isEmpty else { return (preds, nil) }
        let maskBar = ProgressBar(total: pairs.count, label: "masks")
        let report = try MaskEvaluation.evaluate(detector: detector, pairs: pairs) { d, _ in maskBar.update(d) }
        maskBar.finish()
        for s in report.skipped { FileHandle.standardError.write(Data("warning: mask not scored: \(s)\n".utf8)) }
        return (preds, report)
    }
}
