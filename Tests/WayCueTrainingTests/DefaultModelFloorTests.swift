import Foundation
import Testing
import WayCueDetector
import WayCueImage
@testable import WayCueTraining

/// The bundled default model must hold its measured accuracy on the real validation splits,
/// with leaks removed: the pedestrian set's clean list (`keep_only` in the recipe) and, for
/// every set, images that are near-duplicates (dHash within 6 bits) of a training image.
/// The floors sit a few points under the figures measured when the model was committed (see
/// its model card), so a regression in the engine, the int8 path, the letterbox or the
/// decoder fails here.
@Suite struct DefaultModelFloorTests {
    /// mAP50 floors per dataset, and AP50 floors for the classes the cue layer relies on.
    static let floors: [String: (map50: Double, classes: [String: Double])] = [
        "pedestrian-lights-crosswalks": (map50: DefaultModelFloors.pedestrianMAP50,
                                         classes: DefaultModelFloors.pedestrianClasses),
        "vehicle-traffic-lights": (map50: DefaultModelFloors.vehicleMAP50,
                                   classes: DefaultModelFloors.vehicleClasses),
    ]

    @Test func defaultModelLoadsFromTheBundleWithItsCard() throws {
        let detector = try Detector.default(threads: 1)
        #expect(detector.isQuantized)
        #expect(detector.inputWidth == 320 && detector.inputHeight == 320)
        let canonical = Set(ObjectClass.canonical.map(\.rawValue))
        #expect(detector.classNames.allSatisfy { canonical.contains($0) })
        let card = try #require(Detector.defaultModelCard)
        // The card credits every dataset the model was trained on.
        for name in ["pedestrian-lights-crosswalks", "vehicle-traffic-lights", "tactile-tiles", "synthetic"] {
            #expect(card.contains(name), "model card does not mention \(name)")
        }
    }

    @Test(.enabled(if: sharedDatasets != nil, "needs ../shared/datasets (the real validation photographs)"))
    func defaultModelHoldsItsFloorOnDeduplicatedValidationSplits() throws {
        let recipe = try Recipe.load(path: packageRoot + "/datasets/recipes/default.yaml")
        let all = try recipe.loadDataset()
        let detector = try Detector.default(threads: 2)
        detector.useEvaluationThresholds()  // the settings `waycue eval --model` uses
        for (source, floor) in Self.floors.sorted(by: { $0.key < $1.key }) {
            var ds = all
            ds.samples = all.samples.filter { $0.source == source }
            if source == "vehicle-traffic-lights" {
                // The detector boxes the lit lamp, as the street photographs do; this set boxes
                // the housing, so its truth is moved to the lamp first (`waycue dataset lamp-boxes`).
                ds.samples = try ds.samples.map { $0.split == "val" ? try LampBoxes.convert($0) : $0 }
            }
            let paths = ds.samples(inSplit: "val").map(\.imagePath)
            #expect(!paths.isEmpty, "\(source) has no val images")
            let preds = PredictionsFile.detecting(with: detector, imagePaths: paths)
            var options = DatasetEvaluation.Options()
            options.split = "val"
            let (report, _) = try DatasetEvaluation.run(dataset: ds, predictions: preds, options: options)
            let perClass = report.per_class.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.3f", $0.value.ap50))" }.joined(separator: ", ")
            print("default model on \(source) val: \(report.images) images (\(report.removed_near_duplicates) near-duplicates removed), mAP50 \(String(format: "%.3f", report.map50)); \(perClass)")
            #expect(report.unreadable_images == 0)
            #expect(report.map50 >= floor.map50, "\(source): mAP50 \(report.map50) < floor \(floor.map50)")
            for (cls, f) in floor.classes {
                let ap = report.per_class[cls]?.ap50 ?? 0
                #expect(ap >= f, "\(source) \(cls): AP50 \(ap) < floor \(f)")
            }
        }
    }
}

