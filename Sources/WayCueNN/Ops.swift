#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CWayCueKernels

/// Pooling geometry.
public struct PoolConfig: Hashable, Sendable {
    /// Max or average.
    public enum Kind: UInt8, Sendable { case max = 0, average = 1 }
    /// Max or average pooling.
    public var kind: Kind
    /// Kernel size (square).
    public var kernel: Int
    /// Stride.
    public var stride: Int
    /// Padding on each side (top, left, bottom, right).
    public var padTop: Int, padLeft: Int, padBottom: Int, padRight: Int
    /// Pool the whole plane into one value.
    public var global: Bool
    /// For average pooling: divide by the full kernel area (true) or the in-bounds count.
    public var countPadding: Bool

    /// Creates a pooling configuration.
    public init(kind: Kind, kernel: Int, stride: Int, padding: Int = 0, global: Bool = false, countPadding: Bool = false) {
        self.kind = kind
        self.kernel = kernel
        self.stride = stride
        (padTop, padLeft, padBottom, padRight) = (padding, padding, padding, padding)
        self.global = global
        self.countPadding = countPadding
    }

    /// Output shape for an input shape.
    public func outputShape(for s: TensorShape) throws(NNError) -> TensorShape {
        if global { return TensorShape(n: s.n, c: s.c, h: 1, w: 1) }
        guard kernel > 0, kernel <= 64, stride > 0, stride <= 64,
              [padTop, padLeft, padBottom, padRight].allSatisfy({ $0 >= 0 && $0 < kernel }) else {
            throw .invalidParameter(op: "pool", reason: "kernel \(kernel) stride \(stride) padding out of range")
        }
        let h = s.h + padTop + padBottom - kernel, w = s.w + padLeft + padRight - kernel
        guard h >= 0, w >= 0 else { throw .shapeMismatch(op: "pool", reason: "input \(s) smaller than kernel") }
        return TensorShape(n: s.n, c: s.c, h: h / stride + 1, w: w / stride + 1)
    }
}

/// Plain (reference) and fast implementations of the ops other than convolution.
/// Each fast version is held to its reference by the tests.
public enum Ops {
    // MARK: Pooling

    /// Reference pooling.
    public static func poolReference(_ x: TensorView, _ y: TensorView, _ p: PoolConfig) {
        let (k, s) = p.global ? (max(x.shape.h, x.shape.w), 1) : (p.kernel, p.stride)
        for c in 0..<x.shape.n * x.shape.c {
            let src = x.data + c * x.shape.plane, dst = y.data + c * y.shape.plane
            for oy in 0..<y.shape.h {
                for ox in 0..<y.shape.w {
                    var acc: Float = p.kind == .max ? -.infinity : 0
                    var cnt = 0
                    let kh = p.global ? x.shape.h : k, kw = p.global ? x.shape.w : k
                    for ky in 0..<kh {
                        for kx in 0..<kw {
                            let iy = oy * s - (p.global ? 0 : p.padTop) + ky
                            let ix = ox * s - (p.global ? 0 : p.padLeft) + kx
                            guard iy >= 0, iy < x.shape.h, ix >= 0, ix < x.shape.w else { continue }
                            let v = src[iy * x.shape.w + ix]
                            acc = p.kind == .max ? max(acc, v) : acc + v
                            cnt += 1
                        }
                    }
                    if p.kind == .average { acc /= Float(p.countPadding && !p.global ? kh * kw : max(cnt, 1)) }
                    dst[oy * y.shape.w + ox] = acc
                }
            }
        }
    }

