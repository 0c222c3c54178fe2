import WayCueImage

/// Draws precision-recall curves into an RGB ``Image`` (recall on x, precision on y, grid
/// every 0.1, one colour per class in ``PRCurvePlot/palette`` order, a legend with the
/// names at the bottom left and the axis names).
public enum PRCurvePlot {
    /// Line colours, in class order.
    public static let palette: [(UInt8, UInt8, UInt8)] = [
        (230, 25, 75), (60, 180, 75), (0, 130, 200), (245, 130, 48), (145, 30, 180),
        (70, 240, 240), (240, 50, 230), (128, 128, 0), (0, 128, 128), (170, 110, 40),
        (128, 0, 0), (0, 0, 128), (128, 128, 128), (255, 225, 25), (0, 0, 0),
    ]

    /// Renders the curves, in the order given.
    public static func render(_ curves: [(name: String, curve: PrecisionRecallCurve)], width: Int = 480, height: Int = 480) -> Image {
        var img = Image(width: max(64, width), height: max(64, height), format: .rgb8, fill: 255)
        let m = 24
        let w = img.width - 2 * m, h = img.height - 2 * m
        func px(_ r: Double, _ p: Double) -> (Int, Int) {
            (m + Int((r * Double(w)).rounded()), m + h - Int((p * Double(h)).rounded()))
        }
        for k in 0...10 {
            let v = Double(k) / 10
            let c: (UInt8, UInt8, UInt8) = k == 0 || k == 10 ? (0, 0, 0) : (220, 220, 220)
            line(&img, px(v, 0), px(v, 1), c)
            line(&img, px(0, v), px(1, v), c)
        }
        for (i, item) in curves.enumerated() {
            let col = palette[i % palette.count]
            let pts = zip(item.curve.recall, item.curve.precision).map { px($0, $1) }
            for j in 1..<max(1, pts.count) {
                line(&img, pts[j - 1], pts[j], col)
                line(&img, (pts[j - 1].0, pts[j - 1].1 + 1), (pts[j].0, pts[j].1 + 1), col)
            }
        }
        img.drawText("precision", x: 2, y: 8, color: .black)
        img.drawText("recall", x: img.width - m - 36, y: img.height - m + 8, color: .black)
        for (i, item) in curves.enumerated() {
            let col = palette[i % palette.count]
            let y = m + h - 12 - (curves.count - 1 - i) * 12
            for yy in y..<(y + 8) { for x in (m + 6)..<(m + 14) { set(&img, x, yy, col) } }
            img.drawText(item.name, x: m + 18, y: y, color: .black, background: .white)
        }
        return img
    }

    static func set(_ img: inout Image, _ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8)) {
        guard x >= 0, y >= 0, x < img.width, y < img.height else { return }
        let o = img.offset(x: x, y: y)
        img.pixels[o] = c.0
        img.pixels[o + 1] = c.1
        img.pixels[o + 2] = c.2
    }

    static func line(_ img: inout Image, _ a: (Int, Int), _ b: (Int, Int), _ c: (UInt8, UInt8, UInt8)) {
        var (x0, y0) = a
        let (x1, y1) = b
        let dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1
        let dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        while true {
            set(&img, x0, y0, c)
            if x0 == x1 && y0 == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x0 += sx }
            if e2 <= dx { err += dx; y0 += sy }
        }
    }
}
