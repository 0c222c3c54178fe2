import ArgumentParser
import Foundation
import WayCueDetector
import WayCueTraining

extension EvalCommand {
    /// Detections of `--model` (or the default model) on the evaluated split: score threshold
    /// 0.05 and up to 100 detections per image, as COCO-style AP expects.
    func modelPredictions(dataset: LabeledDataset) throws -> PredictionsFile {
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
        return preds
    }
}