    /// Fast pooling: the interior (where the window is fully inside) without bounds checks,
    /// the border through the reference path, split across the pool by channel.
    public static func pool(_ x: TensorView, _ y: TensorView, _ p: PoolConfig, scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        if p.global || p.kind == .average {
            poolReference(x, y, p)
            return
        }
        if p.stride <= 2 {
            wc_mt_maxpool(pool.raw, x.data, x.shape.n * x.shape.c, x.shape.h, x.shape.w, y.data, y.shape.h, y.shape.w,
                          Int32(p.kernel), Int32(p.stride), Int32(p.padTop), Int32(p.padLeft), Int32(p.padBottom),
                          Int32(p.padRight), scratch, poolScratch(x.shape, y.shape, p))
            return
        }
        let planes = x.shape.n * x.shape.c
        let tasks = min(pool.threads, planes)
        let chunk = (planes + tasks - 1) / tasks
        let (ih, iw, oh, ow, k, s) = (x.shape.h, x.shape.w, y.shape.h, y.shape.w, p.kernel, p.stride)
        pool.parallelFor(tasks) { t in
            for c in (t * chunk)..<min(planes, t * chunk + chunk) {
                let src = x.data + c * ih * iw, dst = y.data + c * oh * ow
                for oy in 0..<oh {
                    let y0 = oy * s - p.padTop
                    for ox in 0..<ow {
                        let x0 = ox * s - p.padLeft
                        var m: Float = -.infinity
                        if y0 >= 0 && y0 + k <= ih && x0 >= 0 && x0 + k <= iw {
                            var r = src + y0 * iw + x0
                            for _ in 0..<k {
                                for kx in 0..<k { m = max(m, r[kx]) }
                                r += iw
                            }
                        } else {
                            for ky in max(0, -y0)..<min(k, ih - y0) {
                                for kx in max(0, -x0)..<min(k, iw - x0) { m = max(m, src[(y0 + ky) * iw + x0 + kx]) }
                            }
                        }
                        dst[oy * ow + ox] = m
                    }
                }
            }
        }
    }

    /// Scratch floats per thread of the fast max pool.
    static func poolScratch(_ x: TensorShape, _ y: TensorShape, _ p: PoolConfig) -> Int {
        wc_f32_direct_scratch(1, x.h, x.w, Int32(p.kernel), Int32(p.stride), Int32(p.padTop), Int32(p.padLeft),
                              Int32(p.padBottom), Int32(p.padRight), y.w)
    }

    // MARK: Resize

    /// Resize modes.
    public enum ResizeMode: UInt8, Sendable { case nearest = 0, bilinear = 1 }

    /// Reference resize (half-pixel centres for bilinear, floor for nearest, like ncnn).
    public static func resizeReference(_ x: TensorView, _ y: TensorView, mode: ResizeMode) {
        let sy = Float(x.shape.h) / Float(y.shape.h), sx = Float(x.shape.w) / Float(y.shape.w)
        for c in 0..<x.shape.n * x.shape.c {
            let src = x.data + c * x.shape.plane, dst = y.data + c * y.shape.plane
            for oy in 0..<y.shape.h {
                for ox in 0..<y.shape.w {
                    if mode == .nearest {
                        let iy = min(Int(Float(oy) * sy), x.shape.h - 1), ix = min(Int(Float(ox) * sx), x.shape.w - 1)
                        dst[oy * y.shape.w + ox] = src[iy * x.shape.w + ix]
                    } else {
                        let fy = max((Float(oy) + 0.5) * sy - 0.5, 0), fx = max((Float(ox) + 0.5) * sx - 0.5, 0)
                        let y0 = min(Int(fy), x.shape.h - 1), x0 = min(Int(fx), x.shape.w - 1)
                        let y1 = min(y0 + 1, x.shape.h - 1), x1 = min(x0 + 1, x.shape.w - 1)
                        let dy = fy - Float(y0), dx = fx - Float(x0)
                        let a = src[y0 * x.shape.w + x0] * (1 - dx) + src[y0 * x.shape.w + x1] * dx
                        let b = src[y1 * x.shape.w + x0] * (1 - dx) + src[y1 * x.shape.w + x1] * dx
                        dst[oy * y.shape.w + ox] = a * (1 - dy) + b * dy
                    }
                }
            }
        }
    }

