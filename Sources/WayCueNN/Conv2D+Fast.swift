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
        let cfg = config
        let (act, a0, a1) = activation.kernelCode
        let outPlane = y.shape.plane
        for n in 0..<x.shape.n {
            let xin = x.channel(0, n: n), yout = y.channel(0, n: n)
            switch path {
            case .pointwise:
                if cfg.outChannels * outPlane * cfg.inChannels <= 1_100_000 {
                    prepare()
                    sgemmTransA(m: cfg.outChannels, n: outPlane, k: cfg.inChannels, at: transposedWeights,
                                b: xin, ldb: outPlane, c: yout, ldc: outPlane)
                } else {
                    sgemm(m: cfg.outChannels, n: outPlane, k: cfg.inChannels, a: weights, lda: cfg.inChannels,
                          b: xin, ldb: outPlane, c: yout, ldc: outPlane)
                }
                biasActivation(yout, channels: cfg.outChannels, plane: outPlane, pool: pool)
            case .depthwise:
                let per = wc_dwScratch(x.shape, cfg)
                let tasks = min(pool.threads, cfg.outChannels)
                let chunk = (cfg.outChannels + tasks - 1) / tasks
                let (h, w, ho, wo) = (x.shape.h, x.shape.w, y.shape.h, y.shape.w)
                let (wp, bp) = (weights, bias)
                pool.parallelFor(tasks) { t in
                    let c0 = t * chunk, c1 = min(cfg.outChannels, c0 + chunk)
                    if c0 >= c1 { return }
                    wc_f32_dwconv(xin, h, w, yout, ho, wo, wp, bp, Int32(cfg.kernelH), Int32(cfg.strideH),
                                  Int32(cfg.padTop), Int32(cfg.padLeft), Int32(cfg.padBottom), Int32(cfg.padRight),
                                  act, a0, a1, scratch + t * per, c0, c1)
                }
            case .direct:
                let per = directScratch(x.shape, y.shape)
                let tasks = min(pool.threads, cfg.outChannels)
                let chunk = (cfg.outChannels + tasks - 1) / tasks
                let (c, h, w, ho, wo) = (x.shape.c, x.shape.h, x.shape.w, y.shape.h, y.shape.w)
                let (wp, bp) = (weights, bias)
                pool.parallelFor(tasks) { t in
                    let o0 = t * chunk, o1 = min(cfg.outChannels, o0 + chunk)
                    if o0 >= o1 { return }
                    wc_f32_conv_direct(xin, c, h, w, yout, ho, wo, wp, bp, Int32(cfg.kernelH), Int32(cfg.strideH),
                                       Int32(cfg.padTop), Int32(cfg.padLeft), Int32(cfg.padBottom), Int32(cfg.padRight),
                                       act, a0, a1, scratch + t * per, o0, o1)
                }
            case .im2col:
                let icg = cfg.inChannels / cfg.groups, ocg = cfg.outChannels / cfg.groups
                let kg = icg * cfg.kernelH * cfg.kernelW
                for g in 0..<cfg.groups {
                    im2col(TensorView(xin + g * icg * x.shape.plane, TensorShape(c: icg, h: x.shape.h, w: x.shape.w)),
                           outH: y.shape.h, outW: y.shape.w, into: scratch)
                    sgemm(m: ocg, n: outPlane, k: kg, a: weights + g * ocg * kg, lda: kg, b: scratch, ldb: outPlane,
                          c: yout + g * ocg * outPlane, ldc: outPlane)
                }
                biasActivation(yout, channels: cfg.outChannels, plane: outPlane, pool: pool)
            }
        }
    }

    /// y = act(y + bias), split across the pool by channel.
    func biasActivation(_ y: UnsafeMutablePointer<Float>, channels: Int, plane: Int, pool: ThreadPool) {
        let (act, a0, a1) = activation.kernelCode
        let tasks = channels * plane >= 32768 ? min(pool.threads, channels) : 1
        let chunk = (channels + tasks - 1) / tasks
        let b = bias
        pool.parallelFor(tasks) { t in
            let c0 = t * chunk, c1 = min(channels, c0 + chunk)
            if c0 < c1 { wc_f32_bias_act(y + c0 * plane, c1 - c0, plane, plane, b + c0, act, a0, a1) }
        }
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
