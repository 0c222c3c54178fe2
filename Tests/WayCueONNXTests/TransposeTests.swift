import Foundation
import Testing
import WayCueNN
@testable import WayCueONNX

/// Every permutation of 4 axes and a sample of 5-axis ones, imported and run, against a
/// direct computation (YOLOv8's opset-11 export transposes [1, 2100, 4, 16] by [0, 3, 2, 1]).
@Suite("General Transpose")
struct TransposeTests {
    /// input [1, 3, 4, 10] -> Reshape(dims) -> Transpose(perm) -> output.
    func model(dims: [Int], perm: [Int]) throws -> [UInt8] {
        var m = Onnx_ModelProto()
        m.irVersion = 8
        var os = Onnx_OperatorSetIdProto(); os.version = 17
        m.opsetImport = [os]
        var g = Onnx_GraphProto()
        g.name = "t"
        func info(_ name: String, _ d: [Int]) -> Onnx_ValueInfoProto {
            var v = Onnx_ValueInfoProto(); v.name = name
            var tt = Onnx_TypeProto.Tensor(); tt.elemType = 1
            var sh = Onnx_TensorShapeProto()
            sh.dim = d.map { var x = Onnx_TensorShapeProto.Dimension(); x.dimValue = Int64($0); return x }
            tt.shape = sh
            v.type.tensorType = tt
            return v
        }
        g.input = [info("input", [1, 3, 4, 10])]
        var shape = Onnx_TensorProto(); shape.name = "shape"; shape.dataType = 7; shape.dims = [Int64(dims.count)]
        shape.int64Data = dims.map(Int64.init)
        g.initializer = [shape]
        var r = Onnx_NodeProto(); r.opType = "Reshape"; r.name = "r"; r.input = ["input", "shape"]; r.output = ["x"]
        var t = Onnx_NodeProto(); t.opType = "Transpose"; t.name = "t"; t.input = ["x"]; t.output = ["y"]
        var a = Onnx_AttributeProto(); a.name = "perm"; a.type = .ints; a.ints = perm.map(Int64.init)
        t.attribute = [a]
        g.node = [r, t]
        g.output = [info("y", perm.map { dims[$0] })]
        m.graph = g
        return try m.serializedBytes()
    }

    func reference(_ x: [Float], dims: [Int], perm: [Int]) -> [Float] {
        let outDims = perm.map { dims[$0] }
        var inStrides = [Int](repeating: 1, count: dims.count)
        for i in stride(from: dims.count - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * dims[i + 1] }
        var out = [Float](repeating: 0, count: x.count)
        var idx = [Int](repeating: 0, count: dims.count)
        for o in 0..<x.count {
            var rem = o
            for k in stride(from: outDims.count - 1, through: 0, by: -1) { idx[k] = rem % outDims[k]; rem /= outDims[k] }
            var src = 0
            for k in 0..<perm.count { src += idx[k] * inStrides[perm[k]] }
            out[o] = x[src]
        }
        return out
    }

    func permutations(_ n: Int) -> [[Int]] {
        if n == 1 { return [[0]] }
        return permutations(n - 1).flatMap { p in (0...p.count).map { i in var q = p; q.insert(n - 1, at: i); return q } }
    }

    @Test func everyPermutationOfFourAxes() throws {
        let dims = [2, 3, 4, 5]
        let x = (0..<120).map { Float($0) }
        for perm in permutations(4) {
            let g = try ONNXImporter.importModel(bytes: try model(dims: dims, perm: perm))
            let got = try #require(try runGraph(g, input: x).values.first)
            #expect(got == reference(x, dims: dims, perm: perm), "perm \(perm)")
        }
    }

    @Test func fiveAxesAndUnitAxes() throws {
        let x = (0..<120).map { Float($0) }
        for (dims, perm) in [([2, 3, 2, 5, 2], [0, 4, 2, 1, 3]), ([2, 3, 2, 5, 2], [4, 3, 2, 1, 0]), ([1, 3, 4, 10, 1], [0, 3, 2, 1, 4]),
                             ([2, 3, 2, 5, 2], [1, 0, 3, 4, 2]), ([120, 1, 1, 1, 1], [4, 3, 2, 1, 0])] {
            let g = try ONNXImporter.importModel(bytes: try model(dims: dims, perm: perm))
            let got = try #require(try runGraph(g, input: x).values.first)
            #expect(got == reference(x, dims: dims, perm: perm), "dims \(dims) perm \(perm)")
        }
    }
}