    /// Precomputed resize tables (built once per graph, so runs allocate nothing).
    public struct ResizeTable: Sendable {
        var x0: [Int32], x1: [Int32], fx: [Float], y0: [Int32], y1: [Int32], fy: [Float]
        /// Builds the table for `input` -> `output` sizes.
        public init(input: TensorShape, output: TensorShape, mode: ResizeMode) {
            func axis(_ n: Int, _ m: Int) -> ([Int32], [Int32], [Float]) {
                let s = Float(n) / Float(m)
                var a = [Int32](), b = [Int32](), f = [Float]()
                for o in 0..<m {
                    if mode == .nearest {
                        let i = Int32(min(Int(Float(o) * s), n - 1))
                        a.append(i); b.append(i); f.append(0)
                    } else {
                        let p = max((Float(o) + 0.5) * s - 0.5, 0)
                        let i0 = min(Int(p), n - 1)
                        a.append(Int32(i0)); b.append(Int32(min(i0 + 1, n - 1))); f.append(p - Float(i0))
                    }
                }
                return (a, b, f)
            }
            (x0, x1, fx) = axis(input.w, output.w)
            (y0, y1, fy) = axis(input.h, output.h)
        }
    }

    /// Fast resize using a precomputed table: rows interpolated once, then blended; split
    /// across `pool` by planes when the output is large (C, so that no closure context is
    /// allocated per run).
    public static func resize(_ x: TensorView, _ y: TensorView, table t: ResizeTable, pool: ThreadPool) {
        t.x0.withUnsafeBufferPointer { x0 in t.x1.withUnsafeBufferPointer { x1 in t.fx.withUnsafeBufferPointer { fx in
        t.y0.withUnsafeBufferPointer { y0 in t.y1.withUnsafeBufferPointer { y1 in t.fy.withUnsafeBufferPointer { fy in
            wc_mt_resize(pool.raw, x.data, x.shape.n * x.shape.c, x.shape.h, x.shape.w, y.data, y.shape.h, y.shape.w,
                         x0.baseAddress, x1.baseAddress, fx.baseAddress, y0.baseAddress, y1.baseAddress, fy.baseAddress)
        }}}}}}
    }

    // MARK: Data movement

    /// Concatenates along channels (batch 1 or equal batches).
    public static func concat(_ xs: [TensorView], _ y: TensorView) {
        for n in 0..<y.shape.n {
            var dst = y.channel(0, n: n)
            for x in xs {
                let cnt = x.shape.c * x.shape.plane
                dst.update(from: x.channel(0, n: n), count: cnt)
                dst += cnt
            }
        }
    }

    /// Reference channel shuffle: output channel `g' * (C / groups) + i` <- input `i * groups + g'`
    /// ... expressed as: out[c] = in[(c % groups) * (C / groups) + c / groups].
    public static func shuffleReference(_ x: TensorView, _ y: TensorView, groups: Int) {
        let c = x.shape.c, per = c / groups
        for n in 0..<x.shape.n {
            for o in 0..<c {
                let i = (o % groups) * per + o / groups
                y.channel(o, n: n).update(from: x.channel(i, n: n), count: x.shape.plane)
            }
        }
    }

    /// Concat of `xs` (equal channel counts) followed by a channel shuffle, in one copy.
    public static func concatShuffle(_ xs: [TensorView], _ y: TensorView, groups: Int) {
        let parts = xs.count, per = y.shape.c / groups, plane = y.shape.plane
        let cPer = xs[0].shape.c
        for n in 0..<y.shape.n {
            for o in 0..<y.shape.c {
                let i = (o % groups) * per + o / groups // channel of the concatenation
                let p = i / cPer
                if p < parts { y.channel(o, n: n).update(from: xs[p].channel(i - p * cPer, n: n), count: plane) }
            }
        }
    }

