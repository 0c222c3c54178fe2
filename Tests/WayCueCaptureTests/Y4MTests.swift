import Foundation
import Testing
import WayCueImage
@testable import WayCueCapture

/// A Y4M stream of `frames` frames where every luma sample is `y` and chroma samples are u/v.
func y4m(width: Int, height: Int, chroma: String, frames: Int, y: UInt8 = 128, u: UInt8 = 128, v: UInt8 = 128, rate: String = "25:1") -> [UInt8] {
    var bytes = Array("YUV4MPEG2 W\(width) H\(height) F\(rate) Ip A1:1 C\(chroma) XYSCSS=TEST\n".utf8)
    let cw = (width + 1) / 2, ch = (height + 1) / 2
    let chromaCount: Int
    switch chroma {
    case "422": chromaCount = cw * height
    case "444": chromaCount = width * height
    case "mono": chromaCount = 0
    default: chromaCount = cw * ch
    }
    for i in 0..<frames {
        bytes += Array("FRAME\(i % 2 == 0 ? "" : " Ixyz")\n".utf8)
        bytes += [UInt8](repeating: y &+ UInt8(i), count: width * height)
        bytes += [UInt8](repeating: u, count: chromaCount)
        bytes += [UInt8](repeating: v, count: chromaCount)
    }
    return bytes
}

func writeTemp(_ bytes: [UInt8], name: String) throws -> String {
    let path = try temporaryFolder() + "/" + name
    try writeFile(atPath: path, contents: Data(bytes))
    return path
}

/// BT.601 limited-range conversion of one pixel, the reference for the tests.
func rgb(_ y: Int, _ u: Int, _ v: Int) -> [UInt8] {
    let c = 298 * (y - 16), d = u - 128, e = v - 128
    func clamp(_ x: Int) -> UInt8 { UInt8(min(max(x, 0), 255)) }
    return [clamp((c + 409 * e + 128) >> 8), clamp((c - 100 * d - 208 * e + 128) >> 8), clamp((c + 516 * d + 128) >> 8)]
}

@Suite("Y4M footage")
struct Y4MTests {
    @Test(arguments: ["420jpeg", "420mpeg2", "420paldv", "420", "422", "444", "mono"])
    func everyChromaLayoutDecodes(chroma: String) throws {
        let path = try writeTemp(y4m(width: 7, height: 5, chroma: chroma, frames: 3, y: 100, u: 90, v: 170), name: "t.y4m")
        let source = try Y4MSource(path: path)
        var count = 0
        while let frame = try source.next() {
            #expect(frame.image.width == 7 && frame.image.height == 5)
            let expected = chroma == "mono" ? rgb(100 + count, 128, 128) : rgb(100 + count, 90, 170)
            #expect(Array(frame.image.pixels[frame.image.offset(x: 6, y: 4)..<frame.image.offset(x: 6, y: 4) + 3]) == expected)
            #expect(abs(frame.timestamp - Double(count) / 25) < 1e-9)
            count += 1
        }
        #expect(count == 3)
    }

    @Test func chromaPlanesAreTakenFromTheRightPlace() throws {
        // 4x2 4:2:0 frame: U plane [0, 255], V plane [255, 0] → left and right halves differ.
        var bytes = Array("YUV4MPEG2 W4 H2 F30:1 C420jpeg\nFRAME\n".utf8)
        bytes += [UInt8](repeating: 120, count: 8) + [0, 255] + [255, 0]
        let source = try Y4MSource(path: try writeTemp(bytes, name: "p.y4m"))
        let frame = try #require(try source.next())
        #expect(Array(frame.image.pixels[0..<3]) == rgb(120, 0, 255))
        #expect(Array(frame.image.pixels[frame.image.offset(x: 3, y: 1)..<frame.image.offset(x: 3, y: 1) + 3]) == rgb(120, 255, 0))
        #expect(frame.sourceFormat == .yuv420)
    }

