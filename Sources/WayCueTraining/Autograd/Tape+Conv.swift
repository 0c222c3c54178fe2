import WayCueNN

extension Tape {
    /// 2-D convolution with square kernel, symmetric padding and channel groups.
    ///
    /// `weight` has shape `[out, in / groups, k, k]`; `bias` (optional) `[1, out, 1, 1]`.
    /// Depthwise convolutions run as direct loops; the others as im2col + SGEMM per image,
    /// images spread over the pool (BLAS itself single-threaded inside).
    public func conv2d(_ x: Var, _ weight: Var, bias: Var? = nil, stride: Int = 1, padding: Int = 0,
                       groups: Int = 1) -> Var {
        let cout = weight.n, k = weight.h
        precondition(weight.h == weight.w && x.c == weight.c * groups && cout % groups == 0,
                     "conv2d: weight shape does not match the input")
        let ho = (x.h + 2 * padding - k) / stride + 1, wo = (x.w + 2 * padding - k) / stride + 1
        let y = Var(n: x.n, c: cout, h: ho, w: wo,
                    requiresGrad: x.requiresGrad || weight.requiresGrad || (bias?.requiresGrad ?? false), zeroed: false)
        let g = ConvGeometry(n: x.n, cin: x.c, h: x.h, w: x.w, cout: cout, k: k, stride: stride, pad: padding,
                             groups: groups, ho: ho, wo: wo)
        let depthwise = groups == x.c && groups == cout && groups > 1
        let T = pool.threads
        if depthwise {
            pool.parallelFor(T) { t in
                for i in chunkRange(t, of: T, count: x.n * cout) {
                    depthwiseForward(g, x.data + i * g.h * g.w, weight.data + (i % cout) * k * k, y.data + i * ho * wo)
                }
            }
        } else {
            let colSize = g.colRows * g.colCols
            pool.parallelFor(T) { t in
                let col = g.isDirect ? nil : UnsafeMutablePointer<Float>.allocate(capacity: colSize)
                defer { col?.deallocate() }
                for img in chunkRange(t, of: T, count: x.n) {
                    for grp in 0..<groups {
                        let xin = x.data + (img * x.c + grp * g.cinG) * g.h * g.w
                        let src: UnsafePointer<Float>
                        if let col { im2col(g, xin, col); src = UnsafePointer(col) } else { src = UnsafePointer(xin) }
                        gemm(false, false, m: g.coutG, n: g.colCols, k: g.colRows,
                             a: weight.data + grp * g.coutG * g.colRows, lda: g.colRows, b: src, ldb: g.colCols,
                             beta: 0, c: y.data + (img * cout + grp * g.coutG) * ho * wo, ldc: g.colCols)
                    }
                }
            }
        }
        if let bias {
            for i in 0..<(x.n * cout) {
                let b = bias.data[i % cout]
                let p = y.data + i * ho * wo
                for j in 0..<(ho * wo) { p[j] += b }
            }
        }
        record(y.requiresGrad) { [unowned self] in
            self.conv2dBackward(x, weight, bias, y, g, depthwise: depthwise)
        }
        return y
    }

