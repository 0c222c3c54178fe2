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
    /// close-ups finds nothing. The bundled detector runs with its signal pass. The shipped
    /// model does not reach the target yet (measured mAP50 0.001): the shortfall is a known
    /// issue, recorded here so that this test reports when a model meets the target.
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
        withKnownIssue("issue 18: the shipped model finds almost no street lights (mAP50 0.001 with the signal pass)") {
            #expect(report.map50 >= DefaultModelFloors.streetTargetMAP50, "street mAP50 \(report.map50) < target \(DefaultModelFloors.streetTargetMAP50)")
            #expect(small >= DefaultModelFloors.streetTargetMAP50, "street ap50_small \(small) < target")
        }
    }
}

/// Floors: the figures measured on the committed model, less 3-5 points (kernels chosen at run
/// time, AVX-512, AVX2 or portable C, may round differently, and the splits are small).
/// Measured with this test on 2026-12-02 (32-epoch model): pedestrian clean list 104 images, mAP50
/// 0.923 (crosswalk 0.986, ped_red 0.905, ped_green 0.880); vehicle 200 images, mAP50 0.846
/// (vehicle_red 0.860, vehicle_green 0.843, vehicle_yellow 0.834).
enum DefaultModelFloors {
    static let pedestrianMAP50 = 0.88
    static let pedestrianClasses: [String: Double] = ["crosswalk": 0.94, "ped_red": 0.86, "ped_green": 0.83]
    static let vehicleMAP50 = 0.80
    static let vehicleClasses: [String: Double] = ["vehicle_red": 0.82, "vehicle_green": 0.80, "vehicle_yellow": 0.78]
    /// Issue 18's target on the street set (valid + test, int8); not met by the shipped model.
    static let streetTargetMAP50 = 0.50
}
