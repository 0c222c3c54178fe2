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

@Suite struct EvaluationTests {
    @Test func perfectDetectionIsAPOne() {
        let r = DetectionEvaluator().evaluate([EvaluationImage(id: "a", groundTruth: [gt(.pedGreen, [10, 10, 50, 90])],
                                                               detections: [det(.pedGreen, 0.9, [10, 10, 50, 90])])])
        #expect(abs(r.map50 - 1) < 1e-9 && abs(r.map50_95 - 1) < 1e-9)
        #expect(r.perClass[.pedGreen]?.count == 1)
    }

    @Test func handComputedInterpolation() {
        // Two truths; ranked TP (0.9), FP (0.8), TP (0.7): precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1.
        // Interpolated: recall 0...0.50 (51 points) -> 1; 0.51...1 (50 points) -> 2/3.
        let im = EvaluationImage(id: "a", groundTruth: [gt(.pedRed, [0, 0, 10, 10]), gt(.pedRed, [100, 100, 120, 130])],
                                 detections: [det(.pedRed, 0.9, [0, 0, 10, 10]), det(.pedRed, 0.8, [50, 50, 60, 60]),
                                              det(.pedRed, 0.7, [100, 100, 120, 130])])
        let r = DetectionEvaluator().evaluate([im])
        let expected = (51.0 + 50.0 * 2.0 / 3.0) / 101.0
        #expect(abs(r.perClass[.pedRed]!.ap50 - expected) < 1e-12)
        #expect(abs(r.perClass[.pedRed]!.curve50.precision[50] - 1) < 1e-12)
        #expect(abs(r.perClass[.pedRed]!.curve50.precision[51] - 2.0 / 3.0) < 1e-9)
    }

