/// Drawing for annotated previews. Every function clips to the image, so any coordinates
/// (negative, huge, NaN) are safe: what falls outside is simply not drawn.
extension Image {
    /// A coordinate made safe for integer pixel arithmetic.
    @inline(__always)
    static func pixelCoordinate(_ v: Float) -> Int {
        guard v.isFinite else { return v == .infinity ? 1 << 24 : -(1 << 24) }
        return Int(min(max(v, -16_777_216), 16_777_216).rounded(.down))
    }

    /// Fills the half-open pixel rectangle `x0..<x1`, `y0..<y1` (clipped).
    mutating func fill(x0: Int, y0: Int, x1: Int, y1: Int, color: PixelColor) {
        let cx0 = max(0, x0), cy0 = max(0, y0), cx1 = min(width, x1), cy1 = min(height, y1)
        guard cx1 > cx0, cy1 > cy0 else { return }
        let bpp = format.bytesPerPixel
        let stride = self.stride
        let luma = color.luma
        pixels.withUnsafeMutableBufferPointer { buffer in
            for y in cy0..<cy1 {
                var p = buffer.baseAddress! + y * stride + cx0 * bpp
                if bpp == 1 {
                    p.update(repeating: luma, count: cx1 - cx0)
                } else {
                    for _ in cx0..<cx1 {
                        p[0] = color.red
                        p[1] = color.green
                        p[2] = color.blue
                        p += 3
                    }
                }
            }
        }
    }

    /// Sets one pixel, ignoring positions outside the image.
    public mutating func setPixel(x: Int, y: Int, color: PixelColor) {
        fill(x0: x, y0: y, x1: x &+ 1, y1: y &+ 1, color: color)
    }

    /// The colour of pixel (`x`, `y`) (grey images give equal channels), or `nil` outside.
    public func pixel(x: Int, y: Int) -> PixelColor? {
        guard x >= 0, y >= 0, x < width, y < height else { return nil }
        let o = offset(x: x, y: y)
        if format == .grey8 { return PixelColor(grey: pixels[o]) }
        return PixelColor(red: pixels[o], green: pixels[o + 1], blue: pixels[o + 2])
    }

    /// Fills the rectangle at (`x`, `y`) of `width` x `height` pixels.
    public mutating func fillRectangle(x: Int, y: Int, width w: Int, height h: Int, color: PixelColor) {
        fill(x0: x, y0: y, x1: x &+ max(0, w), y1: y &+ max(0, h), color: color)
    }

    /// Fills the pixels a box covers (edges rounded outwards).
    public mutating func fillRectangle(_ box: Box, color: PixelColor) {
        fill(x0: Image.pixelCoordinate(box.x1), y0: Image.pixelCoordinate(box.y1),
             x1: Image.pixelCoordinate(box.x2.rounded(.up)), y1: Image.pixelCoordinate(box.y2.rounded(.up)),
             color: color)
    }

    /// Draws a box's outline, `thickness` pixels wide, inside the pixels the box covers.
    public mutating func drawRectangle(_ box: Box, color: PixelColor, thickness: Int = 2) {
        let x0 = Image.pixelCoordinate(box.x1), y0 = Image.pixelCoordinate(box.y1)
        let x1 = Image.pixelCoordinate(box.x2.rounded(.up)), y1 = Image.pixelCoordinate(box.y2.rounded(.up))
        drawRectangle(x: x0, y: y0, width: x1 - x0, height: y1 - y0, color: color, thickness: thickness)
    }

