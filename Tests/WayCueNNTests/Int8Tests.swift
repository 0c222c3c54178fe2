import CWayCueKernels
import Testing
@testable import WayCueNN

@Suite struct Int8Tests {
    /// The VNNI kernel and the portable one compute the same integers (same packed layout).
    @Test(.enabled(if: wc_cpu_int8_level() >= 2, "needs AVX-512 VNNI to compare against"))
    func vnniMatchesPortableExactly() throws {
        for (cin, cout, hw) in [(58, 58, 1600), (17, 9, 37), (96, 112, 100), (3, 1, 16)] {
            let conv = try Conv2D(config: Conv2DConfig(inChannels: cin, outChannels: cout, kernel: 1), activation: .leakyReLU(0.1), seed: 3)
            conv.quantize(inputScale: 1.0 / 127)
            let x = randomTensor(TensorShape(c: cin, h: 1, w: hw), seed: 8)
            let a = Tensor(shape: TensorShape(c: cout, h: 1, w: hw)), b = Tensor(shape: a.shape)
            let scratch = scratchBuffer(conv.scratchFloats(for: x.shape, threads: 2, precision: .int8))
            defer { scratch.deallocate() }
            let saved = Int8Kernels.level
            Int8Kernels.level = 0
            conv.forwardInt8(x.view, a.view, scratch: scratch, pool: ThreadPool(threads: 1))
            Int8Kernels.level = saved
            conv.forwardInt8(x.view, b.view, scratch: scratch, pool: ThreadPool(threads: 2))
            let same = a.values == b.values
            #expect(same, "\(cin)x\(cout)x\(hw)")
        }
    }

    /// int8 convolutions stay close to fp32 (error bounded by the quantization steps).
    @Test(arguments: [(1, 1), (3, 1), (3, 2)])
    func int8CloseToFP32(kernel: Int, stride: Int) throws {
        let conv = try Conv2D(config: Conv2DConfig(inChannels: 24, outChannels: 32, kernel: kernel, stride: stride), activation: .relu, seed: 4)
        let x = randomTensor(TensorShape(c: 24, h: 20, w: 20), seed: 2)
        let out = try conv.outputShape(for: x.shape)
        let ref = Tensor(shape: out), q = Tensor(shape: out)
        conv.referenceForward(x.view, ref.view)
        conv.quantize(inputScale: 1.0 / 127)
        let scratch = scratchBuffer(conv.scratchFloats(for: x.shape, threads: 1, precision: .int8))
        defer { scratch.deallocate() }
        conv.forwardInt8(x.view, q.view, scratch: scratch, pool: ThreadPool(threads: 1))
        var maxRef: Float = 0
        for i in 0..<ref.shape.count { maxRef = max(maxRef, abs(ref.data[i])) }
        #expect(ref.maxAbsDifference(q) < 0.03 * maxRef)
        #expect(ref.maxAbsDifference(q) > 0) // it really ran in int8
    }

    @Test func calibratedGraphKeepsFirstAndLastInFP32() throws {
        let b = GraphBuilder()
        let x = b.input("x", TensorShape(c: 3, h: 16, w: 16))
        let c1 = try b.conv(x, out: 8, kernel: 3, activation: .relu, seed: 1)
        let c2 = try b.conv(c1, out: 8, kernel: 1, activation: .relu, seed: 2)
        let c3 = try b.conv(c2, out: 8, kernel: 1, activation: .relu, seed: 3)
        let c4 = try b.conv(c3, out: 2, kernel: 1, seed: 4)
        let g = try b.build(outputs: [c4])
        let fp = try GraphRunner(graph: g)
        let sample = randomTensor(x.shape, seed: 5)
        #expect(try fp.calibrateInt8(samples: [sample]) == 2)
        try fp.run(sample.view)
        let ref = Array(UnsafeBufferPointer(start: fp.outputs[0].data, count: fp.outputs[0].shape.count))
        let q = try GraphRunner(graph: g, precision: .int8)
        try q.run(sample.view)
        let got = Array(UnsafeBufferPointer(start: q.outputs[0].data, count: ref.count))
        let maxRef = ref.map(abs).max()!
        let maxDiff = zip(ref, got).map { abs($0 - $1) }.max()!
        #expect(maxDiff < 0.05 * maxRef && maxDiff > 0)
    }

    /// Percentile calibration clips a rare outlier: with one huge input value, the max range
    /// makes the quantization step so coarse that the ordinary values lose their detail, while
    /// the 95th percentile keeps them close to fp32 (the outlier spreads over a 3x3 neighbourhood
    /// of every channel downstream, about 3.5% of that input). Bad percentiles are rejected.
    @Test func percentileCalibrationClipsARareOutlier() throws {
        func build() throws -> (Graph, TensorShape) {
            let b = GraphBuilder()
            let x = b.input("x", TensorShape(c: 3, h: 16, w: 16))
            let c1 = try b.conv(x, out: 8, kernel: 3, activation: .relu, seed: 1)
            let c2 = try b.conv(c1, out: 8, kernel: 1, seed: 2)
            let c3 = try b.conv(c2, out: 2, kernel: 1, seed: 3)
            return (try b.build(outputs: [c3]), x.shape)
        }
        func relativeError(_ method: CalibrationMethod, probe: Tensor, calib: Tensor) throws -> Float {
            let (g, _) = try build()
            let fp = try GraphRunner(graph: g)
            try fp.calibrateInt8(samples: [calib], keepFirstAndLastFP32: false, method: method)
            try fp.run(probe.view)
            let ref = Array(UnsafeBufferPointer(start: fp.outputs[0].data, count: fp.outputs[0].shape.count))
            let q = try GraphRunner(graph: g, precision: .int8)
            try q.run(probe.view)
            let got = Array(UnsafeBufferPointer(start: q.outputs[0].data, count: ref.count))
            return zip(ref, got).map { abs($0 - $1) }.max()! / ref.map(abs).max()!
        }
        let (_, shape) = try build()
        let probe = randomTensor(shape, seed: 5)
        let calib = randomTensor(shape, seed: 5)
        calib.data[17] = 5000  // one outlier in 768 values 
        let maxError = try relativeError(.max, probe: probe, calib: calib)
        let pctError = try relativeError(.percentile(95), probe: probe, calib: calib)
        #expect(pctError < maxError / 4, "percentile \(pctError) vs max \(maxError)")
        let (g, _) = try build()
        #expect(throws: NNError.self) {
            try GraphRunner(graph: g).calibrateInt8(samples: [calib], method: .percentile(0))
        }
    }
}