    private func conv2dBackward(_ x: Var, _ weight: Var, _ bias: Var?, _ y: Var, _ g: ConvGeometry, depthwise: Bool) {
        guard y.hasGrad else { return }
        let dy = y.grad
        let T = pool.threads
        let wc = weight.count
        let cout = g.cout, ho = g.ho, wo = g.wo, k = g.k
        if let bias, bias.requiresGrad {
            let db = bias.grad
            for i in 0..<(x.n * cout) {
                let p = dy + i * ho * wo
                var s: Float = 0
                for j in 0..<(ho * wo) { s += p[j] }
                db[i % cout] += s
            }
        }
        let needX = x.requiresGrad, needW = weight.requiresGrad
        let dx = needX ? x.grad : nil
        // Per-task weight-gradient accumulators, summed at the end.
        let dwParts = UnsafeMutablePointer<Float>.allocate(capacity: wc * T)
        dwParts.initialize(repeating: 0, count: wc * T)
        defer { dwParts.deallocate() }
        if depthwise {
            // Split over channels so that each task owns its channels' weight gradients.
            pool.parallelFor(T) { t in
                for ch in chunkRange(t, of: T, count: cout) {
                    for img in 0..<x.n {
                        let i = img * cout + ch
                        depthwiseBackward(g, x.data + i * g.h * g.w, weight.data + ch * k * k, dy + i * ho * wo,
                                          dx.map { $0 + i * g.h * g.w }, needW ? dwParts + ch * k * k : nil)
                    }
                }
            }
            if needW { let dw = weight.grad; for i in 0..<wc { dw[i] += dwParts[i] } }
            return
        }
        let colSize = g.colRows * g.colCols
        pool.parallelFor(T) { t in
            let col = g.isDirect ? nil : UnsafeMutablePointer<Float>.allocate(capacity: colSize)
            let dcol = (g.isDirect || !needX) ? nil : UnsafeMutablePointer<Float>.allocate(capacity: colSize)
            defer { col?.deallocate(); dcol?.deallocate() }
            let dwLocal = dwParts + t * wc
            for img in chunkRange(t, of: T, count: x.n) {
                for grp in 0..<g.groups {
                    let xin = x.data + (img * x.c + grp * g.cinG) * g.h * g.w
                    let dyg = dy + (img * cout + grp * g.coutG) * ho * wo
                    let wg = weight.data + grp * g.coutG * g.colRows
                    if needW {
                        let src: UnsafePointer<Float>
                        if let col { im2col(g, xin, col); src = UnsafePointer(col) } else { src = UnsafePointer(xin) }
                        // dW[coutG, K] += dY[coutG, P] * col[K, P]^T
                        gemm(false, true, m: g.coutG, n: g.colRows, k: g.colCols, a: dyg, lda: g.colCols,
                             b: src, ldb: g.colCols, beta: 1, c: dwLocal + grp * g.coutG * g.colRows, ldc: g.colRows)
                    }
                    if let dx {
                        let dxin = dx + (img * x.c + grp * g.cinG) * g.h * g.w
                        if let dcol {
                            gemm(true, false, m: g.colRows, n: g.colCols, k: g.coutG, a: wg, lda: g.colRows,
                                 b: dyg, ldb: g.colCols, beta: 0, c: dcol, ldc: g.colCols)
                            col2imAdd(g, dcol, dxin)
                        } else {
                            gemm(true, false, m: g.colRows, n: g.colCols, k: g.coutG, a: wg, lda: g.colRows,
                                 b: dyg, ldb: g.colCols, beta: 1, c: dxin, ldc: g.colCols)
                        }
                    }
                }
            }
        }
        if needW {
            let dw = weight.grad
            for t in 0..<T { let p = dwParts + t * wc; for i in 0..<wc { dw[i] += p[i] } }
        }
    }
}

/// Geometry of one convolution call.
struct ConvGeometry {
    var n, cin, h, w, cout, k, stride, pad, groups, ho, wo: Int
    var cinG: Int { cin / groups }
    var coutG: Int { cout / groups }
    var colRows: Int { cinG * k * k }
    var colCols: Int { ho * wo }
    /// 1x1, stride 1, no padding: the input is already the column matrix.
    var isDirect: Bool { k == 1 && stride == 1 && pad == 0 }
}

/// Column matrix `[cinG * k * k, ho * wo]` of one group of one image.
@inline(__always)
func im2col(_ g: ConvGeometry, _ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>) {
    let (k, s, p, h, w, ho, wo) = (g.k, g.stride, g.pad, g.h, g.w, g.ho, g.wo)
    var row = 0
    for c in 0..<g.cinG {
        let xc = x + c * h * w
        for ky in 0..<k {
            for kx in 0..<k {
                let out = col + row * ho * wo
                for oy in 0..<ho {
                    let iy = oy * s - p + ky
                    let o = out + oy * wo
                    if iy < 0 || iy >= h {
                        o.update(repeating: 0, count: wo)
                        continue
                    }
                    let xr = xc + iy * w
                    for ox in 0..<wo {
                        let ix = ox * s - p + kx
                        o[ox] = (ix >= 0 && ix < w) ? xr[ix] : 0
                    }
                }
                row += 1
            }
        }
    }
}

