import Foundation
import Testing
import WayCueDetector
import WayCueImage
@testable import WayCueTraining

/// `LampBoxes`: a housing box becomes its lit lamp, whatever the orientation or flip, lone
/// lamps are kept, and a dataset copy keeps its other classes and links its images.
@Suite struct LampBoxesTests {
    static let lit: [LampBoxes.Colour: PixelColor] = [
        .red: PixelColor(red: 240, green: 30, blue: 40),
        .yellow: PixelColor(red: 250, green: 200, blue: 30),
        .green: PixelColor(red: 40, green: 230, blue: 170),
    ]

    /// A dark housing of `n` lamps along its long side with lamp `litIndex` lit, on a sky.
    static func housing(n: Int, litIndex: Int, colour: LampBoxes.Colour, vertical: Bool,
                        origin: (Int, Int) = (40, 30), cell: Int = 20) -> (Image, Box) {
        var im = Image(width: 200, height: 180, format: .rgb8)
        im.fillRectangle(x: 0, y: 0, width: 200, height: 180, color: PixelColor(red: 150, green: 190, blue: 235))
        let w = vertical ? cell : cell * n, h = vertical ? cell * n : cell
        im.fillRectangle(x: origin.0, y: origin.1, width: w, height: h, color: PixelColor(red: 28, green: 30, blue: 28))
        for k in 0..<n {
            let x = origin.0 + (vertical ? 0 : k * cell) + 4, y = origin.1 + (vertical ? k * cell : 0) + 4
            let c = k == litIndex ? lit[colour]! : PixelColor(red: 60, green: 62, blue: 58)
            im.fillRectangle(x: x, y: y, width: cell - 8, height: cell - 8, color: c)
        }
        return (im, Box(x1: Float(origin.0), y1: Float(origin.1), x2: Float(origin.0 + w), y2: Float(origin.1 + h)))
    }

    @Test(arguments: [true, false])
    func theLitCellIsFoundWhereverItIs(vertical: Bool) {
        for colour in LampBoxes.Colour.allCases {
            for n in [3, 4] {
                for k in 0..<n {
                    let (im, housing) = Self.housing(n: n, litIndex: k, colour: colour, vertical: vertical)
                    let lamp = LampBoxes.lamp(in: im, housing: housing, colour: colour)
                    #expect(lamp.cells == n)
                    let c = vertical ? lamp.box.centerY : lamp.box.centerX
                    let want = (vertical ? housing.y1 : housing.x1) + Float(k * 20 + 10)
                    #expect(abs(c - want) < 1, "\(colour) lamp \(k) of \(n): centre \(c), want \(want)")
                    #expect(lamp.margin > 2, "\(colour) lamp \(k) of \(n): margin \(lamp.margin)")
                    // The lamp box is one cell of the housing, inside it.
                    #expect(lamp.box.x1 >= housing.x1 && lamp.box.x2 <= housing.x2 && lamp.box.y1 >= housing.y1 && lamp.box.y2 <= housing.y2)
                    #expect(abs(lamp.box.width - (vertical ? 20 * 0.76 : 20 * 0.84)) < 0.5 && abs(lamp.box.height - (vertical ? 20 * 0.84 : 20 * 0.76)) < 0.5)
                }
            }
        }
    }

    @Test func aDarkHousingFallsBackToTheColoursUsualPlaceAndSaysItIsUnsure() {
        let (im, housing) = Self.housing(n: 3, litIndex: -1, colour: .green, vertical: true)
        let lamp = LampBoxes.lamp(in: im, housing: housing, colour: .green)
        #expect(lamp.box.centerY > housing.y1 + 40, "green sits last")
        #expect(lamp.margin < 1.25)
    }

