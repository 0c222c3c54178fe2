#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How int8 calibration turns the activations seen at a convolution's input into its range.
public enum CalibrationMethod: Sendable, Equatable {
    /// The largest |x| seen: nothing clips, but one outlier widens every step.
    case max
    /// The |x| under which this percentage of the values fall (for example 99.99); the rare
    /// larger values clip, and the common ones get finer steps.
    case percentile(Double)
    /// The range whose 128-level quantization of the |x| histogram loses the least
    /// information: the threshold minimising the Kullback-Leibler divergence between the
    /// clipped histogram and its quantized copy (the "entropy" calibration of TensorRT and
    /// ncnn). Clips more than `.max` where a long thin tail holds few values. It judges at
    /// the resolution of a 2048-bin histogram, so it cannot see detail lost inside the lowest
    /// quantization level: when one extreme outlier puts nearly every value in the first bin,
    /// it keeps the max range (use `.percentile` there).
    case entropy
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
        if method != .max && method != .percentile(100) {
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
                let edge: Int
                switch method {
                case .percentile(let p): edge = Self.percentileEdge(hist[i], percentile: p)
                default: edge = Self.entropyEdge(hist[i], levels: 128)
                }
                range[i] = maxAbs[i] * Float(edge) / Float(bins)
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

    /// The number of histogram bins (from zero) that hold `percentile` per cent of the counts.
    static func percentileEdge(_ hist: [Int], percentile p: Double) -> Int {
        let total = hist.reduce(0, +)
        let wanted = Double(total) * p / 100
        var cumulative = 0
        for (b, c) in hist.enumerated() {
            cumulative += c
            if Double(cumulative) >= wanted { return b + 1 }
        }
        return hist.count
    }

    /// The number of histogram bins (from zero, at least `levels`) at which clipping and
    /// quantizing to `levels` steps loses the least information.
    ///
    /// For each candidate edge `e`, the reference `P` is the first `e` bins with every count
    /// beyond them added to the last (what clipping at `e` does); the candidate `Q` merges the
    /// first `e` bins of the histogram *without* those clipped counts into `levels` equal groups
    /// and spreads each group's count evenly over the bins where `P` is non-empty. Both are
    /// normalised, empty `Q` bins under non-empty `P` bins get a small floor, and the edge with
    /// the smallest `KL(P || Q)` wins; ties keep the wider range. Leaving the clipped counts out
    /// of `Q` is what makes clipping cost something (with them, `e = levels` would be exact).
    static func entropyEdge(_ hist: [Int], levels: Int) -> Int {
        let bins = hist.count
        guard bins > levels else { return bins }
        var suffix = [Double](repeating: 0, count: bins + 1)
        for b in stride(from: bins - 1, through: 0, by: -1) { suffix[b] = suffix[b + 1] + Double(hist[b]) }
        let total = suffix[0]
        guard total > 0 else { return bins }
        var best = bins
        var bestKL = Double.infinity
        var p = [Double](repeating: 0, count: bins)
        var q = [Double](repeating: 0, count: bins)
        for edge in stride(from: bins, through: levels, by: -1) {
            for b in 0..<edge { p[b] = Double(hist[b]) }
            p[edge - 1] += suffix[edge]
            var qTotal = 0.0
            for g in 0..<levels {
                let lo = g * edge / levels, hi = (g + 1) * edge / levels
                var sum = 0.0, nonEmpty = 0
                for b in lo..<hi {
                    sum += Double(hist[b])
                    if p[b] > 0 { nonEmpty += 1 }
                }
                let share = nonEmpty > 0 ? sum / Double(nonEmpty) : 0
                for b in lo..<hi { q[b] = p[b] > 0 ? share : 0 }
                qTotal += nonEmpty > 0 ? sum : 0
            }
            guard qTotal > 0 else { continue }
            // P sums to the whole count; Q to what was not clipped.
            let floor = 1e-4 / total
            var kl = 0.0
            for b in 0..<edge where p[b] > 0 {
                let pp = p[b] / total
                kl += pp * log(pp / max(q[b] / qTotal, floor))
            }
            if kl < bestKL - 1e-12 { bestKL = kl; best = edge }
        }
        return best
    }
}
