import Foundation
import SwiftProtobuf
import Testing
import WayCueNN
@testable import WayCueONNX

/// Malformed models must fail with a typed ``ONNXError`` (never a crash), in bounded time.
@Suite struct ONNXFuzzTests {
    static let seeds = ["conv_bn_act", "data_movement", "shape_ops", "nanodet_tiny", "resize", "pooling"]

    func seedModels() throws -> [(String, [UInt8])] {
        try Self.seeds.map { ($0, try readBytes("\(fixturesDir)/\($0).onnx")) }
    }

    /// Imports and, when that succeeds, checks the graph is valid; returns the error if any.
    @discardableResult
    func attempt(_ bytes: [UInt8]) -> ONNXError? {
        do {
            let g = try ONNXImporter.importModel(bytes: bytes, file: "fuzz.onnx")
            #expect((try? g.validate()) != nil)
            return nil
        } catch {
            #expect(!error.description.isEmpty)
            return error
        }
    }

    @Test func byteMutationsFailCleanly() throws {
        var rng = SplitMix64(seed: 0xF022)
        let start = Date()
        var rejected = 0, total = 0
        for (_, seed) in try seedModels() {
            for i in 0..<500 {
                var b = seed
                switch i % 5 {
                case 0: b = Array(b.prefix(Int(rng.next() % UInt64(b.count))))           // truncated
                case 1: for _ in 0..<(1 + rng.next() % 8) { b[Int(rng.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: rng.next()) }
                case 2: b.insert(UInt8(truncatingIfNeeded: rng.next()), at: Int(rng.next() % UInt64(b.count)))
                case 3: b.remove(at: Int(rng.next() % UInt64(b.count)))
                default: // overwrite a varint-looking run with a huge value
                    let p = Int(rng.next() % UInt64(b.count - 10))
                    for k in 0..<9 { b[p + k] = 0xFF }
                }
                if attempt(b) != nil { rejected += 1 }
                total += 1
            }
        }
        #expect(total == 3000)
        #expect(rejected > 500, "only \(rejected) of \(total) mutations rejected")
        #expect(Date().timeIntervalSince(start) < 120)
    }

    @Test func structuralMutationsGiveTypedErrors() throws {
        var rng = SplitMix64(seed: 77)
        let start = Date()
        var count = 0
        for (name, bytes) in try seedModels() {
            let base = try Onnx_ModelProto(serializedBytes: bytes)
            for i in 0..<200 {
                var m = base
                var g = m.graph
                let k = g.node.isEmpty ? 0 : Int(rng.next() % UInt64(g.node.count))
                switch i % 10 {
                case 0: // cycle: a node reads its own (or a later node's) output
                    if let o = g.node.last?.output.first, !g.node[k].input.isEmpty { g.node[k].input[0] = o }
                case 1: // missing initializer
                    if !g.initializer.isEmpty { g.initializer.remove(at: Int(rng.next() % UInt64(g.initializer.count))) }
                case 2: // huge shapes
                    if !g.initializer.isEmpty { g.initializer[0].dims = [1 << 40, 1 << 40] }
                case 3: // wrong data type
                    if !g.initializer.isEmpty { g.initializer[Int(rng.next() % UInt64(g.initializer.count))].dataType = Int32(rng.next() % 20) }
                case 4: // wrong attribute types / values
                    if !g.node[k].attribute.isEmpty {
                        g.node[k].attribute[0].ints = [Int64.max, Int64.min, -1]
                        g.node[k].attribute[0].i = Int64.min
                        g.node[k].attribute[0].f = .nan
                    }
                case 5: // huge input
                    var d = Onnx_TensorShapeProto.Dimension(); d.dimValue = 1 << 30
                    g.input[0].type.tensorType.shape.dim[2] = d
                case 6: // unknown operator
                    g.node[k].opType = "FancyOp\(i)"
                case 7: // duplicated producer
                    if g.node.count > 1 { g.node.append(g.node[k]) }
                case 8: // shuffled node order (still valid: the importer sorts)
                    g.node.shuffle(using: &rng)
                default: // wrong input counts
                    g.node[k].input = Array(g.node[k].input.prefix(Int(rng.next() % 2)))
                }
                m.graph = g
                let data: [UInt8] = try m.serializedBytes()
                let err = attempt(data)
                if i % 10 == 6 {
                    guard case .unsupported(let node, let op, _)? = err else { Issue.record("\(name): unknown op not named: \(String(describing: err))"); continue }
                    #expect(op == "FancyOp\(i)" && !node.isEmpty)
                }
                if i % 10 == 8 { #expect(err == nil, "\(name): reordered nodes rejected: \(String(describing: err))") }
                count += 1
            }
        }
        #expect(count == 1200)
        #expect(Date().timeIntervalSince(start) < 120)
    }

    @Test func namedErrorsForCommonProblems() throws {
        var m = try Onnx_ModelProto(serializedBytes: try readBytes("\(fixturesDir)/conv_bn_act.onnx"))
        m.opsetImport[0].version = 9
        #expect(throws: ONNXError.unsupportedOpset(domain: "", version: 9)) { try ONNXImporter.importModel(bytes: try m.serializedBytes()) }
        #expect(throws: ONNXError.self) { try ONNXImporter.importModel(bytes: [0x08, 0x96]) }
        #expect(throws: ONNXError.io(file: "/nonexistent.onnx", reason: "cannot read file")) {
            try ONNXImporter.importModel(path: "/nonexistent.onnx")
        }
    }
}

extension Array {
    mutating func shuffle(using rng: inout SplitMix64) {
        guard count > 1 else { return }
        for i in stride(from: count - 1, to: 0, by: -1) { swapAt(i, Int(rng.next() % UInt64(i + 1))) }
    }
}

/// Structural mutations of the operators other exporters brought in (MatMul and general
/// Transpose from YOLO11/YOLOv8, Gemm, ReduceMean and run-time broadcasting from torch's
/// MobileNetV3): typed errors or valid graphs, never a crash.
@Suite struct ExporterOperatorFuzzTests {
    func seeds() throws -> [(String, Onnx_ModelProto)] {
        let dir = ExporterFixtureTests.dir
        let yolo = try Onnx_ModelProto(serializedBytes: try readBytes(dir + "/yolo11t_opset17.onnx"))
        let v8 = try Onnx_ModelProto(serializedBytes: try readBytes(dir + "/yolov8t_opset11.onnx"))
        var mnv3 = try Onnx_ModelProto(serializedBytes: try readBytes(dir + "/mobilenetv3s_torch_default.onnx"))
        try ONNXImporter.loadExternalData(&mnv3.graph, modelFile: dir + "/mobilenetv3s_torch_default.onnx")
        return [("yolo11", yolo), ("yolov8-opset11", v8), ("mobilenetv3", mnv3)]
    }

