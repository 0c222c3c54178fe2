/// How int8 calibration turns the activations seen at a convolution's input into its range.
public enum CalibrationMethod: Sendable, Equatable {
    /// The largest |x| seen: nothing clips, but one outlier widens every step.
    case max
    /// The |x| under which this percentage of the values fall (for example 99.99); the rare
    /// larger values clip, and the common ones get finer steps.
    case percentile(Double)
}

extension GraphRunner {
    /// Post-training int8 calibration: runs fp32 on each sample, records the range of every
    /// convolution input (``CalibrationMethod``), and quantizes those convolutions (per-channel
    /// weights, per-tensor activations). The first convolution and the last ones (no
    /// convolution after them) stay fp32, as do grouped / depthwise ones. Returns how many
    /// convolutions were quantized. Build a new runner with `precision: .int8` afterwards to
    /// run them.
    ///
    /// - Throws: ``NNError/shapeMismatch(op:reason:)`` for a sample of the wrong shape, or
    ///   ``NNError/invalidParameter(op:reason:)`` for a percentile outside (0, 100].
    @discardableResult
    public func calibrateInt8(samples: [Tensor], keepFirstAndLastFP32: Bool = true,
                              method: CalibrationMethod = .max) throws(NNError) -> Int {
        let g = graph
        if case .percentile(let p) = method, !(p > 0 && p <= 100) {
            throw .invalidParameter(op: "calibrate", reason: "percentile must be in (0, 100], got \(p)")
        }
        var maxAbs = [Float](repeating: 0, count: g.nodes.count)
        let wasProfiling = profiling
        profiling = false
        defer { profiling = wasProfiling }
        for s in samples where s.shape != input.shape {
            throw .shapeMismatch(op: "calibrate", reason: "sample \(s.shape), graph expects \(input.shape)")
        }
        forEachConvolutionInput(samples) { i, v in
            var m: Float = 0
            for k in 0..<v.shape.count { m = max(m, abs(v.data[k])) }
            maxAbs[i] = max(maxAbs[i], m)
        }
        var range = maxAbs
        if case .percentile(let p) = method, p < 100 {
            // Second pass: a histogram of |x| over [0, max] per convolution input.
            let bins = 2048
            var hist = [[Int]](repeating: [], count: g.nodes.count)
            for i in g.nodes.indices where maxAbs[i] > 0 { hist[i] = [Int](repeating: 0, count: bins) }
            forEachConvolutionInput(samples) { i, v in
                guard maxAbs[i] > 0 else { return }
                let scale = Float(bins) / maxAbs[i]
                hist[i].withUnsafeMutableBufferPointer { h in
                    for k in 0..<v.shape.count { h[min(bins - 1, Int(abs(v.data[k]) * scale))] += 1 }
                }
            }
            for i in g.nodes.indices where maxAbs[i] > 0 {
                let total = hist[i].reduce(0, +)
                let wanted = Double(total) * p / 100
                var cumulative = 0
                for (b, c) in hist[i].enumerated() {
                    cumulative += c
                    if Double(cumulative) >= wanted {
                        range[i] = maxAbs[i] * Float(b + 1) / Float(bins)
                        break
                    }
                }
            }
        }
        // Which convolutions have another convolution downstream?
        var feedsConv = [Bool](repeating: false, count: g.values.count)
        for n in g.nodes.reversed() {
            var downstream = feedsConv[n.output]
            if case .conv = n.op { downstream = true }
            for i in n.inputs where downstream { feedsConv[i] = true }
        }
        var count = 0
        for (i, n) in g.nodes.enumerated() {
            guard case .conv(let c) = n.op, c.supportsInt8, range[i] > 0 else { continue }
            if keepFirstAndLastFP32 && (g.inputs.contains(n.inputs[0]) || !feedsConv[n.output]) { continue }
            c.quantize(inputScale: range[i] / 127)
            count += 1
        }
        return count
    }

    /// Runs the fp32 graph on every sample (already checked to have the input's shape) and
    /// calls `body` with each convolution node's index and its input, just before it runs.
    private func forEachConvolutionInput(_ samples: [Tensor], _ body: (Int, TensorView) -> Void) {
        let g = graph
        for s in samples {
            input.data.update(from: s.data, count: s.shape.count)
            run { i in
                let n = g.nodes[i]
                guard case .conv = n.op, let v = output(named: g.values[n.inputs[0]].name) else { return }
                body(i, v)
            }
        }
    }
}