extension DefaultModelFloorTests {
    /// The street set (`vehicle-lights-kr-street`, valid and test together, lights mapped to
    /// `vehicle_*`): street photographs with lights 5-20 px wide, where a model trained on
    /// close-ups found nothing (0.001). The bundled detector runs with its signal pass. The
    /// shipped model holds a floor under its measured 0.174 and does not reach the target yet:
    /// the shortfall is a known issue, recorded here so that this test reports when a model
    /// meets the target.
    @Test(.enabled(if: sharedDatasets.map { FileManager.default.fileExists(atPath: $0 + "/vehicle-lights-kr-street/data.yaml") } ?? false,
                   "needs ../shared/datasets/vehicle-lights-kr-street (the street photographs)"))
    func defaultModelFindsLightsOnStreetPhotographs() throws {
        let mapping = try ClassMapping.load(path: packageRoot + "/datasets/mappings/vehicle-lights-kr-street.yaml", taxonomy: .canonical)
        var ds = try DatasetLoader.load(path: sharedDatasets! + "/vehicle-lights-kr-street", format: .yolo, mapping: mapping)
        for i in ds.samples.indices where ["val", "test"].contains(ds.samples[i].split) { ds.samples[i].split = "val+test" }
        let detector = try Detector.default(threads: 2)
        detector.signalPass = SignalPassOptions()
        detector.useEvaluationThresholds()
        let paths = ds.samples(inSplit: "val+test").map(\.imagePath)
        #expect(paths.count >= 20)
        let preds = PredictionsFile.detecting(with: detector, imagePaths: paths)
        var options = DatasetEvaluation.Options()
        options.split = "val+test"
        let (report, _) = try DatasetEvaluation.run(dataset: ds, predictions: preds, options: options)
        print("default model on the street set (val+test): \(report.images) images, mAP50 \(String(format: "%.3f", report.map50)), ap50_small \(report.ap50_small.map { String(format: "%.3f", $0) } ?? "-")")
        #expect(report.images >= 20 && report.unreadable_images == 0)
        let small = try #require(report.ap50_small, "the street lights are small objects: ap50_small must be defined")
        #expect(report.map50 >= DefaultModelFloors.streetMAP50, "street mAP50 \(report.map50) < floor \(DefaultModelFloors.streetMAP50)")
        withKnownIssue("issue 18: the shipped model finds some street lights (mAP50 0.174 with the signal pass), short of the target") {
            #expect(report.map50 >= DefaultModelFloors.streetTargetMAP50, "street mAP50 \(report.map50) < target \(DefaultModelFloors.streetTargetMAP50)")
            #expect(small >= DefaultModelFloors.streetTargetMAP50, "street ap50_small \(small) < target")
        }
    }
}

/// Floors: the figures measured on the committed model, less 3-5 points (kernels chosen at run
/// time, AVX-512, AVX2 or portable C, may round differently, and the splits are small).
/// Measured with `scripts/street-eval` on 2026-12-08 (the model fine-tuned for lamp boxes):
/// pedestrian clean list 115 images, mAP50 0.907 (crosswalk 0.984, ped_red 0.868, ped_green
/// 0.868); vehicle 200 images with boxes moved to the lit lamp, mAP50 0.542 (vehicle_red 0.530,
/// vehicle_green 0.542, vehicle_yellow 0.553); street set with the signal pass, 26 images,
/// mAP50 0.174.
enum DefaultModelFloors {
    static let pedestrianMAP50 = 0.87
    static let pedestrianClasses: [String: Double] = ["crosswalk": 0.94, "ped_red": 0.83, "ped_green": 0.83]
    static let vehicleMAP50 = 0.50
    static let vehicleClasses: [String: Double] = ["vehicle_red": 0.49, "vehicle_green": 0.50, "vehicle_yellow": 0.50]
    /// The street set (valid + test, int8, signal pass): what the shipped model holds.
    static let streetMAP50 = 0.14
    /// Issue 18's target on the street set (valid + test, int8); not met by the shipped model.
    static let streetTargetMAP50 = 0.50
}
