import Testing
@testable import WayCueNN

@Suite struct GraphTests {
    /// A small ShuffleNet-like block built in code, run by the planner/runner, against the same
    /// ops called one by one with their reference implementations.
    @Test func runnerMatchesReferenceOpByOp() throws {
        let b = GraphBuilder()
        let x = b.input("x", TensorShape(c: 3, h: 32, w: 32))
        let stem = try b.conv(x, out: 16, kernel: 3, stride: 2, activation: .leakyReLU(0.1), seed: 1, name: "stem")
        let pooled = try b.pool(stem, PoolConfig(kind: .max, kernel: 3, stride: 2, padding: 1), name: "pool")
        let (l, r) = try b.split(pooled, name: "split")
        let r1 = try b.conv(r, out: 8, kernel: 1, activation: .relu, seed: 2, name: "pw1")
        let r2 = try b.conv(r1, out: 8, kernel: 3, groups: 8, seed: 3, name: "dw")
        let r3 = try b.conv(r2, out: 8, kernel: 1, activation: .hardSwish, seed: 4, name: "pw2")
        let cat = try b.concat([l, r3], name: "cat")
        let sh = try b.shuffle(cat, groups: 2, name: "shuffle")
        let up = try b.resize(sh, height: 16, width: 16, mode: .bilinear, name: "up")
        let head = try b.conv(up, out: 4, kernel: 1, activation: .sigmoid, seed: 5, name: "head")
        let flat = try b.reshape(head, TensorShape(c: 1, h: 4, w: 256), name: "flat")
        let t = b.transpose(flat, name: "t")
        let g = try b.build(outputs: [t, sh])
        #expect(g.optimized().nodes.contains { if case .concatShuffle = $0.op { true } else { false } })

        let input = randomTensor(TensorShape(c: 3, h: 32, w: 32), seed: 11)
        // Reference evaluation, value by value.
        var vals: [Int: Tensor] = [x.id: input]
        for n in g.nodes {
            let ins = n.inputs.map { vals[$0]! }
            let out = Tensor(shape: g.values[n.output].shape)
            switch n.op {
            case .conv(let c): c.referenceForward(ins[0].view, out.view)
            case .pool(let p): Ops.poolReference(ins[0].view, out.view, p)
            case .sliceChannels(let s, let cnt): out.data.update(from: ins[0].view.channel(s), count: cnt * out.shape.plane)
            case .concat: Ops.concat(ins.map(\.view), out.view)
            case .shuffle(let gr): Ops.shuffleReference(ins[0].view, out.view, groups: gr)
            case .resize(let m): Ops.resizeReference(ins[0].view, out.view, mode: m)
            case .reshape, .identity: out.data.update(from: ins[0].data, count: out.shape.count)
            case .transpose: Ops.transposeReference(ins[0].view, out.view)
            default: Issue.record("unexpected op \(n.op.name)")
            }
            vals[n.output] = out
        }
        for threads in [1, 2] {
            let runner = try GraphRunner(graph: g, threads: threads)
            try runner.run(input)
            #expect(relativeError(runner.outputs[0], vals[t.id]!.view) < 1e-4)
            #expect(relativeError(runner.outputs[1], vals[sh.id]!.view) < 1e-4)
            // A second run on the same input gives the same answer (no stale buffer use).
            let first = Array(UnsafeBufferPointer(start: runner.outputs[0].data, count: runner.outputs[0].shape.count))
            runner.run()
            #expect(first == Array(UnsafeBufferPointer(start: runner.outputs[0].data, count: runner.outputs[0].shape.count)))
            // The planner reuses buffers: less memory than one buffer per value.
            let naive = g.values.reduce(0) { $0 + $1.shape.count * 4 }
            #expect(runner.activationBytes < naive)
        }
    }

    @Test func malformedGraphsAreRejected() throws {
        let b = GraphBuilder()
        let x = b.input("x", TensorShape(c: 2, h: 4, w: 4))
        #expect(throws: NNError.self) { try b.slice(x, start: 1, count: 2) }
        #expect(throws: NNError.self) { try b.shuffle(x, groups: 3) }
        #expect(throws: NNError.self) { try b.reshape(x, TensorShape(c: 3, h: 3, w: 3)) }
        let y = b.identity(x)
        var g = try b.build(outputs: [y])
        g.nodes[0].inputs = [1] // reads its own output: a cycle
        #expect(throws: NNError.self) { try g.validate() }
    }
}
