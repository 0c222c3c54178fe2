import Foundation
import Testing
import WayCueDetector
import WayCueImage
import WayCueNN
@testable import WayCueTraining

/// Partial labels across merged datasets: what a dataset does not annotate is neither positive
/// nor negative, teacher pseudo-labels add classes, low-confidence teacher boxes are ignored.
@Suite struct PartialLabelTests {
    @Test func ignoredClassesGetNoLossOrGradient() {
        let dec = DistributionBoxDecoder(classCount: 3, regMax: 4, strides: [8, 16, 32])
        let priors = Prior.all(dec, width: 64, height: 64)
        let V = dec.valuesPerCell
        var rng = SplitMix64(seed: 5)
        let pred = (0..<(priors.count * V)).map { _ in rng.nextFloat(in: -2...2) }
        let targets = [TargetBox(box: Box(x1: 4, y1: 6, x2: 30, y2: 28), classIndex: 0)]
        let loss = DetectionLoss(decoder: dec)
        let a = pred.withUnsafeBufferPointer { loss.assign($0.baseAddress!, priors: priors, targets: targets) }
        // Class 2 is not annotated anywhere; class 1 is ignored in one box; class 0 in the target's own box.
        let sample = AugmentedSample(image: Image(width: 64, height: 64, format: .rgb8, fill: 0), targets: targets,
                                     regions: [AnnotatedRegion(rect: Box(x1: 0, y1: 0, x2: 64, y2: 64), annotated: [true, true, false])],
                                     ignores: [TargetBox(box: Box(x1: 32, y1: 32, x2: 64, y2: 64), classIndex: 1),
                                               TargetBox(box: Box(x1: 4, y1: 6, x2: 30, y2: 28), classIndex: 0)])
        let masks = sample.ignoreMasks(priors: priors, classCount: 3)!
        func run(_ m: [UInt64]?) -> ([Float], LossTerms) {
            var g = [Float](repeating: 0, count: pred.count)
            let t = pred.withUnsafeBufferPointer { p in
                g.withUnsafeMutableBufferPointer {
                    loss.loss(p.baseAddress!, grad: $0.baseAddress!, priors: priors, targets: targets, assignment: a,
                              positives: Double(a.positives), weightSum: a.weightSum, ignore: m)
                }
            }
            return (g, t)
        }
        let (full, fullTerms) = run(nil)
        let (partial, partialTerms) = run(masks)
        #expect(partialTerms.qfl < fullTerms.qfl)
        #expect(partialTerms.dfl == fullTerms.dfl && partialTerms.giou == fullTerms.giou, "box losses do not depend on class masks")
        var positivesSeen = 0
        for (i, p) in priors.enumerated() {
            #expect(partial[i * V + 2] == 0, "unannotated class 2 got a gradient at prior \(i)")
            let inIgnore = p.cx >= 32 && p.cy >= 32
            if inIgnore { #expect(partial[i * V + 1] == 0) } else { #expect(partial[i * V + 1] == full[i * V + 1]) }
            if a.gtIndex[i] >= 0 {
                // A positive of class 0 inside an ignore box of class 0 still learns it.
                positivesSeen += 1
                #expect(partial[i * V] == full[i * V] && partial[i * V] != 0)
            }
            // Box logits are untouched by class masks.
            for v in 3..<V { #expect(partial[i * V + v] == full[i * V + v]) }
        }
        #expect(positivesSeen > 0)
    }

    @Test func regionsFollowTheirPhotoInAMosaic() {
        var cfg = AugmentationConfig.none
        cfg.mosaic = 1
        let aug = Augmenter(config: cfg, size: 64)
        let img = Image(width: 32, height: 32, format: .rgb8, fill: 50)
        let partial = SourceImage(image: img, boxes: [], flipOK: true, annotated: [true, false])
        let full = SourceImage(image: img, boxes: [TargetBox(box: Box(x1: 2, y1: 2, x2: 30, y2: 30), classIndex: 1)], flipOK: true)
        var rng = SplitMix64(seed: 1)
        let s = aug.make([partial, full, full, partial], rng: &rng)
        #expect(s.regions.count == 4)
        #expect(s.regions[0].annotated == [true, false] && s.regions[1].annotated == nil)
        let dec = DistributionBoxDecoder(classCount: 2, regMax: 4, strides: [8, 16, 32])
        let priors = Prior.all(dec, width: 64, height: 64)
        let masks = s.ignoreMasks(priors: priors, classCount: 2)!
        for (i, p) in priors.enumerated() {
            func inside(_ r: AnnotatedRegion) -> Bool {
                let x = p.cx, y = p.cy
                return x >= r.rect.x1 && x < r.rect.x2 && y >= r.rect.y1 && y < r.rect.y2
            }
            let inPartial = inside(s.regions[0]) || inside(s.regions[3])
            #expect((masks[i] & 2 != 0) == inPartial, "prior \(i) at (\(p.cx), \(p.cy))")
            #expect(masks[i] & 1 == 0)
        }
        // Fully annotated photos only: no masks at all (the loss runs as before).
        var rng2 = SplitMix64(seed: 1)
        #expect(aug.make([full], rng: &rng2).ignoreMasks(priors: priors, classCount: 2) == nil)
    }

    @Test func boxesCutByACropBecomeIgnoreRegions() {
        var cfg = AugmentationConfig.none
        cfg.minVisible = 0.5
        let aug = Augmenter(config: cfg, size: 32)
        let img = Image(width: 32, height: 32, format: .rgb8, fill: 50)
        // Shifted so that the box keeps 25% of its area.
        let src = SourceImage(image: img, boxes: [TargetBox(box: Box(x1: 0, y1: 0, x2: 8, y2: 8), classIndex: 0)], flipOK: true)
        var canvas = img
        let r = aug.place(src, into: &canvas, clip: Box(x1: 0, y1: 0, x2: 32, y2: 32), sx: 1, sy: 1, tx: -4, ty: -4, flip: false)
        #expect(r.targets.isEmpty && r.ignores.count == 1)
        #expect(r.ignores[0].box == Box(x1: 0, y1: 0, x2: 4, y2: 4))
    }

    @Test func pseudoLabelsParseAndApply() throws {
        let text = "# image class cx cy w h score\na.jpg person 0.5 0.5 0.2 0.4 0.9\na.jpg car 0.2 0.2 0.1 0.1 0.3\na.jpg car 0.8 0.8 0.1 0.1 0.1\nb.jpg\n"
        let p = try PseudoLabels.parse(text: text, file: "t.txt", taxonomy: .canonical)
        #expect(p.byImage["a.jpg"]?.count == 3 && p.byImage["b.jpg"] == [])
        let ped: Set<ObjectClass> = [ObjectClass("ped_red")]
        var samples = ["a.jpg", "b.jpg", "c.jpg"].map {
            LabeledSample(source: "s", split: "train", imagePath: "/x/" + $0, boxes: [], annotatedClasses: ped)
        }
        p.apply(to: &samples, classes: [ObjectClass("person"), ObjectClass("car")], keep: 0.5, ignore: 0.25)
        #expect(samples[0].boxes.map(\.objectClass) == [ObjectClass("person")])
        #expect(samples[0].ignoreBoxes.map(\.objectClass) == [ObjectClass("car")], "0.3 is an ignore region, 0.1 is dropped")
        #expect(samples[0].isAnnotated(ObjectClass("car")) && samples[1].isAnnotated(ObjectClass("person")))
        #expect(!samples[2].isAnnotated(ObjectClass("person")), "an image the teacher did not look at stays unannotated")
        #expect(samples[2].isAnnotated(ObjectClass("ped_red")))
    }

    @Test func malformedPseudoLabelsNameTheLine() {
        for (bad, line) in [("a.jpg person 0.5 0.5 0.2\n", 1), ("\na.jpg person 0.5 0.5 0.2 0.4 nan\n", 2),
                            ("a.jpg dragon 0.5 0.5 0.2 0.4 0.9", 1), ("a.jpg car 0.5 0.5 0 0.4 0.9", 1),
                            ("a.jpg car 0.5 0.5 0.1 0.4 1.5", 1), ("a.jpg Car! 0.5 0.5 0.1 0.4 0.5", 1)] {
            do {
                _ = try PseudoLabels.parse(text: bad, file: "t.txt", taxonomy: .canonical)
                Issue.record("accepted \(bad)")
            } catch let e as DatasetError {
                #expect(e.file == "t.txt" && e.line == line, "\(e)")
            } catch { Issue.record("\(error)") }
        }
    }

    @Test func recipeStatesAnnotatedClassesPseudoLabelsAndScale() throws {
        let dir = makeTempDir("wct-partial")
        write("names: [red, walk]\ntrain: train/images\n", to: dir + "/d/data.yaml")
        try FileManager.default.createDirectory(atPath: dir + "/d/train/images", withIntermediateDirectories: true)
        try Image(width: 20, height: 10, format: .rgb8, fill: 9).write(to: dir + "/d/train/images/a.png")
        try Image(width: 20, height: 10, format: .rgb8, fill: 9).write(to: dir + "/d/train/images/b.png")
        write("0 0.5 0.5 0.2 0.2", to: dir + "/d/train/labels/a.txt")
        write("map:\n  red: ped_red\n  walk: ped_green\n", to: dir + "/m.yaml")
        write("a.png person 0.5 0.5 0.5 0.5 0.8\n", to: dir + "/t/d/train.txt")
        write("""
            name: r
            root: .
            datasets:
              - path: d
                mapping: m.yaml
                scale: [0.2, 2.5]
                pseudo_labels: { path: t/d, classes: [person, car], keep: 0.6, ignore: 0.3 }
            """, to: dir + "/r.yaml")
        let recipe = try Recipe.load(path: dir + "/r.yaml")
        #expect(recipe.entries[0].scale == [0.2, 2.5])
        #expect(recipe.entries[0].pseudoLabels?.classes == [ObjectClass("person"), ObjectClass("car")])
        let ds = try recipe.loadDataset()
        let a = ds.samples.first { $0.imagePath.hasSuffix("a.png") }!, b = ds.samples.first { $0.imagePath.hasSuffix("b.png") }!
        #expect(a.annotatedClasses == [ObjectClass("ped_red"), ObjectClass("ped_green"), ObjectClass("person"), ObjectClass("car")])
        #expect(a.boxes.count == 2)
        #expect(b.annotatedClasses == [ObjectClass("ped_red"), ObjectClass("ped_green")])
        // `annotates:` overrides what the mapping implies; bad values are errors with the field.
        let stated = try Recipe.parse(yaml: "datasets:\n  - path: d\n    annotates: [ped_red]\n", file: dir + "/x.yaml")
        #expect(stated.entries[0].annotates == [ObjectClass("ped_red")])
        for bad in ["scale: [2, 1]", "scale: [0.5]", "annotates: []", "pseudo_labels: { path: t, classes: [person], keep: 0.2, ignore: 0.5 }",
                    "pseudo_labels: { path: t, classes: [person], colour: red }"] {
            #expect(throws: DatasetError.self, "\(bad)") { try Recipe.parse(yaml: "datasets:\n  - path: d\n    \(bad)\n", file: dir + "/x.yaml") }
        }
    }
}
