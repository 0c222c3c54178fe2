import CWayCueKernels
import Foundation
import Testing
@testable import WayCueNN

/// The Swift layer's use of the C kernel entry points that are the same on every architecture
/// (`wc_mt_qgemm`, `wc_mt_sgemm_packed`, `wc_mt_dwconv`); the per-ISA kernels behind them are
/// checked against their references by Tests/CKernelTests (natively and under qemu-aarch64).
@Suite struct KernelDispatchTests {
    func int8Outputs(level: Int32, threads: Int, cin: Int, cout: Int, hw: Int) throws -> [Float] {
        let conv = try Conv2D(config: Conv2DConfig(inChannels: cin, outChannels: cout, kernel: 1), activation: .leakyReLU(0.1), seed: 3)
        conv.quantize(inputScale: 1.0 / 127)
        let x = randomTensor(TensorShape(c: cin, h: 1, w: hw), seed: 8)
        let y = Tensor(shape: TensorShape(c: cout, h: 1, w: hw))
        let scratch = scratchBuffer(conv.scratchFloats(for: x.shape, threads: threads, precision: .int8))
        defer { scratch.deallocate() }
        let saved = Int8Kernels.level
        Int8Kernels.level = level
        defer { Int8Kernels.level = saved }
        conv.forwardInt8(x.view, y.view, scratch: scratch, pool: ThreadPool(threads: threads))
        return y.values
    }

    /// The SIMD int8 kernel this CPU picks (AVX2, AVX-512 VNNI, NEON, dot product or i8mm) and
    /// the portable one compute the same integers, so their outputs are bit-identical.
    @Test(.enabled(if: wc_cpu_int8_level() != WC_Q8_PORTABLE, "this CPU has no SIMD int8 kernel to compare"))
    func bestInt8KernelMatchesPortableExactly() throws {
        for (cin, cout, hw) in [(58, 58, 1600), (17, 9, 37), (96, 112, 100), (3, 1, 16), (5, 7, 15)] {
            let portable = try int8Outputs(level: WC_Q8_PORTABLE, threads: 1, cin: cin, cout: cout, hw: hw)
            let fast = try int8Outputs(level: Int8Kernels.best, threads: 2, cin: cin, cout: cout, hw: hw)
            #expect(portable == fast, "\(Int8Kernels.name(of: Int8Kernels.best)) \(cin)x\(cout)x\(hw)")
        }
    }

    /// A level this CPU lacks (here: those of the other architecture, at least) runs the portable
    /// kernel instead of executing instructions the CPU does not have.
    @Test func unsupportedInt8LevelsFallBackToPortable() throws {
        let all: [Int32] = [WC_Q8_AVX2, WC_Q8_AVX512VNNI, WC_Q8_NEON, WC_Q8_NEON_DOTPROD, WC_Q8_NEON_I8MM]
        let missing = all.filter { !Int8Kernels.isSupported($0) }
        #expect(missing.count >= 3) // the other architecture's levels are never supported
        let portable = try int8Outputs(level: WC_Q8_PORTABLE, threads: 1, cin: 20, cout: 6, hw: 33)
        for level in missing {
            #expect(try int8Outputs(level: level, threads: 1, cin: 20, cout: 6, hw: 33) == portable, "\(Int8Kernels.name(of: level))")
        }
    }

    @Test func levelNamesAreDistinct() {
        let names = [WC_Q8_PORTABLE, WC_Q8_AVX2, WC_Q8_AVX512VNNI, WC_Q8_NEON, WC_Q8_NEON_DOTPROD, WC_Q8_NEON_I8MM]
            .map { Int8Kernels.name(of: $0) }
        #expect(Set(names).count == 6)
        #expect(names[4] == "neon-dotprod")
        #expect(Int8Kernels.isSupported(Int8Kernels.best))
    }

    /// The engine's own packed fp32 GEMM (the default on Linux AArch64) against the reference
    /// convolution and against the BLAS path, on 1x1, im2col and grouped layers with fused and
    /// unfused activations, on 1 and 2 threads.
    @Test(arguments: [
        (24, 32, 1, 1, 1), (116, 116, 1, 1, 1), (13, 7, 1, 1, 1), (24, 32, 3, 1, 1), (12, 20, 3, 2, 1),
        (16, 16, 3, 1, 4), (9, 5, 5, 2, 1),
    ])
    func packedGEMMMatchesReference(cin: Int, cout: Int, kernel: Int, stride: Int, groups: Int) throws {
        for activation in [Activation.none, .relu, .leakyReLU(0.1), .silu] {
            let conv = try Conv2D(config: Conv2DConfig(inChannels: cin, outChannels: cout, kernel: kernel, stride: stride, groups: groups),
                                  activation: activation, seed: 11)
            #expect(conv.path == .pointwise || conv.path == .im2col)
            let x = randomTensor(TensorShape(c: cin, h: 19, w: 23), seed: 5)
            let out = try conv.outputShape(for: x.shape)
            let ref = Tensor(shape: out), packed = Tensor(shape: out), blas = Tensor(shape: out)
            conv.referenceForward(x.view, ref.view)
            let scratch = scratchBuffer(conv.scratchFloats(for: x.shape, threads: 2, precision: .fp32))
            defer { scratch.deallocate() }
            for threads in [1, 2] {
                conv.forward(x.view, packed.view, scratch: scratch, pool: ThreadPool(threads: threads), gemm: .packed)
                conv.forward(x.view, blas.view, scratch: scratch, pool: ThreadPool(threads: threads), gemm: .blas)
                #expect(ref.maxAbsDifference(packed) < 1e-4, "\(activation) \(threads) threads")
                #expect(blas.maxAbsDifference(packed) < 1e-4, "\(activation) \(threads) threads")
            }
        }
    }

    /// Batch-norm folding after packing repacks the weights.
    @Test func packedWeightsFollowBatchNormFolding() throws {
        let conv = try Conv2D(config: Conv2DConfig(inChannels: 8, outChannels: 4, kernel: 1), seed: 2)
        conv.preparePacked()
        try conv.foldBatchNorm(gamma: [2, 0.5, 1, 3], beta: [0, 1, -1, 0.5], mean: [0.1, 0, 0.2, -0.3], variance: [1, 2, 0.5, 1])
        let x = randomTensor(TensorShape(c: 8, h: 5, w: 5), seed: 1)
        let ref = Tensor(shape: TensorShape(c: 4, h: 5, w: 5)), got = Tensor(shape: ref.shape)
        conv.referenceForward(x.view, ref.view)
        let scratch = scratchBuffer(64)
        defer { scratch.deallocate() }
        conv.forward(x.view, got.view, scratch: scratch, pool: ThreadPool(threads: 1), gemm: .packed)
        #expect(ref.maxAbsDifference(got) < 1e-5)
    }
}