    /// Draws the outline of the rectangle at (`x`, `y`) of `width` x `height` pixels,
    /// `thickness` pixels wide, inside the rectangle.
    public mutating func drawRectangle(x: Int, y: Int, width w: Int, height h: Int, color: PixelColor,
                                       thickness: Int = 2) {
        guard w > 0, h > 0 else { return }
        let t = max(1, min(thickness, (min(w, h) + 1) / 2))
        fill(x0: x, y0: y, x1: x &+ w, y1: y &+ t, color: color)                 // top
        fill(x0: x, y0: y &+ h &- t, x1: x &+ w, y1: y &+ h, color: color)       // bottom
        fill(x0: x, y0: y &+ t, x1: x &+ t, y1: y &+ h &- t, color: color)       // left
        fill(x0: x &+ w &- t, y0: y &+ t, x1: x &+ w, y1: y &+ h &- t, color: color)  // right
    }

    /// Draws a straight line between two pixel centres, `thickness` pixels wide (Bresenham,
    /// with a square pen).
    public mutating func drawLine(x0: Int, y0: Int, x1: Int, y1: Int, color: PixelColor, thickness: Int = 1) {
        let t = max(1, thickness)
        let before = (t - 1) / 2, after = t - before
        // Clip the walk to the image (plus the pen) so huge coordinates cost nothing.
        guard let (ax, ay, bx, by) = Image.clipLine(x0, y0, x1, y1, minX: -t, minY: -t,
                                                    maxX: width + t, maxY: height + t) else { return }
        var x = ax, y = ay
        let dx = abs(bx - ax), dy = -abs(by - ay)
        let sx = ax < bx ? 1 : -1, sy = ay < by ? 1 : -1
        var error = dx + dy
        while true {
            fill(x0: x - before, y0: y - before, x1: x + after, y1: y + after, color: color)
            if x == bx && y == by { break }
            let e2 = 2 * error
            if e2 >= dy { error += dy; x += sx }
            if e2 <= dx { error += dx; y += sy }
        }
    }

    /// Draws a line between two points in continuous coordinates.
    public mutating func drawLine(from a: (x: Float, y: Float), to b: (x: Float, y: Float), color: PixelColor,
                                  thickness: Int = 1) {
        drawLine(x0: Image.pixelCoordinate(a.x), y0: Image.pixelCoordinate(a.y),
                 x1: Image.pixelCoordinate(b.x), y1: Image.pixelCoordinate(b.y), color: color, thickness: thickness)
    }

    /// Clips a segment to a rectangle (Liang-Barsky), rounding the new end points.
    static func clipLine(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, minX: Int, minY: Int, maxX: Int, maxY: Int)
        -> (Int, Int, Int, Int)? {
        let fx0 = Double(x0), fy0 = Double(y0), ddx = Double(x1 - x0), ddy = Double(y1 - y0)
        var t0 = 0.0, t1 = 1.0
        for (p, q) in [(-ddx, fx0 - Double(minX)), (ddx, Double(maxX) - fx0),
                       (-ddy, fy0 - Double(minY)), (ddy, Double(maxY) - fy0)] {
            if p == 0 {
                if q < 0 { return nil }
            } else {
                let r = q / p
                if p < 0 { if r > t1 { return nil }; if r > t0 { t0 = r } }
                else { if r < t0 { return nil }; if r < t1 { t1 = r } }
            }
        }
        return (Int((fx0 + t0 * ddx).rounded()), Int((fy0 + t0 * ddy).rounded()),
                Int((fx0 + t1 * ddx).rounded()), Int((fy0 + t1 * ddy).rounded()))
    }

