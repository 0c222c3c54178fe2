import CWayCueKernels

func wc_dwScratch(_ input: TensorShape, _ c: Conv2DConfig) -> Int {
    wc_f32_dwconv_scratch(input.h, input.w, Int32(c.padTop), Int32(c.padLeft), Int32(c.padBottom), Int32(c.padRight))
}

extension Conv2D {
    func directScratch(_ input: TensorShape, _ out: TensorShape) -> Int {
        wc_f32_direct_scratch(input.c, input.h, input.w, Int32(config.kernelH), Int32(config.strideH),
                              Int32(config.padTop), Int32(config.padLeft), Int32(config.padBottom),
                              Int32(config.padRight), out.w)
    }

    /// The fast fp32 forward: GEMM for 1x1, direct SIMD kernel for depthwise 3x3/5x5,
    /// im2col + GEMM otherwise; bias and activation fused into the output pass.
    /// `scratch` must hold ``scratchFloats(for:threads:precision:)`` floats.
    public func forward(_ x: TensorView, _ y: TensorView, scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        forward(x, y, scratch: scratch, pool: pool, gemm: FP32Kernels.gemm)
    }

    /// The fast fp32 forward on an explicit GEMM (tests compare the two on the same layer).
    func forward(_ x: TensorView, _ y: TensorView, scratch: UnsafeMutablePointer<Float>, pool: ThreadPool, gemm: FP32GEMM) {
        let cfg = config
        let (act, a0, a1) = activation.kernelCode
        let outPlane = y.shape.plane
        for n in 0..<x.shape.n {
            let xin = x.channel(0, n: n), yout = y.channel(0, n: n)
            switch path {
            case .pointwise where gemm == .packed, .im2col where gemm == .packed:
                preparePacked()
                let (ocg, kg) = gemmShape
                let per = wc_sgemm_packed_a_size(ocg, kg)
                // Activations the GEMM epilogue has (codes 0-3) are fused; others run after.
                let fused = act <= 3
                for g in 0..<cfg.groups {
                    var b = UnsafePointer(xin)
                    if path == .im2col {
                        let icg = cfg.inChannels / cfg.groups
                        im2col(TensorView(xin + g * icg * x.shape.plane, TensorShape(c: icg, h: x.shape.h, w: x.shape.w)),
                               outH: y.shape.h, outW: y.shape.w, into: scratch)
                        b = UnsafePointer(scratch)
                    }
                    wc_mt_sgemm_packed(pool.raw, packedWeights + g * per, ocg, outPlane, kg, b, outPlane, bias + g * ocg,
                                       fused ? act : 0, a0, a1, yout + g * ocg * outPlane, outPlane)
                }
                if !fused { wc_mt_bias_act(pool.raw, yout, cfg.outChannels, outPlane, nil, act, a0, a1) }
            case .pointwise:
                if cfg.outChannels * outPlane * cfg.inChannels <= 1_100_000 {
                    prepare()
                    wc_mt_sgemm(pool.raw, blasSGEMM, 1, cfg.outChannels, outPlane, cfg.inChannels, transposedWeights,
                                cfg.outChannels, xin, outPlane, yout, outPlane)
                } else {
                    wc_mt_sgemm(pool.raw, blasSGEMM, 0, cfg.outChannels, outPlane, cfg.inChannels, weights,
                                cfg.inChannels, xin, outPlane, yout, outPlane)
                }
                biasActivation(yout, channels: cfg.outChannels, plane: outPlane, pool: pool)
            case .depthwise:
                wc_mt_dwconv(pool.raw, xin, x.shape.c, x.shape.h, x.shape.w, yout, y.shape.h, y.shape.w, weights, bias,
                             Int32(cfg.kernelH), Int32(cfg.strideH), Int32(cfg.padTop), Int32(cfg.padLeft),
                             Int32(cfg.padBottom), Int32(cfg.padRight), act, a0, a1, scratch, wc_dwScratch(x.shape, cfg))
            case .direct:
                wc_mt_conv_direct(pool.raw, xin, x.shape.c, x.shape.h, x.shape.w, yout, cfg.outChannels, y.shape.h,
                                  y.shape.w, weights, bias, Int32(cfg.kernelH), Int32(cfg.strideH), Int32(cfg.padTop),
                                  Int32(cfg.padLeft), Int32(cfg.padBottom), Int32(cfg.padRight), act, a0, a1, scratch,
                                  directScratch(x.shape, y.shape))
            case .im2col:
                let icg = cfg.inChannels / cfg.groups, ocg = cfg.outChannels / cfg.groups
                let kg = icg * cfg.kernelH * cfg.kernelW
                for g in 0..<cfg.groups {
                    im2col(TensorView(xin + g * icg * x.shape.plane, TensorShape(c: icg, h: x.shape.h, w: x.shape.w)),
                           outH: y.shape.h, outW: y.shape.w, into: scratch)
                    wc_mt_sgemm(pool.raw, blasSGEMM, 0, ocg, outPlane, kg, weights + g * ocg * kg, kg, scratch, outPlane,
                                yout + g * ocg * outPlane, outPlane)
                }
                biasActivation(yout, channels: cfg.outChannels, plane: outPlane, pool: pool)
            }
        }
    }

