import Foundation
import Testing
@testable import WayCueLabeling

@Suite("Label text")
struct LabelTextTests {
    @Test("valid lines become boxes; polygons their bounding box; garbage lines become problems with their line number")
    func lenientParse() {
        let text = "0 0.5 0.5 0.2 0.2\nnot a line\n3 0.1 0.1 0.3 0.1 0.3 0.3\r\n99 0.5 0.5 0.1 0.1\n2 0.5 0.5 0 0.1\n\n1 0.9 0.9 0.5 0.5\n4 nan 0.5 0.1 0.1"
        let p = LabelText.parse(text, classCount: 15)
        #expect(p.boxes.count == 2)
        #expect(p.boxes[0] == box(0, 0.5, 0.5, 0.2, 0.2))
        #expect(abs(p.boxes[1].cx - 0.2) < 1e-6 && abs(p.boxes[1].w - 0.2) < 1e-6 && p.boxes[1].classID == 3)
        #expect(p.problems.map(\.line) == [2, 4, 5, 7, 8])
        #expect(p.problems[1].reason.contains("not in the taxonomy"))
        #expect(p.problems[2].reason.contains("empty"))
        #expect(p.problems[3].reason.contains("outside the image"))
    }

    @Test("format then parse gives the same boxes (6 decimals)")
    func roundTrip() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let boxes = (0..<Int.random(in: 0...6, using: &rng)).map { _ -> ReviewBox in
                let w = Double.random(in: 0.01...0.5), h = Double.random(in: 0.01...0.5)
                return box(Int.random(in: 0..<15), Double.random(in: w / 2...(1 - w / 2)), Double.random(in: h / 2...(1 - h / 2)), w, h)
            }
            let p = LabelText.parse(LabelText.format(boxes), classCount: 15)
            #expect(p.problems.isEmpty)
            #expect(p.boxes.count == boxes.count)
            for (a, b) in zip(p.boxes, boxes) {
                #expect(a.classID == b.classID)
                #expect(abs(a.cx - b.cx) < 2e-6 && abs(a.cy - b.cy) < 2e-6 && abs(a.w - b.w) < 2e-6 && abs(a.h - b.h) < 2e-6)
            }
        }
    }

    @Test("fuzz: random and mutated label text never crashes, and every box it yields is valid")
    func fuzz() {
        var rng = SystemRandomNumberGenerator()
        let seeds = ["0 0.5 0.5 0.2 0.2\n", "14 0.1 0.2 0.1 0.1\n3 0.1 0.1 0.3 0.1 0.3 0.3\n", ""]
        let alphabet = Array("0123456789 .-e+\n\r\tnaifx,".utf8)
        for i in 0..<3000 {
            var bytes = Array(seeds[i % seeds.count].utf8)
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let op = Int.random(in: 0..<3, using: &rng)
                if op == 0 || bytes.isEmpty { bytes.insert(i % 4 == 0 ? UInt8.random(in: 0...255, using: &rng) : alphabet.randomElement(using: &rng)!, at: Int.random(in: 0...bytes.count, using: &rng)) }
                else if op == 1 { bytes.remove(at: Int.random(in: 0..<bytes.count, using: &rng)) }
                else { bytes[Int.random(in: 0..<bytes.count, using: &rng)] = alphabet.randomElement(using: &rng)! }
            }
            let p = LabelText.parse(String(decoding: bytes, as: UTF8.self), classCount: 15)
            for b in p.boxes { #expect(b.problem(classCount: 15) == nil) }
        }
    }

    @Test("box validation names what is wrong")
    func validation() {
        #expect(box(15, 0.5, 0.5, 0.1, 0.1).problem(classCount: 15)?.contains("taxonomy") == true)
        #expect(box(0, 0.5, 0.5, -0.1, 0.1).problem(classCount: 15)?.contains("empty") == true)
        #expect(box(0, 0.95, 0.5, 0.2, 0.1).problem(classCount: 15)?.contains("outside") == true)
        #expect(box(0, .nan, 0.5, 0.2, 0.1).problem(classCount: 15)?.contains("finite") == true)
        #expect(box(0, 0.5, 0.5, 0.2, 0.1, 1.5).problem(classCount: 15)?.contains("score") == true)
        #expect(box(0, 0.5, 0.5, 1, 1).problem(classCount: 15) == nil)
    }

    @Test("image header sizes: JPEG SOF and PNG IHDR, without decoding")
    func headers() throws {
        let folder = try FrameFolder(count: 2, width: 37, height: 21)
        for f in try FileManager.default.contentsOfDirectory(atPath: folder.frames) {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder.frames + "/" + f)))
            let s = ImageHeader.size(header: bytes)
            #expect(s?.width == 37 && s?.height == 21, "\(f)")
        }
        #expect(ImageHeader.size(header: [0xFF, 0xD8, 0xFF]) == nil)
        #expect(ImageHeader.size(header: Array("not an image at all, no".utf8)) == nil)
    }
}