    /// Draws a circle's outline of `radius` pixels around pixel (`centerX`, `centerY`),
    /// `thickness` pixels wide, inside the radius; `filled` fills the disc instead.
    public mutating func drawCircle(centerX: Int, centerY: Int, radius: Int, color: PixelColor,
                                    thickness: Int = 1, filled: Bool = false) {
        guard radius >= 0, radius < 1 << 20, abs(centerX) < 1 << 24, abs(centerY) < 1 << 24 else { return }
        let outer = (Double(radius) + 0.5) * (Double(radius) + 0.5)
        let innerRadius = Double(radius - max(1, thickness)) + 0.5
        let inner = filled || innerRadius <= 0 ? -1 : innerRadius * innerRadius
        let y0 = max(0, centerY - radius), y1 = min(height - 1, centerY + radius)
        guard y0 <= y1 else { return }
        for y in y0...y1 {
            let dy = Double(y - centerY)
            let span = outer - dy * dy
            guard span >= 0 else { continue }
            let half = Int(span.squareRoot())
            let xa = centerX - half, xb = centerX + half
            if inner < 0 || dy * dy >= inner {
                fill(x0: xa, y0: y, x1: xb + 1, y1: y + 1, color: color)
            } else {
                // Pixels with dx*dx + dy*dy <= inner stay untouched.
                let innerHalf = Int((inner - dy * dy).squareRoot())
                fill(x0: xa, y0: y, x1: centerX - innerHalf, y1: y + 1, color: color)
                fill(x0: centerX + innerHalf + 1, y0: y, x1: xb + 1, y1: y + 1, color: color)
            }
        }
    }

    /// Draws `text` with ``BitmapFont`` with its top-left corner at (`x`, `y`).
    ///
    /// - Parameters:
    ///   - text: The text; `\n` starts a new line; characters outside printable ASCII draw
    ///     as a hollow box.
    ///   - scale: Each font pixel becomes a `scale` x `scale` square (1 gives 5x7 glyphs).
    ///   - background: When given, a rectangle with a margin of `scale` pixels is filled
    ///     behind the text first.
    /// - Returns: The size of the drawn area, background margin included.
    @discardableResult
    public mutating func drawText(_ text: String, x: Int, y: Int, color: PixelColor, scale: Int = 1,
                                  background: PixelColor? = nil) -> (width: Int, height: Int) {
        let s = max(1, min(scale, 64))
        let size = BitmapFont.size(of: text, scale: s)
        let margin = background == nil ? 0 : s
        if let background {
            fill(x0: x &- margin, y0: y &- margin, x1: x &+ size.width &+ margin, y1: y &+ size.height &+ margin,
                 color: background)
        }
        var lineY = y
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var glyphX = x
            for character in line {
                if glyphX >= width || lineY >= height { break }
                if glyphX + BitmapFont.glyphWidth * s > 0 && lineY + BitmapFont.glyphHeight * s > 0 {
                    let rows = BitmapFont.glyph(for: character)
                    for (r, mask) in rows.enumerated() where mask != 0 {
                        for c in 0..<BitmapFont.glyphWidth where mask & (0x10 >> UInt8(c)) != 0 {
                            fill(x0: glyphX + c * s, y0: lineY + r * s, x1: glyphX + (c + 1) * s,
                                 y1: lineY + (r + 1) * s, color: color)
                        }
                    }
                }
                glyphX = glyphX &+ BitmapFont.advance * s
            }
            lineY = lineY &+ BitmapFont.lineHeight * s
        }
        return (size.width + 2 * margin, size.height + 2 * margin)
    }

    /// Draws a detection-style annotation: the box outline and `label` on a filled tab in the
    /// box colour, above the box's top-left corner (inside the box when there is no room
    /// above). The label's text is black or white, whichever contrasts more.
    public mutating func drawLabeledBox(_ box: Box, label: String, color: PixelColor, thickness: Int = 2,
                                        textScale: Int = 1) {
        drawRectangle(box, color: color, thickness: thickness)
        guard !label.isEmpty else { return }
        let s = max(1, textScale)
        let size = BitmapFont.size(of: label, scale: s)
        let tabHeight = size.height + 2 * s
        let x = max(0, Image.pixelCoordinate(box.x1))
        let top = Image.pixelCoordinate(box.y1)
        let tabY = top - tabHeight >= 0 ? top - tabHeight : max(0, top)
        let ink: PixelColor = color.luma > 140 ? .black : .white
        drawText(label, x: x + s, y: tabY + s, color: ink, scale: s, background: color)
    }
}
