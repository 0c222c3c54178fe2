import Foundation
import Testing
import WayCueImage
@testable import WayCueTraining

private func noise(_ seed: UInt64, w: Int = 90, h: Int = 80) -> Image {
    var im = Image(width: w, height: h, format: .grey8)
    var rng = TestRNG(seed)
    // Smooth blobs so that small changes keep the hash: 9x8 random cells, upsampled.
    let cells = (0..<72).map { _ in UInt8(rng.int(256)) }
    for y in 0..<h { for x in 0..<w { im.pixels[y * w + x] = cells[(y * 8 / h) * 9 + x * 9 / w] } }
    return im
}

@Suite struct HashAndFrameTests {
    @Test func gradientHashesAreAllOnesOrZeros() {
        var im = Image(width: 90, height: 16, format: .grey8)
        for y in 0..<16 { for x in 0..<90 { im.pixels[y * 90 + x] = UInt8(x * 2) } }
        #expect(DifferenceHash(image: im).bits == UInt64.max)
        var rev = im
        for y in 0..<16 { for x in 0..<90 { rev.pixels[y * 90 + x] = UInt8(255 - x * 2) } }
        #expect(DifferenceHash(image: rev).bits == 0)
        #expect(DifferenceHash(image: im).distance(to: DifferenceHash(image: rev)) == 64)
    }

    @Test func nearDuplicatesSurviveSmallChangesAndDifferentImagesDoNot() {
        let a = noise(1)
        var brighter = a
        for i in brighter.pixels.indices { brighter.pixels[i] = UInt8(min(255, Int(brighter.pixels[i]) / 2 + 40)) }
        var rgb = Image(width: a.width, height: a.height, format: .rgb8)
        for i in 0..<(a.width * a.height) { for k in 0..<3 { rgb.pixels[i * 3 + k] = a.pixels[i] } }
        let ha = DifferenceHash(image: a)
        #expect(ha.distance(to: DifferenceHash(image: brighter)) <= 6)
        #expect(ha.distance(to: DifferenceHash(image: rgb)) == 0)
        #expect(ha.distance(to: DifferenceHash(image: noise(2))) > 10)
        let hs = [ha, DifferenceHash(image: noise(2)), DifferenceHash(image: brighter), DifferenceHash(image: noise(3))]
        #expect(NearDuplicates.groups(hs, threshold: 6) == [[0, 2]])
        #expect(NearDuplicates.matches([DifferenceHash(image: brighter), DifferenceHash(image: noise(4))], in: [ha], threshold: 6) == [true, false])
    }

    @Test func framesFolderIsDeduplicated() throws {
        let d = makeTempDir()
        // 12 frames: scenes 1,1,1,2,2,1,3,3,3,3,4,garbage
        let scenes: [UInt64] = [1, 1, 1, 2, 2, 1, 3, 3, 3, 3, 4]
        for (i, s) in scenes.enumerated() {
            var im = noise(s)
            im.pixels[i] &+= 3  // tiny per-frame change
            try im.write(to: String(format: "%@/%04d.png", d, i))
        }
        write("not an image", to: d + "/0011.jpg")
        let sel = try FrameDeduplicator.selectFrames(inFolder: d, threshold: 6, jobs: 2)
        #expect(sel.considered == 12)
        #expect(sel.kept.map { ($0 as NSString).lastPathComponent } == ["0000.png", "0003.png", "0006.png", "0010.png"])
        #expect(sel.unreadable.count == 1)
        let every2 = try FrameDeduplicator.selectFrames(inFolder: d, every: 2, threshold: 6, jobs: 1)
        #expect(every2.considered == 6)
        #expect(throws: DatasetError.self) { try FrameDeduplicator.selectFrames(inFolder: d + "/nope") }
    }

    @Test func checkerFindsBadBoxesUnreadableImagesAndLeaks() throws {
        let d = makeTempDir()
        for sub in ["/train/images", "/valid/images"] {
            try FileManager.default.createDirectory(atPath: d + sub, withIntermediateDirectories: true)
        }
        try noise(1).write(to: d + "/train/images/a.png")
        try noise(2).write(to: d + "/train/images/b.png")
        try noise(1).write(to: d + "/valid/images/c.png")  // leak of a
        write("garbage", to: d + "/valid/images/d.jpg")
        write("names: [x, y]\ntrain: train/images\nval: valid/images\n", to: d + "/data.yaml")
        write("0 0.5 0.5 0.1 0.1\n1 0.5 0.5 0 0.2\n0 0.95 0.5 0.2 0.2\n", to: d + "/train/labels/a.txt")
        write("7 0.5 0.5 0.1 0.1", to: d + "/train/labels/b.txt")
        write("0 0.5 oops 0.1 0.1", to: d + "/valid/labels/c.txt")
        let ds = try YOLODataset.load(path: d)
        var o = DatasetCheckOptions()
        o.jobs = 2
        let r = DatasetChecker(options: o).check(ds, name: d)
        #expect(r.images == ["train": 2, "val": 2])
        #expect(r.emptyBoxes.count == 1 && r.emptyBoxes.examples[0].line == 2)
        #expect(r.outOfRangeBoxes.count == 1 && r.outOfRangeBoxes.examples[0].line == 3)
        #expect(r.unknownClassBoxes.count == 1)
        #expect(r.labelProblems.count == 1 && r.labelProblems.examples[0].line == 1)
        #expect(r.unreadableImages.count == 1 && r.unreadableImages.examples[0].file.hasSuffix("d.jpg"))
        #expect(r.duplicates.nearGroups == 1 && r.duplicates.nearGroupsSpanningSplits == 1)
        #expect(r.duplicates.exactGroups == 1)
        #expect(r.duplicates.evalImagesLeakingFromTrain["val"] == 1)
        #expect(r.hasErrors)
        #expect(r.classCounts["train"]?["x"] == 2 && r.classCounts["train"]?["y"] == 1)
        #expect(r.duplicates.cleanEvalImages["val"] == [])  // c leaks, d is unreadable
        var plain = r
        plain.duplicates.cleanEvalImages = [:]  // not part of the JSON
        let json = try JSONEncoder().encode(r)
        #expect(try JSONDecoder().decode(DatasetCheckReport.self, from: json) == plain)
    }

    @Test(.enabled(if: sharedDatasets != nil, "needs ../shared/datasets"))
    func tactileTilesCheckIsClean() throws {
        let ds = try YOLODataset.load(path: sharedDatasets! + "/tactile-tiles",
                                      mapping: ClassMapping.load(path: packageRoot + "/datasets/mappings/tactile-tiles.yaml"))
        var o = DatasetCheckOptions()
        o.jobs = 2
        let r = DatasetChecker(options: o).check(ds, name: "tactile-tiles")
        #expect(r.images == ["train": 161])
        #expect(!r.hasErrors)
        #expect(r.classCounts["train"] == ["tactile_guide": 72, "tactile_warning": 136])
        #expect(r.imageSizes == ["416x416": 161])
    }
}
