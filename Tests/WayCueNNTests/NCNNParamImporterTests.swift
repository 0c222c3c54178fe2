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

    /// Mutated layer lists (tokens replaced by hostile numbers, lines dropped or duplicated)
    /// must give an error or a valid graph, never a crash or an unbounded allocation.
    @Test func fuzzedParamFilesNeverCrash() {
        let base = """
            7767517
            9 10
            Input in 0 1 data 0=16 1=16 2=3
            Convolution c1 1 1 data a 0=8 1=3 3=2 4=1 5=1 6=216 9=2 -23310=1,1.000000e-01
            Pooling p 1 1 a b 0=0 1=3 2=2 3=1 5=1
            Split s 1 2 b b0 b1
            ConvolutionDepthWise d 1 1 b0 c 0=8 1=3 4=1 5=1 6=72 7=8
            Concat cat 2 1 c b1 d2
            ShuffleChannel sh 1 1 d2 e 0=2
            Crop cr 1 1 e f -23309=1,0 -23310=1,8 -23311=1,0
            Interp up 1 1 f g 0=2 1=2.000000e+00 2=2.000000e+00
            Reshape rs 1 1 g h 0=-1 1=8
            """
        #expect(throws: Never.self) { try NCNNParamImporter.importGraph(text: base) }
        var rng = SplitMix64(seed: 99)
        let hostile = ["-1", "0", "nan", "inf", "1e30", "-233", "99999999999999999999", "65537", "-23300=9", "7=0", "=", "1,2,3"]
        var lines = base.split(separator: "\n").map(String.init)
        for i in 0..<3000 {
            var l = lines
            let at = 2 + Int(rng.next() % UInt64(l.count - 2))
            switch i % 3 {
            case 0:
                var toks = l[at].split(separator: " ").map(String.init)
                let t = Int(rng.next() % UInt64(toks.count))
                let h = hostile[Int(rng.next() % UInt64(hostile.count))]
                if toks[t].contains("=") && rng.next() % 2 == 0 {
                    toks[t] = String(toks[t].split(separator: "=")[0]) + "=" + h
                } else {
                    toks[t] = h
                }
                l[at] = toks.joined(separator: " ")
            case 1: l.remove(at: at)
            default: l.insert(l[at], at: at)
            }
            _ = try? NCNNParamImporter.importGraph(text: l.joined(separator: "\n"), file: "fuzz.param")
            if i % 500 == 499 { lines = base.split(separator: "\n").map(String.init) }
        }
    }
}
