import Foundation
import WayCueTraining

extension LabelStore {
    /// The folder as training reads it: the frames with the labels folder's YOLO files, class
    /// names from `classes.txt` (the same reader `waycue train` uses for a recipe's
    /// `labels:` entry).
    public func dataset() throws -> LabeledDataset {
        try YOLODataset.load(images: framesFolder, labels: labelsFolder, names: classNames,
                             name: (framesFolder as NSString).lastPathComponent)
    }

    /// Runs `waycue dataset check` on the folder (decodes every frame: near-duplicates,
    /// unreadable images, empty and out-of-range boxes).
    public func check(jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
                      progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> DatasetCheckReport {
        var options = DatasetCheckOptions()
        options.jobs = jobs
        return DatasetChecker(options: options).check(try dataset(), name: (framesFolder as NSString).lastPathComponent,
                                                      progress: progress)
    }
}