    /// y = act(y + bias), split across the pool by channel.
    func biasActivation(_ y: UnsafeMutablePointer<Float>, channels: Int, plane: Int, pool: ThreadPool) {
        let (act, a0, a1) = activation.kernelCode
        wc_mt_bias_act(pool.raw, y, channels, plane, bias, act, a0, a1)
    }

    /// Unfolds input patches into rows `(ci, ky, kx)` x columns `(oy, ox)`.
    func im2col(_ x: TensorView, outH: Int, outW: Int, into col: UnsafeMutablePointer<Float>) {
        let cfg = config
        let (h, w) = (x.shape.h, x.shape.w)
        var row = col
        for ci in 0..<x.shape.c {
            let plane = x.channel(ci)
            for ky in 0..<cfg.kernelH {
                for kx in 0..<cfg.kernelW {
                    for oy in 0..<outH {
                        let dst = row + oy * outW
                        let iy = oy * cfg.strideH - cfg.padTop + ky * cfg.dilationH
                        if iy < 0 || iy >= h {
                            dst.update(repeating: 0, count: outW)
                            continue
                        }
                        let src = plane + iy * w
                        let x0 = kx * cfg.dilationW - cfg.padLeft
                        if cfg.strideW == 1 {
                            // valid ox range: 0 <= ox + x0 < w
                            let lo = min(outW, max(0, -x0)), hi = max(lo, min(outW, w - x0))
                            if lo > 0 { dst.update(repeating: 0, count: lo) }
                            if hi > lo { dst.advanced(by: lo).update(from: src + lo + x0, count: hi - lo) }
                            if hi < outW { dst.advanced(by: hi).update(repeating: 0, count: outW - hi) }
                        } else {
                            for ox in 0..<outW {
                                let ix = ox * cfg.strideW + x0
                                dst[ox] = (ix >= 0 && ix < w) ? src[ix] : 0
                            }
                        }
                    }
                    row += outH * outW
                }
            }
        }
    }
}

/// Which fp32 GEMM the 1x1 and im2col convolutions run on.
public enum FP32GEMM: String, Sendable, CaseIterable {
    /// The platform BLAS (OpenBLAS on Linux, Accelerate on Apple platforms).
    case blas
    /// The engine's own kernel on weights packed once (`wc_mt_sgemm_packed`): NEON fma 8x12 on
    /// AArch64 (8x8 and 8x4 column edges), a vectorised C tile elsewhere.
    case packed
}

/// The fp32 kernel choices of the engine.
public enum FP32Kernels {
    /// The GEMM in use: ``FP32GEMM/packed`` on Linux AArch64 (no dependence on which OpenBLAS
    /// kernel set a board's package has), ``FP32GEMM/blas`` elsewhere (OpenBLAS's x86 kernels
    /// and Accelerate are faster than the portable tile). Set it before a graph runner is made.
    nonisolated(unsafe) public static var gemm: FP32GEMM = {
        #if arch(arm64) && os(Linux)
        return .packed
        #else
        return .blas
        #endif
    }()
    /// Name of the packed GEMM's micro-kernel on this architecture.
    public static var packedKernelName: String { String(cString: wc_sgemm_packed_kernel_name()) }
    /// Name of the depthwise 3x3 kernel on this architecture.
    public static var depthwiseKernelName: String { String(cString: wc_f32_dwconv_kernel_name()) }
}
