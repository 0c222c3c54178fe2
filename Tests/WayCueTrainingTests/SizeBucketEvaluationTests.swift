import Foundation
import Testing
import WayCueDetector
import WayCueImage
@testable import WayCueTraining

private func det(_ c: ObjectClass, _ s: Float, _ b: [Float]) -> Detection {
    Detection(objectClass: c, score: s, box: Box(x1: b[0], y1: b[1], x2: b[2], y2: b[3]))
}
private func gt(_ c: ObjectClass, _ b: [Float]) -> (objectClass: ObjectClass, box: Box) {
    (c, Box(x1: b[0], y1: b[1], x2: b[2], y2: b[3]))
}
/// Whether an AP is defined and within 1e-9 of `b` (precision is tp / (tp + fp + eps), as in
/// pycocotools, so a perfect AP reads 1 - 1e-16).
private func near(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) < 1e-9 } ?? false }

/// AP50 per COCO size bucket: hand-built cases whose bucket APs are known exactly.
@Suite struct SizeBucketEvaluationTests {
    @Test func bucketBoundaries() {
        #expect(SizeBucket.of(area: 0) == .small)
        #expect(SizeBucket.of(area: 1023.99) == .small)
        #expect(SizeBucket.of(area: 1024) == .medium)
        #expect(SizeBucket.of(area: 9215.99) == .medium)
        #expect(SizeBucket.of(area: 9216) == .large)
        #expect(SizeBucket.of(Box(x1: 0, y1: 0, x2: 32, y2: 32)) == .medium)
        #expect(SizeBucket.of(Box(x1: 0, y1: 0, x2: 31, y2: 32)) == .small)
        #expect(SizeBucket.allCases.sorted() == [.small, .medium, .large])
    }

    @Test func smallMatchedAndLargeMissed() {
        // One 10x10 truth found, one 100x100 truth missed. Overall AP50: a TP at rank 1 with
        // recall 1/2, so precision 1 up to recall 0.5 (51 of 101 points).
        let im = EvaluationImage(id: "a", groundTruth: [gt(.pedGreen, [0, 0, 10, 10]), gt(.pedGreen, [200, 200, 300, 300])],
                                 detections: [det(.pedGreen, 0.9, [0, 0, 10, 10])])
        let r = DetectionEvaluator().evaluate([im])
        let c = r.perClass[.pedGreen]!
        #expect(abs(c.ap50 - 51.0 / 101.0) < 1e-12)
        #expect(near(c.ap50(.small), 1))
        #expect(c.ap50(.medium) == nil)
        #expect(near(c.ap50(.large), 0))
        #expect(c.countBySize == [.small: 1, .medium: 0, .large: 1])
        #expect(near(r.map50(.small), 1) && r.map50(.medium) == nil && near(r.map50(.large), 0))
    }

    @Test func falsePositiveOfAnotherSizeDoesNotHurt() {
        // A large false positive outranks the small true positive: overall precision 1/2 at
        // recall 1 (AP 0.5); for the small bucket the large detection is ignored (AP 1).
        let truth = [gt(.pedRed, [0, 0, 10, 10])]
        let im = EvaluationImage(id: "a", groundTruth: truth,
                                 detections: [det(.pedRed, 0.9, [300, 300, 400, 400]), det(.pedRed, 0.5, [0, 0, 10, 10])])
        let r = DetectionEvaluator().evaluate([im])
        #expect(abs(r.perClass[.pedRed]!.ap50 - 0.5) < 1e-12)
        #expect(near(r.perClass[.pedRed]!.ap50(.small), 1))
        #expect(r.perClass[.pedRed]!.ap50(.large) == nil)  // no large truth: undefined, not 0
        // A small false positive does count against the small bucket.
        let im2 = EvaluationImage(id: "b", groundTruth: truth,
                                  detections: [det(.pedRed, 0.9, [50, 50, 60, 60]), det(.pedRed, 0.5, [0, 0, 10, 10])])
        #expect(near(DetectionEvaluator().evaluate([im2]).perClass[.pedRed]!.ap50(.small), 0.5))
    }

    @Test func classWithoutSmallTruthIsNilAndLeftOutOfTheMean() {
        let im = EvaluationImage(id: "a",
                                 groundTruth: [gt(.pedGreen, [0, 0, 10, 10]), gt(.crosswalk, [0, 100, 300, 200])],
                                 detections: [det(.pedGreen, 0.8, [0, 0, 10, 10])])
        let r = DetectionEvaluator().evaluate([im])
        #expect(r.perClass[.crosswalk]!.ap50(.small) == nil)
        #expect(near(r.perClass[.crosswalk]!.ap50(.large), 0))
        #expect(r.perClass[.pedGreen]!.ap50(.large) == nil)
        #expect(near(r.map50(.small), 1))  // the mean over pedGreen only, not (1 + 0) / 2
        #expect(near(r.map50(.large), 0))
        #expect(r.map50(.medium) == nil)
        #expect(abs(r.map50 - 0.5) < 1e-12)
    }