/// Adds a column-matrix gradient back into the image gradient (the adjoint of `im2col`).
@inline(__always)
func col2imAdd(_ g: ConvGeometry, _ col: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>) {
    let (k, s, p, h, w, ho, wo) = (g.k, g.stride, g.pad, g.h, g.w, g.ho, g.wo)
    var row = 0
    for c in 0..<g.cinG {
        let xc = dx + c * h * w
        for ky in 0..<k {
            for kx in 0..<k {
                let src = col + row * ho * wo
                for oy in 0..<ho {
                    let iy = oy * s - p + ky
                    if iy < 0 || iy >= h { continue }
                    let xr = xc + iy * w
                    let o = src + oy * wo
                    for ox in 0..<wo {
                        let ix = ox * s - p + kx
                        if ix >= 0 && ix < w { xr[ix] += o[ox] }
                    }
                }
                row += 1
            }
        }
    }
}

/// Valid output columns `lo..<hi` of kernel column `kx`: those whose input column
/// `ox * s - p + kx` lies in `0..<w`.
@inline(__always)
func validColumns(kx: Int, s: Int, p: Int, w: Int, wo: Int) -> Range<Int> {
    let a = p - kx, b = w - 1 + p - kx
    let lo = a <= 0 ? 0 : (a + s - 1) / s
    let hi = b < 0 ? 0 : min(wo, b / s + 1)
    return lo..<max(lo, hi)
}

/// One channel of a depthwise convolution, row by row and tap by tap (branch-free inner
/// loops that vectorise).
@inline(__always)
func depthwiseForward(_ g: ConvGeometry, _ x: UnsafePointer<Float>, _ wt: UnsafePointer<Float>,
                      _ y: UnsafeMutablePointer<Float>) {
    let (k, s, p, h, w, ho, wo) = (g.k, g.stride, g.pad, g.h, g.w, g.ho, g.wo)
    y.update(repeating: 0, count: ho * wo)
    for oy in 0..<ho {
        let yr = y + oy * wo
        for ky in 0..<k {
            let iy = oy * s - p + ky
            if iy < 0 || iy >= h { continue }
            let xr = x + iy * w
            for kx in 0..<k {
                let wv = wt[ky * k + kx], off = kx - p
                let r = validColumns(kx: kx, s: s, p: p, w: w, wo: wo)
                if s == 1 {
                    for ox in r { yr[ox] += wv * xr[ox + off] }
                } else {
                    for ox in r { yr[ox] += wv * xr[ox * s + off] }
                }
            }
        }
    }
}

/// Backward of one channel of a depthwise convolution.
@inline(__always)
func depthwiseBackward(_ g: ConvGeometry, _ x: UnsafePointer<Float>, _ wt: UnsafePointer<Float>,
                       _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>?,
                       _ dw: UnsafeMutablePointer<Float>?) {
    let (k, s, p, h, w, ho, wo) = (g.k, g.stride, g.pad, g.h, g.w, g.ho, g.wo)
    for oy in 0..<ho {
        let dyr = dy + oy * wo
        for ky in 0..<k {
            let iy = oy * s - p + ky
            if iy < 0 || iy >= h { continue }
            let xr = x + iy * w
            for kx in 0..<k {
                let tap = ky * k + kx, off = kx - p
                let r = validColumns(kx: kx, s: s, p: p, w: w, wo: wo)
                if let dw {
                    var acc: Float = 0
                    if s == 1 { for ox in r { acc += dyr[ox] * xr[ox + off] } }
                    else { for ox in r { acc += dyr[ox] * xr[ox * s + off] } }
                    dw[tap] += acc
                }
                if let dx {
                    let dxr = dx + iy * w, wv = wt[tap]
                    if s == 1 { for ox in r { dxr[ox + off] += wv * dyr[ox] } }
                    else { for ox in r { dxr[ox * s + off] += wv * dyr[ox] } }
                }
            }
        }
    }
}
