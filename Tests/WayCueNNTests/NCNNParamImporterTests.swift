import Testing
@testable import WayCueNN

@Suite struct NCNNParamImporterTests {
    static let nanodetPath = "/work/shared/peers/ncnn/nanodet_m.param"

    /// The peer's NanoDet-m layer list, checked against the blob shapes ncnn wrote into it.
    @Test(.enabled(if: readTextFile(nanodetPath) != nil, "needs the peer file \(nanodetPath)"))
    func nanodetShapesMatchTheShapeHints() throws {
        let text = readTextFile(Self.nanodetPath)!
        let g = try NCNNParamImporter.importGraph(text: text, file: Self.nanodetPath)
        var checked = 0
        for line in text.split(separator: "\n").dropFirst(2) {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let hint = f.first(where: { $0.hasPrefix("-23330=") }), let nOut = Int(f[3]), nOut == 1,
                  let v = g.value(named: String(f[4 + Int(f[2])!])) else { continue }
            let nums = hint.dropFirst(7).split(separator: ",").compactMap { Int($0) }
            guard nums.count == 5, nums[1] == 3 else { continue }
            #expect(v.shape == TensorShape(c: nums[4], h: nums[3], w: nums[2]), "\(v.name)")
            checked += 1
        }
        #expect(checked > 100)
        #expect(g.outputs.count == 6)
        #expect(g.values[g.outputs[0]].shape == TensorShape(c: 1, h: 1600, w: 80))
        #expect(abs(g.flops / 1e9 - 0.684) < 0.05)
        let runner = try GraphRunner(graph: g, threads: 1)
        try runner.run(randomTensor(TensorShape(c: 3, h: 320, w: 320), seed: 1))
        let cls = runner.outputs[0]
        #expect((0..<cls.shape.count).allSatisfy { cls.data[$0] >= 0 && cls.data[$0] <= 1 }) // sigmoid scores
    }

    @Test func malformedParamFilesGiveLineNumbers() {
        let cases = [
            "123\n1 1\n",
            "7767517\n2 2\nInput in 0 1 data 0=8 1=8 2=3\nFooLayer f 1 1 data out\n",
            "7767517\n2 2\nInput in 0 1 data 0=8 1=8 2=3\nReLU r 1 1 missing out\n",
            "7767517\n2 2\nInput in 0 1 data 0=8 1=8 2=3\nConvolutionDepthWise c 1 1 data out 0=4 1=3 5=1 7=5\n",
            "7767517\n1 1\nInput in 0 1 data 0=-8 1=8 2=3\n",
            "7767517\n2 2\nInput in 0 1 data 0=8 1=8 2=3\nReLU r 1\n",
        ]
        for (i, text) in cases.enumerated() {
            #expect(throws: NNError.self, "case \(i)") { try NCNNParamImporter.importGraph(text: text, file: "t.param") }
        }
        do {
            _ = try NCNNParamImporter.importGraph(text: cases[1], file: "t.param")
        } catch {
            #expect(error == .parse(file: "t.param", line: 4, reason: "unsupported layer type 'FooLayer' (f)"))
        }
    }
}
