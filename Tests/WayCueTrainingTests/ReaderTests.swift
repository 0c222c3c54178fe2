import Foundation
import Testing
import WayCueDetector
import WayCueImage
@testable import WayCueTraining

@Suite struct ReaderTests {
    @Test func yoloBoxesPolygonsAndMissingNewline() throws {
        let text = "0 0.5 0.5 0.2 0.4\r\n\n1 0.1 0.2 0.3 0.25 0.2 0.6"
        let lines = try YOLOLabels.parse(text, file: "a.txt")
        #expect(lines.count == 2)
        #expect(lines[0].box == Box(x1: 0.4, y1: 0.3, x2: 0.6, y2: 0.7))
        #expect(lines[0].line == 1 && !lines[0].fromPolygon)
        #expect(lines[1].line == 3 && lines[1].fromPolygon)
        #expect(lines[1].box == Box(x1: 0.1, y1: 0.2, x2: 0.3, y2: 0.6))
    }

    @Test func yoloErrorsNameLine() {
        #expect(throws: DatasetError(.syntax, file: "a.txt", line: 2, reason: "'x' is not a finite number")) {
            try YOLOLabels.parse("0 0.5 0.5 0.1 0.1\n0 0.5 x 0.1 0.1\n", file: "a.txt")
        }
        for bad in ["-1 0.5 0.5 0.1 0.1", "1.5 0.1 0.1 0.1 0.1", "0 0.1 0.2 0.3", "0 0.1 0.2 0.3 0.4 0.5", "0 nan 0 0 0"] {
            do {
                _ = try YOLOLabels.parse(bad, file: "b.txt")
                Issue.record("no error for \(bad)")
            } catch let e as DatasetError {
                #expect(e.file == "b.txt" && e.line == 1)
            } catch { Issue.record("wrong error \(error)") }
        }
    }

    @Test func dataYAMLNamesAsListOrDict() throws {
        let a = try DataYAML.parse(yaml: "names: ['a', 'b']\nnc: 2\ntrain: ../train/images\nval: valid/images\n", file: "d.yaml")
        #expect(a.orderedNames == ["a", "b"])
        #expect(a.splitPaths.map(\.split) == ["train", "val"])
        let b = try DataYAML.parse(yaml: "names:\n  0: person\n  2: car\n", file: "d.yaml")
        #expect(b.orderedNames == ["person", "class1", "car"])
        do {
            _ = try DataYAML.parse(yaml: "names: [a, b]\nnc: 3\n", file: "d.yaml")
            Issue.record("expected an error")
        } catch let e as DatasetError { #expect(e.field == "nc" && e.line == 2) }
        do {
            _ = try DataYAML.parse(yaml: "nc: 3\n", file: "d.yaml")
            Issue.record("expected an error")
        } catch let e as DatasetError { #expect(e.kind == .missingField && e.field == "names") }
    }

    @Test func roboflowLayoutWithQuirksAndUnknownIDs() throws {
        let d = makeTempDir()
        write("names: [greenlight, redlight]\nnc: 2\ntrain: ../train/images\nval: /elsewhere/x/valid/images\n", to: d + "/data.yaml")
        for (split, name) in [("train", "a"), ("train", "b"), ("valid", "c")] {
            write("", to: "\(d)/\(split)/images/\(name).jpg")
        }
        write("0 0.5 0.5 0.2 0.2\n1 0.1 0.1 0.2 0.1 0.2 0.3", to: d + "/train/labels/a.txt")
        write("5 0.5 0.5 0.2 0.2", to: d + "/valid/labels/c.txt")
        write("0 0.5 0.5 0.2 0.2", to: d + "/train/labels/orphan.txt")
        let mapping = ClassMapping(map: ["greenlight": .pedGreen, "redlight": .pedRed])
        let ds = try YOLODataset.load(path: d, mapping: mapping)
        #expect(ds.samples.count == 3)
        #expect(ds.splits == ["train", "val"])
        let a = ds.samples.first { $0.imagePath.hasSuffix("a.jpg") }!
        #expect(a.boxes.map(\.objectClass) == [.pedGreen, .pedRed])
        #expect(a.boxes[1].fromPolygon)
        #expect(ds.samples.first { $0.imagePath.hasSuffix("b.jpg") }!.labelPath == nil)
        #expect(ds.problems.contains { $0.kind == .unknownClass && $0.file.hasSuffix("c.txt") && $0.line == 1 })
        #expect(ds.problems.contains { $0.file.hasSuffix("orphan.txt") })
        #expect(throws: DatasetError.self) { try YOLODataset.load(path: d, mapping: mapping, strict: true) }
        write("names: [a]\ntrain: nowhere/images\n", to: d + "/data.yaml")
        do {
            _ = try YOLODataset.load(path: d)
            Issue.record("expected an error")
        } catch let e as DatasetError { #expect(e.kind == .layout && e.line == 2 && e.field == "train") }
    }

    @Test func vocReaderAndErrors() throws {
        let xml = """
            <annotation>
              <filename>x.jpg</filename>
              <size><width>200</width><height>100</height><depth>3</depth></size>
              <object><name>cone</name><difficult>0</difficult>
                <bndbox><xmin>11</xmin><ymin>21</ymin><xmax>50</xmax><ymax>60</ymax></bndbox></object>
            </annotation>
            """
        let a = try PascalVOC.parse(data: Data(xml.utf8), file: "x.xml")
        #expect(a.filename == "x.jpg" && a.size == ImageSize(width: 200, height: 100))
        #expect(a.objects.first?.box == Box(x1: 10, y1: 20, x2: 50, y2: 60))
        #expect(a.objects.first?.line == 4)
        let badCoord = xml.replacingOccurrences(of: "<xmax>50</xmax>", with: "<xmax>fifty</xmax>")
        do {
            _ = try PascalVOC.parse(data: Data(badCoord.utf8), file: "x.xml")
            Issue.record("expected an error")
        } catch let e as DatasetError { #expect(e.field == "object/bndbox/xmax" && e.line == 5 && e.file == "x.xml") }
        let broken = xml.replacingOccurrences(of: "</size>", with: "")
        do {
            _ = try PascalVOC.parse(data: Data(broken.utf8), file: "x.xml")
            Issue.record("expected an error")
        } catch let e as DatasetError { #expect(e.kind == .syntax && e.line != nil) }
        let noSize = xml.replacingOccurrences(of: "<size><width>200</width><height>100</height><depth>3</depth></size>", with: "")
        do {
            _ = try PascalVOC.parse(data: Data(noSize.utf8), file: "x.xml")
            Issue.record("expected an error")
        } catch let e as DatasetError { #expect(e.kind == .missingField && e.field == "size") }
        // Folder load with mapping.
        let d = makeTempDir()
        write(xml, to: d + "/Annotations/x.xml")
        let ds = try PascalVOC.load(path: d)
        #expect(ds.samples.count == 1 && ds.samples[0].imagePath == d + "/JPEGImages/x.jpg" || ds.samples[0].imagePath == d + "/Annotations/x.jpg")
        #expect(ds.samples[0].boxes[0].objectClass == .cone)
        #expect(ds.samples[0].boxes[0].box == Box(x1: 0.05, y1: 0.2, x2: 0.25, y2: 0.6))
    }

    @Test func cocoReaderAndErrors() throws {
        let json = """
            {"images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 50}],
             "categories": [{"id": 3, "name": "redlight"}],
             "annotations": [{"id": 9, "image_id": 1, "category_id": 3, "bbox": [10, 5, 20, 10]}]}
            """
        let ds = try COCODataset.parse(data: Data(json.utf8), file: "c.json", imagesDir: "/im", split: "val",
                                       mapping: ClassMapping(map: ["redlight": .pedRed]))
        #expect(ds.samples.count == 1 && ds.samples[0].imagePath == "/im/a.jpg")
        #expect(ds.samples[0].boxes == [LabeledBox(objectClass: .pedRed, sourceClass: "redlight", box: Box(x1: 0.1, y1: 0.1, x2: 0.3, y2: 0.3))])
        let bad = json.replacingOccurrences(of: "[10, 5, 20, 10]", with: "[10, 5, 20]")
        #expect(throws: DatasetError(.invalidValue, file: "c.json", field: "annotations[0].bbox", reason: "expected 4 numbers [x, y, w, h]")) {
            try COCODataset.parse(data: Data(bad.utf8), file: "c.json", imagesDir: "/im", split: "val")
        }
        let syntax = json.replacingOccurrences(of: "\"width\": 100,", with: "\"width\": 100,,")
        do {
            _ = try COCODataset.parse(data: Data(syntax.utf8), file: "c.json", imagesDir: "/im", split: "val")
            Issue.record("expected an error")
        } catch let e as DatasetError { #expect(e.kind == .syntax && e.file == "c.json") }
    }

    @Test func recipeResolvesRelativeToRoot() throws {
        let r = try Recipe.load(path: packageRoot + "/datasets/recipes/default.yaml")
        #expect(r.entries.map(\.name) == ["pedestrian-lights-crosswalks", "vehicle-traffic-lights", "tactile-tiles"])
        #expect(r.root == PathSupport.normalize(packageRoot))
        #expect(r.entries[0].path == PathSupport.normalize(packageRoot + "/../shared/datasets/pedestrian-lights-crosswalks"))
        #expect(r.entries[0].keepOnly["val"]?.hasSuffix("pedestrian-lights-crosswalks.valid-clean.txt") == true)
        do {
            _ = try Recipe.parse(yaml: "datasets:\n  - path: a\n    weight: -1\n", file: "/r/x.yaml")
            Issue.record("expected an error")
        } catch let e as DatasetError { #expect(e.field == "datasets[0].weight" && e.line == 3) }
        var s = WeightedSampler(weights: [1, 3], seed: 7)
        var counts = [0, 0]
        for _ in 0..<4000 { counts[s.next()] += 1 }
        #expect(counts[1] > 2700 && counts[1] < 3300)
    }

    @Test func everyCommittedRecipeParses() throws {
        let dir = packageRoot + "/datasets/recipes"
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files.contains("default-model-paste.yaml"))
        for f in files {
            let r = try Recipe.load(path: dir + "/" + f)
            #expect(!r.entries.isEmpty, "\(f)")
            #expect(r.entries.allSatisfy { $0.weight > 0 }, "\(f)")
        }
        let paste = try Recipe.load(path: dir + "/default-model-paste.yaml")
        #expect(paste.entries.compactMap(\.paste).count == 2)
        #expect(paste.entries.first { $0.name == "vehicle-traffic-lights" }?.paste?.probability == 0.5)
    }

    @Test(.enabled(if: sharedDatasets != nil, "needs ../shared/datasets"))
    func defaultRecipeLoadsSharedDatasets() throws {
        let r = try Recipe.load(path: packageRoot + "/datasets/recipes/default.yaml")
        let ds = try r.loadDataset()
        #expect(ds.problems.isEmpty, "\(ds.problems.prefix(3))")
        let ped = ds.samples.filter { $0.source == "pedestrian-lights-crosswalks" }
        #expect(ped.filter { $0.split == "train" }.count == 1374)
        #expect(ped.filter { $0.split == "val" }.count == 112)  // keep_only list applied
        #expect(ped.filter { $0.split == "test" }.count == 151)
        #expect(ds.samples.filter { $0.source == "vehicle-traffic-lights" }.count == 2397)
        #expect(ds.samples.filter { $0.source == "tactile-tiles" }.count == 161)
        let counts = ds.classCounts()
        #expect(counts.keys.allSatisfy { ObjectClass.canonical.map(\.rawValue).contains($0) })
        #expect(ped.flatMap(\.boxes).contains { $0.fromPolygon })
    }
}

@Suite struct VOCEncodingTests {
    @Test func invalidUTF8IsATypedErrorWithLine() {
        var bytes = Array("<annotation>\n<filename>x</filename>\n<xm".utf8)
        bytes.append(0xF9)
        bytes += Array("in>1</xmin></annotation>".utf8)
        do {
            _ = try PascalVOC.parse(data: Data(bytes), file: "v.xml")
            Issue.record("expected an error")
        } catch let e as DatasetError {
            #expect(e.kind == .syntax && e.line == 3 && e.file == "v.xml")
        } catch { Issue.record("wrong error \(error)") }
    }
}

@Suite struct SizeTests {
    @Test func headerSizesAreFilledIn() throws {
        let d = makeTempDir()
        try FileManager.default.createDirectory(atPath: d + "/train/images", withIntermediateDirectories: true)
        try Image(width: 33, height: 21, format: .rgb8).write(to: d + "/train/images/a.png")
        write("bad", to: d + "/train/images/b.jpg")
        write("x\n", to: d + "/train/_darknet.labels")
        var ds = try YOLODataset.load(path: d)
        #expect(ds.samples.count == 2 && ds.samples.allSatisfy { $0.size == nil })
        let problems = ds.readImageSizes(jobs: 2)
        #expect(ds.samples[0].size == ImageSize(width: 33, height: 21))
        #expect(ds.samples[1].size == nil)
        #expect(problems.count == 1 && problems[0].file.hasSuffix("b.jpg"))
    }
}

@Suite struct FormatDetectionTests {
    @Test func detectsFormatsAndAppliesRecipeLists() throws {
        let root = makeTempDir()
        // COCO (Roboflow export layout)
        let coco = root + "/coco"
        write("""
            {"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}], "categories": [{"id": 0, "name": "cone"}],
             "annotations": [{"image_id": 1, "category_id": 0, "bbox": [1, 1, 2, 2]}]}
            """, to: coco + "/valid/_annotations.coco.json")
        write("""
            {"images": [{"id": 1, "file_name": "b.jpg", "width": 10, "height": 10}, {"id": 2, "file_name": "c.jpg", "width": 10, "height": 10}],
             "categories": [{"id": 0, "name": "cone"}], "annotations": []}
            """, to: coco + "/train/_annotations.coco.json")
        #expect(DatasetLoader.detectFormat(path: coco) == .coco)
        let ds = try DatasetLoader.load(path: coco)
        #expect(ds.samples.map(\.split).sorted() == ["train", "train", "val"])
        // VOC
        write("<annotation><filename>x.jpg</filename><size><width>4</width><height>4</height></size></annotation>",
              to: root + "/voc/Annotations/x.xml")
        #expect(DatasetLoader.detectFormat(path: root + "/voc") == .voc)
        // YOLO
        write("names: [a]\n", to: root + "/yolo/data.yaml")
        #expect(DatasetLoader.detectFormat(path: root + "/yolo") == .yolo)
        // Recipe with keep_only / exclude lists, paths relative to root (the recipe's folder here).
        write("c.jpg\n", to: root + "/drop.txt")
        write("nothing.jpg\n", to: root + "/keep.txt")
        write("""
            datasets:
              - path: coco
                format: coco
                weight: 2
                exclude: { train: drop.txt }
                keep_only: { valid: keep.txt }
            """, to: root + "/r.yaml")
        let recipe = try Recipe.load(path: root + "/r.yaml")
        let mixed = try recipe.loadDataset()
        #expect(mixed.samples.map { PathSupport.basename($0.imagePath) } == ["b.jpg"])
        #expect(recipe.samplingWeights(for: mixed) == [2])
    }
}
