extension GraphRunner {
    /// Post-training int8 calibration: runs fp32 on each sample, records max |x| at every
    /// convolution input, and quantizes those convolutions (per-channel weights, per-tensor
    /// activations). The first convolution and the last ones (no convolution after them) stay
    /// fp32, as do grouped / depthwise ones. Returns how many convolutions were quantized.
    /// Build a new runner with `precision: .int8` afterwards to run them.
    @discardableResult
    public func calibrateInt8(samples: [Tensor], keepFirstAndLastFP32: Bool = true) throws(NNError) -> Int {
        let g = graph
        var maxAbs = [Float](repeating: 0, count: g.nodes.count)
        let wasProfiling = profiling
        profiling = false
        for s in samples {
            guard s.shape == input.shape else {
                throw .shapeMismatch(op: "calibrate", reason: "sample \(s.shape), graph expects \(input.shape)")
            }
            input.data.update(from: s.data, count: s.shape.count)
            run { i in
                let n = g.nodes[i]
                guard case .conv = n.op, let v = output(named: g.values[n.inputs[0]].name) else { return }
                var m: Float = 0
                for k in 0..<v.shape.count { m = max(m, abs(v.data[k])) }
                maxAbs[i] = max(maxAbs[i], m)
            }
        }
        profiling = wasProfiling
        // Which convolutions have another convolution downstream?
        var feedsConv = [Bool](repeating: false, count: g.values.count)
        for n in g.nodes.reversed() {
            var downstream = feedsConv[n.output]
            if case .conv = n.op { downstream = true }
            for i in n.inputs where downstream { feedsConv[i] = true }
        }
        var count = 0
        for (i, n) in g.nodes.enumerated() {
            guard case .conv(let c) = n.op, c.supportsInt8, maxAbs[i] > 0 else { continue }
            if keepFirstAndLastFP32 && (g.inputs.contains(n.inputs[0]) || !feedsConv[n.output]) { continue }
            c.quantize(inputScale: maxAbs[i] / 127)
            count += 1
        }
        return count
    }
}
