import Foundation
import Testing
import WayCueDetector
import WayCueImage
import WayCueNN
@testable import WayCueONNX

/// Models written by other projects' own exporters (scripts/make-exporter-fixtures.py:
/// Ultralytics YOLOv8 at several opsets and YOLO11, and torchvision's MobileNetV3-Small
/// through today's default torch exporter, with its weights as external data; random
/// weights, scaled down), against ONNX Runtime's outputs stored beside them.
@Suite("Other exporters' models")
struct ExporterFixtureTests {
    struct Case: Decodable {
        var name: String
        var opset: Int
        var layout: String
        var classes: [String]
        var input_dims: [Int]
        var output_dims: [Int]
    }
    struct Manifest: Decodable { var cases: [Case] }

    static let dir = fixturesDir + "/exporters"
    static let cases: [String] = {
        guard let d = FileManager.default.contents(atPath: dir + "/exporters.json"),
              let m = try? JSONDecoder().decode(Manifest.self, from: d) else { return [] }
        return m.cases.map(\.name)
    }()

    func load(_ name: String) throws -> Case {
        let m = try JSONDecoder().decode(Manifest.self, from: try Data(contentsOf: URL(fileURLWithPath: Self.dir + "/exporters.json")))
        return try #require(m.cases.first { $0.name == name })
    }

    /// The input the fixture script used: x[i] = (sin(0.013 i) + 1) / 2.
    static func input(count: Int) -> [Float] { (0..<count).map { Float((sin(Double($0) * 0.013) + 1) / 2) } }

    @Test func manifestHasTheExporters() {
        #expect(Self.cases.count >= 5)
    }

    @Test(arguments: cases)
    func importsRunsLikeONNXRuntimeAndIsADetector(_ name: String) throws {
        let c = try load(name)
        var graph = try ONNXImporter.importModel(path: "\(Self.dir)/\(name).onnx")
        #expect(graph.classNames == c.classes, "class names from the Ultralytics metadata (none for the classifier)")
        let ref = try readFloats("\(Self.dir)/\(name).out.f32")
        let x = Self.input(count: c.input_dims.reduce(1, *))
        for threads in [1, 2] {
            let out = try #require(try runGraph(graph, input: x, threads: threads).values.first)
            let err = relativeError(out, ref)
            #expect(err < 1e-3, "\(name) (\(threads) threads): max relative error \(err)")
        }
        if c.layout == "none" {
            // A classifier (torchvision MobileNetV3 from the default exporter): no detection head.
            #expect(DetectionHeadDescription.infer(from: graph) == nil)
            return
        }
        // The head is recognised and stored; the model then runs as a detector.
        let d = try #require(DetectionHeadDescription.infer(from: graph))
        #expect(d.layout.rawValue == c.layout && d.classCount == c.classes.count)
        #expect(DetectionHeadDescription.forced(.yolov8, graph: graph) == d)
        #expect(DetectionHeadDescription.forced(.nanodetPlus, graph: graph) == nil)
        DetectionHeadDescription.store(d.modelHead(), output: d.output, in: &graph)
        let reloaded = try ModelFile.decode(ModelFile.encode(graph))
        let detector = try Detector(model: reloaded)
        #expect(detector.head.layout == .yolov8 && detector.head.input == .ultralytics)
        // The detector prepares its input as Ultralytics does (RGB / 255): its raw output on
        // an image equals the graph's on that image divided by 255.
        var image = Image(width: 320, height: 320, format: .rgb8, fill: 0)
        for i in 0..<image.pixels.count { image.pixels[i] = UInt8((i * 7 + i / 960) % 256) }
        var planes = [Float](repeating: 0, count: 3 * 320 * 320)
        for y in 0..<320 { for x in 0..<320 { for ch in 0..<3 {
            planes[ch * 102_400 + y * 320 + x] = Float(image.pixels[y * image.stride + x * 3 + ch]) / 255
        } } }
        let direct = try #require(try runGraph(reloaded, input: planes).values.first)
        #expect(relativeError(try detector.rawOutput(letterboxed: image), direct) < 1e-5)
    }
}

@Suite("External data")
struct ExternalDataTests {
    @Test func importFromBytesSaysTheDataFilesAreNeeded() throws {
        let path = ExporterFixtureTests.dir + "/mobilenetv3s_torch_default.onnx"
        #expect {
            try ONNXImporter.importModel(bytes: try readBytes(path))
        } throws: { e in "\(e)".contains("external data") }
    }

    @Test func locationsOutsideTheModelFolderOrBeyondTheFileAreRefused() throws {
        let src = ExporterFixtureTests.dir + "/mobilenetv3s_torch_default.onnx"
        let dir = NSTemporaryDirectory() + "waycue-ext-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: src + ".data", toPath: dir + "/mobilenetv3s_torch_default.onnx.data")
        for (key, value) in [("location", "../../etc/passwd"), ("location", "/etc/passwd"), ("offset", "99999999"), ("length", "-5")] {
            var m = try Onnx_ModelProto(serializedBytes: try readBytes(src))
            let i = try #require(m.graph.initializer.firstIndex { $0.dataLocation == .external })
            if let k = m.graph.initializer[i].externalData.firstIndex(where: { $0.key == key }) {
                m.graph.initializer[i].externalData[k].value = value
            } else {
                var e = Onnx_StringStringEntryProto(); e.key = key; e.value = value
                m.graph.initializer[i].externalData.append(e)
            }
            let path = dir + "/m.onnx"
            try Data(try m.serializedBytes() as [UInt8]).write(to: URL(fileURLWithPath: path))
            #expect(throws: ONNXError.self, "\(key)=\(value)") { try ONNXImporter.importModel(path: path) }
        }
    }
}
