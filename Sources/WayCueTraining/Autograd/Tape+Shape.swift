import WayCueNN

extension Tape {
    /// Concatenation along channels.
    public func concat(_ xs: [Var]) -> Var {
        let f = xs[0]
        precondition(xs.allSatisfy { $0.n == f.n && $0.h == f.h && $0.w == f.w }, "concat: shapes differ")
        let C = xs.reduce(0) { $0 + $1.c }, P = f.plane
        let y = Var(n: f.n, c: C, h: f.h, w: f.w, requiresGrad: xs.contains { $0.requiresGrad }, zeroed: false)
        for img in 0..<f.n {
            var off = 0
            for x in xs {
                (y.data + (img * C + off) * P).update(from: x.data + img * x.c * P, count: x.c * P)
                off += x.c
            }
        }
        record(y.requiresGrad) {
            guard y.hasGrad else { return }
            for img in 0..<f.n {
                var off = 0
                for x in xs {
                    if x.requiresGrad {
                        let d = x.grad + img * x.c * P, s = y.grad + (img * C + off) * P
                        for i in 0..<(x.c * P) { d[i] += s[i] }
                    }
                    off += x.c
                }
            }
        }
        return y
    }

    /// Channels `start..<start+count`.
    public func sliceChannels(_ x: Var, start: Int, count: Int) -> Var {
        precondition(start >= 0 && count > 0 && start + count <= x.c, "slice: channels out of range")
        let P = x.plane
        let y = Var(n: x.n, c: count, h: x.h, w: x.w, requiresGrad: x.requiresGrad, zeroed: false)
        for img in 0..<x.n {
            (y.data + img * count * P).update(from: x.data + (img * x.c + start) * P, count: count * P)
        }
        record(x.requiresGrad) {
            guard y.hasGrad else { return }
            for img in 0..<x.n {
                let d = x.grad + (img * x.c + start) * P, s = y.grad + img * count * P
                for i in 0..<(count * P) { d[i] += s[i] }
            }
        }
        return y
    }

    /// Channel shuffle: channel `g * (C / groups) + i` moves to `i * groups + g` (ShuffleNet).
    public func channelShuffle(_ x: Var, groups: Int) -> Var {
        precondition(x.c % groups == 0, "shuffle: groups must divide channels")
        let C = x.c, P = x.plane, per = C / groups
        let y = Var(n: x.n, c: C, h: x.h, w: x.w, requiresGrad: x.requiresGrad, zeroed: false)
        for img in 0..<x.n {
            for g in 0..<groups {
                for i in 0..<per {
                    (y.data + (img * C + i * groups + g) * P).update(from: x.data + (img * C + g * per + i) * P, count: P)
                }
            }
        }
        record(x.requiresGrad) {
            guard y.hasGrad else { return }
            for img in 0..<x.n {
                for g in 0..<groups {
                    for i in 0..<per {
                        let d = x.grad + (img * C + g * per + i) * P, s = y.grad + (img * C + i * groups + g) * P
                        for j in 0..<P { d[j] += s[j] }
                    }
                }
            }
        }
        return y
    }

    /// Max pooling with a square window, stride and symmetric padding (padding never wins).
    public func maxPool(_ x: Var, kernel k: Int, stride s: Int, padding p: Int) -> Var {
        let ho = (x.h + 2 * p - k) / s + 1, wo = (x.w + 2 * p - k) / s + 1
        let y = Var(n: x.n, c: x.c, h: ho, w: wo, requiresGrad: x.requiresGrad)
        var argmax = [Int32](repeating: 0, count: y.count)
        let (h, w) = (x.h, x.w)
        argmax.withUnsafeMutableBufferPointer { am in
            let amp = am.baseAddress!
            let T = pool.threads
            pool.parallelFor(T) { t in
                for pl in chunkRange(t, of: T, count: x.n * x.c) {
                    let xp = x.data + pl * h * w, yp = y.data + pl * ho * wo, ap = amp + pl * ho * wo
                    for oy in 0..<ho {
                        for ox in 0..<wo {
                            var best = -Float.greatestFiniteMagnitude, bi = 0
                            for ky in 0..<k {
                                let iy = oy * s - p + ky
                                if iy < 0 || iy >= h { continue }
                                for kx in 0..<k {
                                    let ix = ox * s - p + kx
                                    if ix < 0 || ix >= w { continue }
                                    let v = xp[iy * w + ix]
                                    if v > best { best = v; bi = iy * w + ix }
                                }
                            }
                            yp[oy * wo + ox] = best
                            ap[oy * wo + ox] = Int32(bi)
                        }
                    }
                }
            }
        }
        record(x.requiresGrad) {
            guard y.hasGrad else { return }
            let dx = x.grad, dy = y.grad
            for pl in 0..<(x.n * x.c) {
                for j in 0..<(ho * wo) { dx[pl * h * w + Int(argmax[pl * ho * wo + j])] += dy[pl * ho * wo + j] }
            }
        }
        return y
    }

    /// Nearest-neighbour resize to `height` x `width` (source index `floor(o * in / out)`, as
    /// WayCueNN's resize does).
    public func resizeNearest(_ x: Var, height: Int, width: Int) -> Var {
        let y = Var(n: x.n, c: x.c, h: height, w: width, requiresGrad: x.requiresGrad)
        let sy = Float(x.h) / Float(height), sx = Float(x.w) / Float(width)
        let iy = (0..<height).map { min(Int(Float($0) * sy), x.h - 1) }
        let ix = (0..<width).map { min(Int(Float($0) * sx), x.w - 1) }
        for pl in 0..<(x.n * x.c) {
            let xp = x.data + pl * x.plane, yp = y.data + pl * height * width
            for oy in 0..<height { for ox in 0..<width { yp[oy * width + ox] = xp[iy[oy] * x.w + ix[ox]] } }
        }
        record(x.requiresGrad) {
            guard y.hasGrad else { return }
            let dx = x.grad, dy = y.grad
            for pl in 0..<(x.n * x.c) {
                let xp = dx + pl * x.plane, yp = dy + pl * height * width
                for oy in 0..<height { for ox in 0..<width { xp[iy[oy] * x.w + ix[ox]] += yp[oy * width + ox] } }
            }
        }
        return y
    }
}
