import Foundation
import Testing
import WayCueDetector
import WayCueImage
import WayCueTraining
@testable import WayCueLabeling

@Suite("Label store")
struct LabelStoreTests {
    @Test("default labels folder: `labels` beside `images`, else the frames folder itself")
    func defaultFolder() {
        #expect(LabelStore.defaultLabelsFolder(forFrames: "/data/street/images") == "/data/street/labels")
        #expect(LabelStore.defaultLabelsFolder(forFrames: "/data/street/frames") == "/data/street/frames")
    }

    @Test("opens a folder: frames in name order, classes.txt written, no labels yet means unreviewed and empty")
    func open() throws {
        let f = try FrameFolder(count: 5)
        try Data("x".utf8).write(to: URL(fileURLWithPath: f.frames + "/notes.txt"))
        let s = try LabelStore(frames: f.frames)
        #expect(s.frames.map(\.stem) == ["f0000", "f0001", "f0002", "f0003", "f0004"])
        #expect(s.labelsFolder == f.root + "/labels")
        #expect(s.writeProblem == nil)
        let classes = try String(contentsOfFile: s.labelsFolder + "/classes.txt", encoding: .utf8)
        #expect(classes.split(separator: "\n").map(String.init) == ObjectClass.canonical.map(\.rawValue))
        let r = try s.record(2)
        #expect(r.boxes.isEmpty && !r.reviewed && r.problems.isEmpty)
        #expect(s.queue(.unreviewed) == [0, 1, 2, 3, 4])
        #expect(throws: LabelStoreError.unknownFrame("9")) { try s.record(9) }
    }

    @Test("an empty or missing frames folder is a clear error")
    func noFrames() throws {
        let f = try FrameFolder(count: 0)
        #expect(throws: LabelStoreError.noFrames(f.frames)) { try LabelStore(frames: f.frames) }
        #expect(throws: LabelStoreError.self) { try LabelStore(frames: f.root + "/missing") }
    }

    @Test("save writes YOLO text and a sidecar; reopening reads the same boxes, scores and review state")
    func saveRoundTrip() throws {
        let f = try FrameFolder(count: 3)
        let s = try LabelStore(frames: f.frames)
        let before = try s.record(1)
        let saved = try s.save(1, boxes: [box(3, 0.5, 0.4, 0.1, 0.2, 0.83), box(8, 0.2, 0.6, 0.1, 0.3)], reviewed: true,
                               baseRevision: before.revision)
        #expect(saved.revision != before.revision)
        let text = try String(contentsOfFile: s.labelsFolder + "/f0001.txt", encoding: .utf8)
        #expect(text == "3 0.500000 0.400000 0.100000 0.200000\n8 0.200000 0.600000 0.100000 0.300000\n")
        let again = try LabelStore(frames: f.frames)
        let r = try again.record(1)
        #expect(r.reviewed)
        #expect(r.boxes.map(\.score) == [0.83, nil])
        #expect(r.revision == saved.revision)
        #expect(again.queue(.unreviewed) == [0, 2])
        #expect(again.progress().reviewed == 1 && again.progress().boxes == 2)
        // What training reads is what was saved.
        let ds = try again.dataset()
        let sample = try #require(ds.samples.first { $0.imagePath.hasSuffix("f0001.png") })
        #expect(sample.boxes.map(\.objectClass) == [.pedRed, .person])
    }