    @Test func squareAndTinyBoxesAreKept() {
        let (im, _) = Self.housing(n: 3, litIndex: 1, colour: .red, vertical: true)
        let square = Box(x1: 40, y1: 50, x2: 60, y2: 72)
        #expect(LampBoxes.lamp(in: im, housing: square, colour: .red) == LampBoxes.Lamp(box: square, margin: .infinity, cells: 1))
        let tiny = Box(x1: 40, y1: 50, x2: 42, y2: 58)
        #expect(LampBoxes.lamp(in: im, housing: tiny, colour: .red).cells == 1)
        // A box partly outside the image is clipped to it first (10x15 inside: three cells).
        let edge = LampBoxes.lamp(in: im, housing: Box(x1: 190, y1: 100, x2: 230, y2: 115), colour: .red)
        #expect(edge.cells == 3 && edge.box.x2 <= 200 && edge.box.x1 >= 190)
        let off = LampBoxes.lamp(in: im, housing: Box(x1: 185, y1: 10, x2: 200, y2: 300), colour: .red)
        #expect(off.box.y2 <= 180 && off.box.y1 >= 10)
        #expect(LampBoxes.lamp(in: im, housing: Box(x1: 250, y1: 10, x2: 300, y2: 90), colour: .red).cells == 1)
    }

    @Test func datasetCopyMovesListedClassesOnlyAndLinksImages() throws {
        let d = makeTempDir("lamps")
        let fm = FileManager.default
        try fm.createDirectory(atPath: d + "/train/images", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: d + "/train/labels", withIntermediateDirectories: true)
        // Flipped: the red lamp lit at the bottom.
        let (im, h) = Self.housing(n: 3, litIndex: 2, colour: .red, vertical: true)
        try im.write(to: d + "/train/images/a.png")
        let W: Float = 200, H: Float = 180
        let line = String(format: "1 %.6f %.6f %.6f %.6f\n0 0.5 0.5 0.2 0.2\n", h.centerX / W, h.centerY / H, h.width / W, h.height / H)
        try Data(line.utf8).write(to: URL(fileURLWithPath: d + "/train/labels/a.txt"))
        try Data("not a label\n".utf8).write(to: URL(fileURLWithPath: d + "/train/labels/b.txt"))
        try im.write(to: d + "/train/images/b.png")
        try Data("names: [car, red]\ntrain: train/images\n".utf8).write(to: URL(fileURLWithPath: d + "/data.yaml"))
        let out = makeTempDir("lamps-out")
        let s = try LampBoxes.build(data: d, out: out, options: .init(colours: ["red": .red]))
        #expect(s.images == 1 && s.converted == 1 && s.copied == 1 && s.ambiguous == 0)
        #expect(s.failed.count == 1 && s.failed[0].contains("b.txt"))
        let text = try String(contentsOfFile: out + "/train/labels/a.txt", encoding: .utf8)
        let rows = text.split(separator: "\n").map { $0.split(separator: " ").compactMap { Float($0) } }
        #expect(rows.count == 2)
        #expect(rows[0][0] == 1 && abs(rows[0][2] * H - (h.y1 + 50)) < 1, "the red box moved to the lit bottom lamp: \(rows[0])")
        #expect(rows[1] == [0, 0.5, 0.5, 0.2, 0.2])
        #expect(try fm.destinationOfSymbolicLink(atPath: out + "/train/images/a.png").hasSuffix("/train/images/a.png"))
        // The copy loads as a dataset with the same names.
        let copy = try YOLODataset.load(path: out, mapping: .identity)
        #expect(copy.sourceClassNames == ["car", "red"])
        #expect(copy.samples(inSplit: "train").count == 1)
        // The in-memory conversion of a mapped sample gives the same box as the written copy.
        let mapped = LabeledSample(source: "t", split: "train", imagePath: d + "/train/images/a.png",
                                   boxes: [LabeledBox(objectClass: ObjectClass("vehicle_red"), sourceClass: "red",
                                                      box: Box(x1: h.x1 / W, y1: h.y1 / H, x2: h.x2 / W, y2: h.y2 / H)),
                                           LabeledBox(objectClass: ObjectClass("car"), sourceClass: "car", box: Box(x1: 0.4, y1: 0.4, x2: 0.6, y2: 0.6))])
        let conv = try LampBoxes.convert(mapped)
        #expect(abs(conv.boxes[0].box.centerY - rows[0][2]) < 1e-4)
        #expect(conv.boxes[1] == mapped.boxes[1])
        // A class the dataset does not have is refused.
        #expect(throws: DatasetError.self) { try LampBoxes.build(data: d, out: out, options: .init(colours: ["green": .green])) }
    }
}
