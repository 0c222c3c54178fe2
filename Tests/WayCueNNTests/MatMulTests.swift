import Testing
@testable import WayCueNN

@Suite("MatMul")
struct MatMulTests {
    func graph() throws -> Graph {
        let b = GraphBuilder()
        // One input holds A (2 x 3 x 4) and B (2 x 4 x 5) one after the other as channels of 1 x 1.
        let x = b.input("x", TensorShape(n: 1, c: 24 + 40, h: 1, w: 1))
        let a = try b.reshape(try b.slice(x, start: 0, count: 24), TensorShape(n: 1, c: 2, h: 3, w: 4), name: "a")
        let bb = try b.reshape(try b.slice(x, start: 24, count: 40), TensorShape(n: 1, c: 2, h: 4, w: 5), name: "b")
        let y = try b.matmul(a, bb, name: "y")
        return try b.build(outputs: [y])
    }

    @Test func matchesTheReferenceAndSurvivesTheModelFile() throws {
        let g = try graph()
        let values = (0..<64).map { Float(($0 * 37) % 17) / 8 - 1 }
        let run = { (g: Graph) throws -> [Float] in
            let r = try GraphRunner(graph: g, threads: 1)
            try r.run(Tensor(shape: g.values[g.inputs[0]].shape, values: values))
            return Array(UnsafeBufferPointer(start: r.outputs[0].data, count: 30))
        }
        let got = try run(g)
        var expected = [Float](repeating: 0, count: 30)
        values.withUnsafeBufferPointer { v in
            expected.withUnsafeMutableBufferPointer { e in
                let a = TensorView(UnsafeMutablePointer(mutating: v.baseAddress!), TensorShape(n: 1, c: 2, h: 3, w: 4))
                let b = TensorView(UnsafeMutablePointer(mutating: v.baseAddress! + 24), TensorShape(n: 1, c: 2, h: 4, w: 5))
                Ops.matmulReference(a, b, TensorView(e.baseAddress!, TensorShape(n: 1, c: 2, h: 3, w: 5)))
            }
        }
        for i in 0..<30 { #expect(abs(got[i] - expected[i]) < 1e-5, "element \(i)") }
        let reloaded = try ModelFile.decode(ModelFile.encode(g))
        #expect(try run(reloaded) == got)
    }

    @Test func mismatchedShapesAreRefused() throws {
        let b = GraphBuilder()
        let x = b.input("x", TensorShape(n: 1, c: 2, h: 3, w: 4))
        #expect(throws: NNError.self) { try b.matmul(x, x) }
    }
}