    @Test func detectionPrefersATruthOfTheBucket() {
        // S (30x30, small) and M (30x40, medium) overlap. D (30x38) has IoU 0.95 with M and
        // 0.79 with S. Over all sizes D takes M and S is missed (AP 51/101). In the small
        // bucket M is ignored and D takes S, as pycocotools does (AP 1); in the medium bucket
        // D takes M (AP 1).
        let im = EvaluationImage(id: "a", groundTruth: [gt(.cone, [0, 0, 30, 40]), gt(.cone, [0, 0, 30, 30])],
                                 detections: [det(.cone, 0.7, [0, 0, 30, 38])])
        let c = DetectionEvaluator().evaluate([im]).perClass[.cone]!
        #expect(abs(c.ap50 - 51.0 / 101.0) < 1e-12)
        #expect(near(c.ap50(.small), 1))
        #expect(near(c.ap50(.medium), 1))
        #expect(c.ap50(.large) == nil)
    }

    @Test func detectionMatchedToAnIgnoredTruthIsNeitherTPNorFP() {
        // Medium bucket: the only medium truth is found at rank 2; the rank-1 detection matches
        // the small truth, which the medium bucket ignores, so it is not a false positive.
        let im = EvaluationImage(id: "a", groundTruth: [gt(.car, [0, 0, 10, 10]), gt(.car, [100, 100, 150, 150])],
                                 detections: [det(.car, 0.9, [0, 0, 10, 10]), det(.car, 0.8, [100, 100, 150, 150])])
        let c = DetectionEvaluator().evaluate([im]).perClass[.car]!
        #expect(near(c.ap50(.medium), 1) && near(c.ap50(.small), 1) && abs(c.ap50 - 1) < 1e-12)
    }

    @Test func reportAndJSONCarryTheBuckets() throws {
        // One 64x48 image with a 32x24 box (768 px², small).
        let d = makeTempDir()
        try FileManager.default.createDirectory(atPath: d + "/valid/images", withIntermediateDirectories: true)
        try Image(width: 64, height: 48, format: .rgb8, fill: 90).write(to: d + "/valid/images/v.png")
        write("names: [greenlight]\nval: valid/images\n", to: d + "/data.yaml")
        write("0 0.5 0.5 0.5 0.5", to: d + "/valid/labels/v.txt")
        let ds = try YOLODataset.load(path: d, mapping: ClassMapping(map: ["greenlight": .pedGreen]))
        let preds = try PredictionsFile.parse("""
            {"image": "v.png", "detections": [{"class": "ped_green", "score": 0.8, "box": [16, 12, 48, 36]}]}
            """, file: "p")
        var o = DatasetEvaluation.Options()
        o.jobs = 1
        let (rep, _) = try DatasetEvaluation.run(dataset: ds, predictions: preds, options: o)
        #expect(near(rep.ap50_small, 1) && rep.ap50_medium == nil && rep.ap50_large == nil)
        #expect(rep.count_small == 1 && rep.count_medium == 0 && rep.count_large == 0)
        let f = rep.per_class["ped_green"]!
        #expect(near(f.ap50_small, 1) && f.ap50_medium == nil && f.count_small == 1)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let json = String(decoding: try enc.encode(rep), as: UTF8.self)
        for key in ["map50", "map50_95", "per_class", "split", "images", "removed_near_duplicates", "unreadable_images",
                    "images_without_predictions", "unmatched_predictions", "confusion_matrix", "ap50_95", "count"] {
            #expect(json.contains("\"\(key)\":"), "missing \(key)")
        }
        #expect(json.contains("\"ap50_small\":0.99") || json.contains("\"ap50_small\":1"))
        #expect(json.contains("\"ap50_medium\":null") && json.contains("\"ap50_large\":null"))
        #expect(json.components(separatedBy: "\"ap50_large\":null").count == 3)  // top level and per class
        #expect(json.contains("\"count_small\":1"))
        // Decoding the JSON back gives the same report.
        #expect(try JSONDecoder().decode(DatasetEvaluation.Report.self, from: Data(json.utf8)) == rep)
    }
}