    @Test func mutatedNewOperatorsGiveTypedErrors() throws {
        var rng = SplitMix64(seed: 0x0E23)
        var tried = 0
        for (name, base) in try seeds() {
            let targets = base.graph.node.indices.filter { ["MatMul", "Transpose", "Gemm", "ReduceMean", "Mul", "Add"].contains(base.graph.node[$0].opType) }
            #expect(!targets.isEmpty, "\(name)")
            for i in 0..<24 {
                var m = base
                let k = targets[Int(rng.next() % UInt64(targets.count))]
                switch i % 6 {
                case 0: m.graph.node[k].input.reverse()                                 // operands swapped
                case 1: m.graph.node[k].input = Array(m.graph.node[k].input.prefix(1))    // one operand missing
                case 2:                                                                  // wild attributes
                    for j in m.graph.node[k].attribute.indices {
                        m.graph.node[k].attribute[j].ints = [5, -9, Int64.max]
                        m.graph.node[k].attribute[j].i = Int64.min
                        m.graph.node[k].attribute[j].f = .infinity
                    }
                case 3:                                                                  // perm / axes attribute added
                    var a = Onnx_AttributeProto(); a.name = i % 2 == 0 ? "perm" : "axes"; a.type = .ints; a.ints = [3, 3, 0]
                    m.graph.node[k].attribute.append(a)
                case 4: if m.graph.node[k].input.count > 1 { m.graph.node[k].input[1] = m.graph.node[k].input[0] }   // self product
                default: m.graph.node[k].attribute.removeAll()                           // defaults
                }
                let bytes: [UInt8] = try m.serializedBytes()
                do {
                    let g = try ONNXImporter.importModel(bytes: bytes, file: "fuzz.onnx")
                    #expect((try? g.validate()) != nil)
                } catch {
                    #expect(!error.description.isEmpty)
                }
                tried += 1
            }
        }
        #expect(tried == 72)
    }
}
