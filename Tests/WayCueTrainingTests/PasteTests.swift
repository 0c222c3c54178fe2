import Foundation
import Testing
import WayCueDetector
import WayCueImage
import WayCueSynth
@testable import WayCueTraining

/// Recipe-driven pasting of rendered objects into training images (`paste:` in a recipe).
@Suite struct PasteTests {
    /// A recipe over one dataset of plain 320x240 street-grey photos, each with one labelled
    /// crosswalk box in its top-left corner, and the given `paste:` text.
    static func recipe(paste: String) -> String {
        let dir = makeTempDir("wct-paste")
        write("names: [crosswalk]\ntrain: train/images\nval: valid/images\n", to: dir + "/data/data.yaml")
        for (split, n) in [("train", 6), ("valid", 1)] {
            try! FileManager.default.createDirectory(atPath: "\(dir)/data/\(split)/images", withIntermediateDirectories: true)
            for k in 0..<n {
                var img = Image(width: 320, height: 240, format: .rgb8, fill: 120)
                img.fillRectangle(x: 4, y: 4, width: 40, height: 20, color: .white)
                try! img.write(to: "\(dir)/data/\(split)/images/p\(k).png")
                write("0 0.075 0.058333 0.125 0.083333", to: "\(dir)/data/\(split)/labels/p\(k).txt")
            }
        }
        write("name: paste\nroot: .\ndatasets:\n  - name: photos\n    path: data\n    paste: \(paste)\n", to: dir + "/recipe.yaml")
        return dir + "/recipe.yaml"
    }

    static func config(_ recipe: String) -> TrainConfig {
        var c = TrainerTests.tinyTrainConfig(recipe)
        c.size = 128
        c.augmentation = .none
        return c
    }

    @Test func pastedObjectsAreLabelledBesideTheDatasetsOwnBoxes() throws {
        let path = Self.recipe(paste: "{ probability: 1.0, objects: [cone, bollard] }")
        let recipe = try Recipe.load(path: path)
        #expect(recipe.entries[0].paste == Recipe.Paste(probability: 1, kinds: [.cone, .bollard]))
        let t = try Trainer(config: Self.config(path), runDirectory: (path as NSString).deletingLastPathComponent + "/run")
        // The model learns the pasted classes although no label file names them.
        #expect(t.model.config.classNames == ["crosswalk", "bollard", "cone"])
        let crosswalk = t.model.config.classNames.firstIndex(of: "crosswalk")!
        let samples = t.batch(epoch: 0, step: 0, indices: Array(0..<6))
        var pasted = 0
        for s in samples {
            let own = s.targets.filter { $0.classIndex == crosswalk }
            #expect(own.count == 1, "the dataset's own box is kept")
            let others = s.targets.filter { $0.classIndex != crosswalk }
            pasted += others.count
            for o in others {
                #expect(o.box.iou(own[0].box) == 0, "a pasted object covers the labelled box")
                #expect(o.box.x2 > o.box.x1 && o.box.y2 > o.box.y1)
            }
            // A pasted box holds drawn pixels that differ from the plain background.
            for o in others {
                var changed = 0
                for y in Int(o.box.y1)..<min(128, Int(o.box.y2.rounded(.up))) {
                    for x in Int(o.box.x1)..<min(128, Int(o.box.x2.rounded(.up))) {
                        let p = s.image.offset(x: x, y: y)
                        if abs(Int(s.image.pixels[p]) - 120) > 12 || abs(Int(s.image.pixels[p + 2]) - 120) > 12 { changed += 1 }
                    }
                }
                #expect(changed > 0, "pasted box \(o.box) shows nothing")
            }
        }
        #expect(pasted >= 6, "only \(pasted) objects pasted into 6 images at probability 1")
        // Reproducible: the same step gives the same pixels and boxes.
        let again = t.batch(epoch: 0, step: 0, indices: Array(0..<6))
        #expect(zip(samples, again).allSatisfy { $0.image.pixels == $1.image.pixels && $0.targets == $1.targets })
    }

    @Test func aRecipeWithoutPasteDrawsTheSameImagesAsBefore() throws {
        // Without `paste:` the sampler draws nothing extra: two trainers agree, and no pasted class appears.
        let path = makeTinyRecipe()
        let t = try Trainer(config: TrainerTests.tinyTrainConfig(path), runDirectory: (path as NSString).deletingLastPathComponent + "/run")
        #expect(t.model.config.classNames == ["crosswalk", "ped_red"])
        #expect(t.pasteBySource.isEmpty)
    }

    @Test func badPasteSettingsAreClearErrors() throws {
        for (text, needle) in [("{ probability: 0 }", "probability must be in (0, 1]"),
                               ("{ probability: 1.5 }", "probability must be in (0, 1]"),
                               ("{ probability: 0.5, objects: [car] }", "unknown object 'car'"),
                               ("{ probability: 0.5, objects: [] }", "no objects listed"),
                               ("{ probabilty: 0.5 }", "unknown key 'probabilty'"),
                               ("{ objects: [cone] }", "probability"),
                               ("0.5", "paste")] {
            let path = Self.recipe(paste: text)
            do {
                _ = try Recipe.load(path: path)
                Issue.record("accepted paste: \(text)")
            } catch let e as DatasetError {
                #expect("\(e)".contains(needle), "\(text): \(e)")
            }
        }
    }

    /// Giving the compositor a list of kinds must not change what it makes with all of them:
    /// these pixels (FNV-1a of the RGB bytes) and labels are what `waycue synth composite --seed 5
    /// --size 160x120 --count 3` wrote from a flat grey photo before kinds existed.
    @Test func theCompositorWithEveryKindIsUnchangedAndAnEmptyListPastesNothing() {
        let photo = Image(width: 160, height: 120, format: .rgb8, fill: 100)
        var camera = CameraModel.chestDefault
        camera.imageWidth = 160; camera.imageHeight = 120
        let before: [(UInt64, String)] = [
            (0x7f6b3916570c61f5, "11 0.237500 0.283333 0.062500 0.566667\n12 0.500000 0.333333 0.025000 0.100000\n11 0.421875 0.212500 0.031250 0.425000"),
            (0x19da82b4797e04e9, "11 0.700000 0.312500 0.050000 0.608333\n4 0.725000 0.008333 0.112500 0.016667"),
            (0xd8da6cb577e9140c, "11 0.853125 0.241667 0.043750 0.350000\n7 0.875000 0.033333 0.037500 0.066667")
        ]
        for (i, (hash, labels)) in before.enumerated() {
            let frame = SynthCompositor.composite(photo: photo, seed: 5 &* 1_000_003 &+ UInt64(i), camera: camera)
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in frame.image.pixels { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            #expect(h == hash, "image \(i): pixels changed")
            #expect(frame.yoloText().trimmingCharacters(in: .whitespacesAndNewlines) == labels, "image \(i): labels changed")
        }
        let none = SynthCompositor.composite(photo: photo, seed: 11, camera: camera, kinds: [])
        #expect(none.labels.filter { $0.objectIndex != nil }.isEmpty)
        for seed in UInt64(0)..<20 {
            let cones = SynthCompositor.composite(photo: photo, seed: seed, camera: camera, kinds: [.cone])
            #expect(cones.labels.allSatisfy { $0.objectClass == .cone })
        }
    }
}