    @Test func greedyMatchingByScoreAcrossThresholds() {
        // A (0.9) has IoU 0.62, B (0.8) IoU 0.97 with the one truth. Thresholds <= 0.60: A
        // matches, B is a duplicate (AP 1). Thresholds 0.65...0.95: A misses, B matches at rank
        // 2 (precision 1/2 at recall 1, AP 0.5). AP50:95 = (3 * 1 + 7 * 0.5) / 10.
        let im = EvaluationImage(id: "a", groundTruth: [gt(.crosswalk, [0, 0, 100, 100])],
                                 detections: [det(.crosswalk, 0.9, [0, 0, 100, 62]), det(.crosswalk, 0.8, [0, 0, 100, 97])])
        let c = DetectionEvaluator().evaluate([im]).perClass[.crosswalk]!
        #expect(abs(c.ap50 - 1) < 1e-9)
        #expect(abs(c.ap50_95 - 0.65) < 1e-9)
        #expect(c.apPerIoU.map { ($0 * 100).rounded() / 100 } == [1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    }

    @Test func classesWithoutTruthAreExcludedAndUndetectedClassesScoreZero() {
        let im = EvaluationImage(id: "a", groundTruth: [gt(.pedGreen, [0, 0, 10, 10]), gt(.cone, [20, 20, 30, 30])],
                                 detections: [det(.pedGreen, 0.5, [0, 0, 10, 10]), det(.car, 0.9, [40, 40, 50, 50])])
        let r = DetectionEvaluator().evaluate([im])
        #expect(r.perClass.keys.sorted { $0.rawValue < $1.rawValue } == [.cone, .pedGreen])
        #expect(r.perClass[.cone]!.ap50 == 0)
        #expect(abs(r.map50 - 0.5) < 1e-9)
        #expect(r.classesWithoutGroundTruth == [.car])
    }

    @Test func matchesPycocotoolsOnGeneratedSet() throws {
        struct Fixture: Decodable {
            struct G: Decodable { var `class`: String; var box: [Float] }
            struct Im: Decodable { var id: String; var gt: [G]; var dets: [Detection] }
            struct Ref: Decodable {
                struct C: Decodable { var ap50: Double; var ap50_95: Double }
                var map50: Double; var map50_95: Double; var per_class: [String: C]
            }
            var images: [Im]; var pycocotools: Ref
        }
        let path = packageRoot + "/Tests/WayCueTrainingTests/Fixtures/coco_eval_fixture.json"
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        let images = f.images.map { im in
            EvaluationImage(id: im.id, groundTruth: im.gt.map { gt(ObjectClass($0.class), $0.box) }, detections: im.dets)
        }
        let r = DetectionEvaluator().evaluate(images)
        #expect(abs(r.map50 - f.pycocotools.map50) < 1e-9, "map50 \(r.map50) vs \(f.pycocotools.map50)")
        #expect(abs(r.map50_95 - f.pycocotools.map50_95) < 1e-9, "map50_95 \(r.map50_95) vs \(f.pycocotools.map50_95)")
        #expect(Set(r.perClass.keys.map(\.rawValue)) == Set(f.pycocotools.per_class.keys))
        for (name, ref) in f.pycocotools.per_class {
            let c = try #require(r.perClass[ObjectClass(name)])
            #expect(abs(c.ap50 - ref.ap50) < 1e-9, "\(name) ap50 \(c.ap50) vs \(ref.ap50)")
            #expect(abs(c.ap50_95 - ref.ap50_95) < 1e-9, "\(name) ap50_95 \(c.ap50_95) vs \(ref.ap50_95)")
        }
        #expect(r.map50 > 0.1 && r.map50 < 0.95)  // the fixture is not a degenerate case
    }

    @Test func confusionMatrixWithBackground() {
        let im = EvaluationImage(id: "a",
                                 groundTruth: [gt(.pedGreen, [0, 0, 10, 10]), gt(.pedRed, [50, 50, 60, 60]), gt(.pedRed, [80, 80, 90, 90])],
                                 detections: [det(.pedRed, 0.9, [0, 0, 10, 10]), det(.pedRed, 0.8, [50, 50, 60, 60]),
                                              det(.pedGreen, 0.7, [200, 200, 210, 210]), det(.pedGreen, 0.1, [80, 80, 90, 90])])
        let cm = ConfusionMatrix(images: [im], classes: [.pedGreen, .pedRed])
        #expect(cm.labels == ["ped_green", "ped_red", "background"])
        // rows true, columns predicted
        #expect(cm.counts == [[0, 1, 0], [0, 1, 1], [1, 0, 0]])
    }

    @Test func predictionsFileParsingAndAssignment() throws {
        let text = """
            {"image": "valid/images/a.jpg", "detections": [{"class": "ped_green", "score": 0.9, "box": [1, 2, 3, 4]}]}

            {"image": "b.jpg", "detections": []}
            {"image": "zzz.jpg", "detections": []}
            """
        let p = try PredictionsFile.parse(text, file: "p.jsonl")
        #expect(p.entries.count == 3)
        let a = p.assign(to: ["/d/valid/images/a.jpg", "/d/valid/images/b.jpg"])
        #expect(a.byPath["/d/valid/images/a.jpg"]?.first?.objectClass == .pedGreen)
        #expect(a.byPath["/d/valid/images/b.jpg"] == [])
        #expect(a.unmatched == ["zzz.jpg"])
        do {
            _ = try PredictionsFile.parse("{\"image\": \"a\", \"detections\": []}\n{\"image\": \"a\", \"detections\": [{\"class\": \"x\", \"score\": 1, \"box\": [1, 2]}]}", file: "p.jsonl")
            Issue.record("expected an error")
        } catch let e as DatasetError { #expect(e.line == 2 && e.file == "p.jsonl") }
        do {
            _ = try PredictionsFile.parse("{\"image\": \"a\"}", file: "p.jsonl")
            Issue.record("expected an error")
        } catch let e as DatasetError { #expect(e.line == 1 && e.reason.contains("detections")) }
    }

    @Test func prPlotDrawsCurves() {
        let c = PrecisionRecallCurve(recall: (0...100).map { Double($0) / 100 }, precision: Array(repeating: 1, count: 101),
                                     score: Array(repeating: nil, count: 101))
        let img = PRCurvePlot.render([("a", c)], width: 200, height: 200)
        // The curve at precision 1 runs along the top border row in the first palette colour.
        let o = img.offset(x: 100, y: 24)
        #expect(Array(img.pixels[o..<(o + 3)]) == [230, 25, 75])
        let png = try? img.pngData()
        #expect((png?.count ?? 0) > 100)
    }

    @Test func evaluationRemovesNearDuplicatesOfTrain() throws {
        // Three images: train t, val v1 (same picture as t), val v2 (different).
        let d = makeTempDir()
        func pattern(_ seed: Int) -> Image {
            var im = Image(width: 64, height: 48, format: .rgb8)
            var rng = TestRNG(UInt64(seed))
            for i in 0..<im.pixels.count { im.pixels[i] = UInt8(rng.int(256)) }
            return im
        }
        for sub in ["/train/images", "/valid/images"] {
            try FileManager.default.createDirectory(atPath: d + sub, withIntermediateDirectories: true)
        }
        try pattern(1).write(to: d + "/train/images/t.png")
        try pattern(1).write(to: d + "/valid/images/v1.png")
        try pattern(2).write(to: d + "/valid/images/v2.png")
        write("names: [greenlight]\ntrain: train/images\nval: valid/images\n", to: d + "/data.yaml")
        write("0 0.5 0.5 0.5 0.5", to: d + "/valid/labels/v1.txt")
        write("0 0.5 0.5 0.5 0.5", to: d + "/valid/labels/v2.txt")
        let ds = try YOLODataset.load(path: d, mapping: ClassMapping(map: ["greenlight": .pedGreen]))
        let preds = try PredictionsFile.parse("""
            {"image": "v2.png", "detections": [{"class": "ped_green", "score": 0.8, "box": [16, 12, 48, 36]}]}
            {"image": "v1.png", "detections": []}
            """, file: "p")
        var o = DatasetEvaluation.Options()
        o.jobs = 2
        let (rep, _) = try DatasetEvaluation.run(dataset: ds, predictions: preds, options: o)
        #expect(rep.images == 1 && rep.removed_near_duplicates == 1)
        #expect(abs(rep.map50 - 1) < 1e-9 && rep.per_class["ped_green"]?.count == 1)
        o.nearDuplicateThreshold = nil
        let (rep2, _) = try DatasetEvaluation.run(dataset: ds, predictions: preds, options: o)
        #expect(rep2.images == 2 && rep2.per_class["ped_green"]!.ap50 < 0.99)
        let json = String(decoding: try JSONEncoder().encode(rep), as: UTF8.self)
        #expect(json.contains("\"map50\"") && json.contains("\"map50_95\"") && json.contains("\"per_class\"") && json.contains("\"ap50_95\""))
    }
}
