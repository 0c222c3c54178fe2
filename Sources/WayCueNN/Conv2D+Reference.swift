extension Conv2D {
    /// The plain definition of the convolution (no packing, no BLAS, no SIMD): the yardstick
    /// every fast path is tested against.
    public func referenceForward(_ x: TensorView, _ y: TensorView) {
        let cfg = config
        let icg = cfg.inChannels / cfg.groups, ocg = cfg.outChannels / cfg.groups
        for n in 0..<x.shape.n {
            for o in 0..<cfg.outChannels {
                let g = o / ocg
                for oy in 0..<y.shape.h {
                    for ox in 0..<y.shape.w {
                        var s: Float = bias[o]
                        for i in 0..<icg {
                            let ci = g * icg + i
                            for ky in 0..<cfg.kernelH {
                                let iy = oy * cfg.strideH - cfg.padTop + ky * cfg.dilationH
                                if iy < 0 || iy >= x.shape.h { continue }
                                for kx in 0..<cfg.kernelW {
                                    let ix = ox * cfg.strideW - cfg.padLeft + kx * cfg.dilationW
                                    if ix < 0 || ix >= x.shape.w { continue }
                                    let wv = weights[((o * icg + i) * cfg.kernelH + ky) * cfg.kernelW + kx]
                                    s += wv * x.channel(ci, n: n)[iy * x.shape.w + ix]
                                }
                            }
                        }
                        y.channel(o, n: n)[oy * y.shape.w + ox] = activation.apply(s)
                    }
                }
            }
        }
    }
}