    /// Elementwise binary operations.
    public enum Binary: UInt8, Sendable { case add = 0, sub = 1, mul = 2, max = 3 }

    /// y = a (op) b, same shapes.
    public static func binary(_ a: TensorView, _ b: TensorView, _ y: TensorView, _ op: Binary) {
        let n = y.shape.count
        switch op {
        case .add: for i in 0..<n { y.data[i] = a.data[i] + b.data[i] }
        case .sub: for i in 0..<n { y.data[i] = a.data[i] - b.data[i] }
        case .mul: for i in 0..<n { y.data[i] = a.data[i] * b.data[i] }
        case .max: for i in 0..<n { y.data[i] = Swift.max(a.data[i], b.data[i]) }
        }
    }

    /// Reference: y = act(x) with the scalar definition.
    public static func activationReference(_ x: TensorView, _ y: TensorView, _ act: Activation) {
        for i in 0..<y.shape.count { y.data[i] = act.apply(x.data[i]) }
    }

    /// Fast y = act(x) (vectorised kernels; polynomial exp for sigmoid and SiLU).
    public static func activation(_ x: TensorView, _ y: TensorView, _ act: Activation) {
        if x.data != y.data { y.data.update(from: x.data, count: y.shape.count) }
        let (c, a0, a1) = act.kernelCode
        wc_f32_bias_act(y.data, 1, y.shape.count, y.shape.count, nil, c, a0, a1)
    }

    /// Reference transpose of the last two axes: y[n][c][j][i] = x[n][c][i][j].
    public static func transposeReference(_ x: TensorView, _ y: TensorView) {
        let (h, w) = (x.shape.h, x.shape.w)
        for p in 0..<x.shape.n * x.shape.c {
            for i in 0..<h { for j in 0..<w { y.data[p * h * w + j * h + i] = x.data[p * h * w + i * w + j] } }
        }
    }

    /// Fast transpose in 16x16 tiles (cache friendly), split across `pool` when large.
    public static func transpose(_ x: TensorView, _ y: TensorView, pool: ThreadPool? = nil) {
        wc_mt_transpose(pool?.raw, x.data, y.data, x.shape.n * x.shape.c, x.shape.h, x.shape.w)
    }

    /// Batched matrix product: for every `(n, c)`, `y[M x N] = a[M x K] * b[K x N]` (BLAS).
    public static func matmul(_ a: TensorView, _ b: TensorView, _ y: TensorView) {
        let m = a.shape.h, k = a.shape.w, n = b.shape.w
        for i in 0..<(a.shape.n * a.shape.c) {
            sgemm(m: m, n: n, k: k, a: a.data + i * m * k, lda: k, b: b.data + i * k * n, ldb: n,
                  c: y.data + i * m * n, ldc: n)
        }
    }

    /// Reference batched matrix product (plain loops), for tests.
    public static func matmulReference(_ a: TensorView, _ b: TensorView, _ y: TensorView) {
        let m = a.shape.h, k = a.shape.w, n = b.shape.w
        for i in 0..<(a.shape.n * a.shape.c) {
            for r in 0..<m {
                for col in 0..<n {
                    var s: Float = 0
                    for t in 0..<k { s += a.data[i * m * k + r * k + t] * b.data[i * k * n + t * n + col] }
                    y.data[i * m * n + r * n + col] = s
                }
            }
        }
    }

    /// Softmax along the last axis (w).
    public static func softmax(_ x: TensorView, _ y: TensorView) {
        let w = x.shape.w
        for r in 0..<(x.shape.count / max(w, 1)) {
            let s = x.data + r * w, d = y.data + r * w
            var m: Float = -.infinity
            for i in 0..<w { m = max(m, s[i]) }
            var sum: Float = 0
            for i in 0..<w { d[i] = expf(s[i] - m); sum += d[i] }
            for i in 0..<w { d[i] /= sum }
        }
    }
}