    @Test("a save naming an old revision is refused as a conflict and changes nothing")
    func conflict() throws {
        let f = try FrameFolder(count: 2)
        let tabA = try LabelStore(frames: f.frames)
        let tabB = try LabelStore(frames: f.frames)
        let base = try tabA.record(0).revision
        try tabA.save(0, boxes: [box(0, 0.5, 0.5, 0.2, 0.2)], reviewed: true, baseRevision: base)
        let current = try tabA.record(0).revision
        #expect(throws: LabelStoreError.conflict(stem: "f0000", current: current)) {
            try tabB.save(0, boxes: [box(2, 0.5, 0.5, 0.4, 0.4)], reviewed: true, baseRevision: base)
        }
        #expect(try tabB.record(0).boxes == [box(0, 0.5, 0.5, 0.2, 0.2)])
        // Saving again from the revision just read works.
        try tabB.save(0, boxes: [], reviewed: true, baseRevision: current)
        #expect(try tabA.record(0).boxes.isEmpty)
    }

    @Test("invalid boxes are refused with the box and the reason; nothing is written")
    func invalid() throws {
        let f = try FrameFolder(count: 1)
        let s = try LabelStore(frames: f.frames)
        #expect(throws: LabelStoreError.invalidBox(index: 1, reason: "class 20 is not in the taxonomy (0...14)")) {
            try s.save(0, boxes: [box(0, 0.5, 0.5, 0.1, 0.1), box(20, 0.5, 0.5, 0.1, 0.1)], reviewed: true, baseRevision: nil)
        }
        #expect(!FileManager.default.fileExists(atPath: s.labelsFolder + "/f0000.txt"))
    }

    @Test("garbage lines: shown as problems, the readable boxes kept, and the original file kept on the first save")
    func garbageLines() throws {
        let f = try FrameFolder(count: 1)
        let labels = f.root + "/labels"
        try FileManager.default.createDirectory(atPath: labels, withIntermediateDirectories: true)
        let original = "0 0.5 0.5 0.2 0.2\nthis is not a label\n5 2.0 0.5 0.1 0.1\n"
        try Data(original.utf8).write(to: URL(fileURLWithPath: labels + "/f0000.txt"))
        let s = try LabelStore(frames: f.frames)
        let r = try s.record(0)
        #expect(r.boxes == [box(0, 0.5, 0.5, 0.2, 0.2)])
        #expect(r.problems.map(\.line) == [2, 3])
        #expect(s.queue(.problems) == [0])
        let saved = try s.save(0, boxes: r.boxes, reviewed: true, baseRevision: r.revision)
        #expect(saved.problems.isEmpty)
        #expect(try String(contentsOfFile: try #require(saved.keptOriginal), encoding: .utf8) == original)
        #expect(s.queue(.problems).isEmpty)
    }

    @Test("a kill between the label file and its sidecar: the label file wins, the frame shows unreviewed")
    func tornSave() throws {
        let f = try FrameFolder(count: 1)
        let s = try LabelStore(frames: f.frames)
        try s.save(0, boxes: [box(1, 0.5, 0.5, 0.2, 0.2, 0.9)], reviewed: true, baseRevision: nil)
        // As if killed after the label file was renamed into place but before the sidecar was.
        try AtomicFile.write(Data("2 0.3 0.3 0.1 0.1\n".utf8), to: s.labelsFolder + "/f0000.txt")
        let r = try LabelStore(frames: f.frames).record(0)
        #expect(r.boxes == [box(2, 0.3, 0.3, 0.1, 0.1)])
        #expect(!r.reviewed)
    }

    @Test("a labels folder that cannot be written opens read-only and says why; saves fail with the path")
    func notWritable() throws {
        let f = try FrameFolder(count: 1)
        let blocker = f.root + "/blocker"
        try Data("a file, not a folder".utf8).write(to: URL(fileURLWithPath: blocker))
        let s = try LabelStore(frames: f.frames, labels: blocker + "/labels")
        #expect(s.writeProblem?.contains("blocker") == true)
        #expect(throws: LabelStoreError.self) { try s.save(0, boxes: [], reviewed: true, baseRevision: nil) }
        #expect(try s.record(0).boxes.isEmpty)
    }

    @Test("labels in another taxonomy are refused with both class lists")
    func otherTaxonomy() throws {
        let f = try FrameFolder(count: 1)
        try FileManager.default.createDirectory(atPath: f.root + "/labels", withIntermediateDirectories: true)
        try Data("go\nstop\n".utf8).write(to: URL(fileURLWithPath: f.root + "/labels/classes.txt"))
        #expect {
            try LabelStore(frames: f.frames)
        } throws: { e in
            guard case .classListMismatch(_, _, let found) = e as? LabelStoreError else { return false }
            return found == ["go", "stop"]
        }
    }

    @Test("queues: least certain first, disagreements first, per class")
    func queues() throws {
        let f = try FrameFolder(count: 4)
        let s = try LabelStore(frames: f.frames)
        try s.recordPrelabel(.init(model: "test", score: 0.5, date: "now"))
        // 0: confident; 1: borderline (0.52); 2: a proposal under the score (0.3); 3: no proposals.
        try s.storePredictions(0, predictions: [box(3, 0.5, 0.5, 0.2, 0.2, 0.95)], score: 0.5)
        try s.storePredictions(1, predictions: [box(4, 0.5, 0.5, 0.2, 0.2, 0.52)], score: 0.5)
        try s.storePredictions(2, predictions: [box(8, 0.5, 0.5, 0.2, 0.2, 0.3)], score: 0.5)
        #expect(s.queue(.uncertain) == [1, 2, 0, 3])
        #expect(try s.record(0).boxes == [box(3, 0.5, 0.5, 0.2, 0.2, 0.95)])
        #expect(try s.record(2).boxes.isEmpty)
        #expect(s.queue(.disagree).isEmpty)
        // A person moves frame 0's box away and adds one: two disagreements (the moved label and the proposal) plus one.
        let r0 = try s.record(0)
        try s.save(0, boxes: [box(3, 0.2, 0.2, 0.1, 0.1), box(8, 0.8, 0.8, 0.1, 0.1)], reviewed: true, baseRevision: r0.revision)
        // Frame 1: the class changed: one label and one proposal without partner.
        let r1 = try s.record(1)
        try s.save(1, boxes: [box(3, 0.5, 0.5, 0.2, 0.2)], reviewed: true, baseRevision: r1.revision)
        #expect(s.queue(.disagree) == [0, 1])
        #expect(s.queue(.class(3)) == [0, 1])
        #expect(s.queue(.class(8)) == [0])
        #expect(s.queue(.uncertain) == [2, 3])
        #expect(ReviewQueue("class:3") == .class(3) && ReviewQueue("class:x") == nil && ReviewQueue("bogus") == nil)
    }

    @Test("prelabel writes labels at the score, keeps lower proposals, never replaces existing labels")
    func prelabel() throws {
        let f = try FrameFolder(count: 3)
        let labels = f.root + "/labels"
        try FileManager.default.createDirectory(atPath: labels, withIntermediateDirectories: true)
        try Data("10 0.5 0.5 0.5 0.5\n".utf8).write(to: URL(fileURLWithPath: labels + "/f0002.txt"))
        let s = try LabelStore(frames: f.frames)
        let detections = [
            Detection(objectClass: .pedRed, score: 0.8, box: Box(x1: 8, y1: 4, x2: 24, y2: 28)),
            Detection(objectClass: .car, score: 0.2, box: Box(x1: 30, y1: 10, x2: 60, y2: 40)),
            Detection(objectClass: ObjectClass("unicorn"), score: 0.9, box: Box(x1: 1, y1: 1, x2: 5, y2: 5)),
        ]
        let sum = try Prelabeler(score: 0.4, floor: 0.15).run(store: s, modelName: "fake") { _ in detections }
        #expect(sum.frames == 3 && sum.written == 2 && sum.keptExisting == 1)
        #expect(sum.boxes == 2 && sum.proposals == 6 && sum.unknownClassDetections == 3)
        let r = try s.record(0)
        #expect(r.boxes.count == 1 && r.boxes[0].classID == 3 && r.boxes[0].score == 0.8)
        #expect(abs(r.boxes[0].cx - 16.0 / 64) < 1e-9 && abs(r.boxes[0].h - 24.0 / 48) < 1e-9)
        #expect(r.predictions?.count == 2)
        #expect(try s.record(2).boxes == [box(10, 0.5, 0.5, 0.5, 0.5)])
        #expect(s.queue(.disagree) == [2])
        #expect(s.prelabel?.model == "fake")
    }

    @Test("a corrupt frame: prelabel lists it and goes on")
    func corruptFrame() throws {
        let f = try FrameFolder(count: 2)
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]).write(to: URL(fileURLWithPath: f.frames + "/f0009.jpg"))
        let s = try LabelStore(frames: f.frames)
        let sum = try Prelabeler().run(store: s, modelName: "fake") { _ in [] }
        #expect(sum.frames == 2)
        #expect(sum.unreadable.count == 1 && sum.unreadable[0].hasPrefix("f0009.jpg"))
    }

    @Test("exports: YOLO, COCO and VOC read back by WayCue's own loaders give the same boxes")
    func exports() throws {
        let f = try FrameFolder(count: 3, width: 200, height: 100)
        let s = try LabelStore(frames: f.frames)
        try s.save(0, boxes: [box(3, 0.5, 0.5, 0.2, 0.4), box(10, 0.25, 0.75, 0.1, 0.2)], reviewed: true, baseRevision: nil)
        try s.save(1, boxes: [box(0, 0.5, 0.5, 1, 1)], reviewed: true, baseRevision: nil)
        let expected: [String: [(ObjectClass, Box)]] = [
            "f0000": [(.pedRed, Box(x1: 80, y1: 30, x2: 120, y2: 70)), (.car, Box(x1: 40, y1: 65, x2: 60, y2: 85))],
            "f0001": [(.tactileGuide, Box(x1: 0, y1: 0, x2: 200, y2: 100))],
            "f0002": [],
        ]
        for format in LabelExportFormat.allCases {
            let out = f.root + "/export-\(format.rawValue)"
            let result = try s.export(format, to: out)
            #expect(result.frames == 3 && result.boxes == 3 && result.skipped.isEmpty)
            let ds: LabeledDataset
            switch format {
            case .yolo: ds = try YOLODataset.load(path: out, strict: true)
            case .coco: ds = try COCODataset.load(path: out, strict: true)
            case .voc: ds = try PascalVOC.load(path: out, strict: true)
            }
            #expect(ds.samples.count == 3, "\(format)")
            for sample in ds.samples {
                let stem = ((sample.imagePath as NSString).lastPathComponent as NSString).deletingPathExtension
                let want = try #require(expected[stem])
                #expect(sample.boxes.count == want.count, "\(format) \(stem)")
                for (b, w) in zip(sample.boxes, want) {
                    let got = b.pixelBox(width: 200, height: 100)
                    #expect(b.objectClass == w.0, "\(format) \(stem)")
                    #expect(abs(got.x1 - w.1.x1) <= 1 && abs(got.y1 - w.1.y1) <= 1 && abs(got.x2 - w.1.x2) <= 1 && abs(got.y2 - w.1.y2) <= 1,
                            "\(format) \(stem): \(got) vs \(w.1)")
                }
            }
            // The dataset check runs on the export.
            let report = DatasetChecker().check(ds, name: format.rawValue)
            #expect(report.unreadableImages.count == 0 && report.emptyBoxes.count == 0, "\(format)")
        }
    }

    @Test("a recipe entry with `labels:` trains on the reviewed folder")
    func recipe() throws {
        let f = try FrameFolder(count: 2, name: "frames")
        let s = try LabelStore(frames: f.frames, labels: f.root + "/reviewed")
        try s.save(0, boxes: [box(2, 0.5, 0.5, 0.4, 0.4)], reviewed: true, baseRevision: nil)
        let recipePath = f.root + "/r.yaml"
        try Data("name: mine\ndatasets:\n  - name: ours\n    path: frames\n    labels: reviewed\n    split: val\n".utf8)
            .write(to: URL(fileURLWithPath: recipePath))
        let recipe = try Recipe.load(path: recipePath)
        #expect(recipe.entries[0].labels == f.root + "/reviewed")
        let ds = try recipe.loadDataset()
        #expect(ds.samples.count == 2 && Set(ds.samples.map(\.split)) == ["val"])
        #expect(ds.samples.flatMap(\.boxes).map(\.objectClass) == [.crosswalk])
        // Labels beside the frames (no --labels): the folder itself is a YOLO dataset.
        let g = try FrameFolder(count: 2, name: "frames")
        let t = try LabelStore(frames: g.frames)
        try t.save(1, boxes: [box(4, 0.5, 0.5, 0.4, 0.4)], reviewed: true, baseRevision: nil)
        let flat = try YOLODataset.load(path: g.frames, strict: true)
        #expect(flat.samples.count == 2 && flat.samples.flatMap(\.boxes).map(\.objectClass) == [.pedGreen])
        // The YOLO layout (images/ and labels/ with classes.txt): the parent folder is a dataset.
        let h = try FrameFolder(count: 2)
        let u = try LabelStore(frames: h.frames)
        try u.save(0, boxes: [box(10, 0.5, 0.5, 0.4, 0.4)], reviewed: true, baseRevision: nil)
        let layout = try YOLODataset.load(path: h.root, strict: true)
        #expect(layout.samples.count == 2 && layout.samples.flatMap(\.boxes).map(\.objectClass) == [.car])
    }
}