    @Test func headerErrorsNameTheField() throws {
        let cases: [(String, String)] = [
            ("MPEG2 W4 H4\n", "not a Y4M stream"),
            ("YUV4MPEG2 H4\n", "W (width)"),
            ("YUV4MPEG2 Wx H4\n", "header field W"),
            ("YUV4MPEG2 W4 H4 F30\n", "header field F"),
            ("YUV4MPEG2 W4 H4 C444alpha\n", "chroma '444alpha'"),
            ("YUV4MPEG2 W100000 H4\n", "out of range"),
            ("", "empty stream"),
        ]
        for (header, expected) in cases {
            let path = try writeTemp(Array(header.utf8), name: "bad.y4m")
            #expect {
                try Y4MSource(path: path)
            } throws: { error in
                guard case CaptureError.invalidFootage(_, let reason) = error else { return false }
                return reason.contains(expected)
            }
        }
    }

    @Test func truncatedFramesAndBadFrameMarkersAreErrors() throws {
        let whole = y4m(width: 4, height: 4, chroma: "420", frames: 2)
        let source = try Y4MSource(path: try writeTemp(Array(whole.dropLast(5)), name: "cut.y4m"))
        #expect(try source.next() != nil)
        #expect(throws: CaptureError.self) { try source.next() }
        var broken = whole
        let headerLength = whole.firstIndex(of: 0x0A)! + 1
        let second = headerLength + 6 + 24  // "FRAME\n" and 4x4 luma + 2x(2x2) chroma
        #expect(Array(broken[second..<second + 5]) == Array("FRAME".utf8))
        broken.replaceSubrange(second..<second + 5, with: Array("FRAMX".utf8))
        let bad = try Y4MSource(path: try writeTemp(broken, name: "bad.y4m"))
        #expect(try bad.next() != nil)
        #expect {
            _ = try bad.next()
        } throws: { error in
            guard case CaptureError.invalidFootage(_, let reason) = error else { return false }
            return reason.contains("expected 'FRAME'")
        }
    }

    @Test func headerFuzzNeverCrashes() throws {
        let base = y4m(width: 6, height: 4, chroma: "422", frames: 2)
        for _ in 0..<300 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...8) {
                bytes[Int.random(in: 0..<min(bytes.count, 60))] = UInt8.random(in: 0...255)
            }
            if Bool.random() { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count))) }
            let path = try writeTemp(bytes, name: "fuzz.y4m")
            if let source = try? Y4MSource(path: path) {
                for _ in 0..<4 { guard (try? source.next()) != nil else { break } }
            }
            try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
        }
    }

    @Test func ffmpegDecodesAVideoWhenInstalled() throws {
        guard FFmpegSource.executable != nil else {
            print("skipped: ffmpeg is not installed; FFmpegSource untested here")
            return
        }
        let folder = try temporaryFolder()
        let input = try writeTemp(y4m(width: 32, height: 16, chroma: "420jpeg", frames: 5, y: 80, u: 100, v: 160, rate: "10:1"), name: "in.y4m")
        let video = folder + "/clip.avi"
        let encode = Process()
        encode.executableURL = URL(fileURLWithPath: FFmpegSource.executable!)
        encode.arguments = ["-nostdin", "-loglevel", "error", "-i", input, "-c:v", "ffv1", video]
        try encode.run()
        encode.waitUntilExit()
        #expect(encode.terminationStatus == 0)
        let source = try FFmpegSource(path: video)
        #expect(source.width == 32 && source.height == 16 && source.framesPerSecond == 10)
        var count = 0
        while let frame = try source.next() {
            let p = frame.image.offset(x: 10, y: 10)
            #expect(Array(frame.image.pixels[p..<p + 3]) == rgb(80 + count, 100, 160))
            count += 1
        }
        #expect(count == 5)
        source.close()
        let garbage = try writeTemp([1, 2, 3, 4], name: "junk.mp4")
        #expect {
            try FFmpegSource(path: garbage)
        } throws: { error in
            guard case CaptureError.toolFailed(let tool, let reason) = error else { return false }
            return tool == "ffmpeg" && reason.contains("junk.mp4")
        }
    }
}
