import WayCueImage

/// Drawing labels over frames and tiling frames into contact sheets, for people to check
/// what the renderer makes.
public enum SynthAnnotation {
    /// A distinct colour per class.
    public static func color(of c: SynthClass) -> (UInt8, UInt8, UInt8) {
        let palette: [(UInt8, UInt8, UInt8)] = [
            (255, 220, 0), (255, 140, 0), (255, 255, 255), (255, 40, 40), (40, 255, 80), (200, 0, 0),
            (230, 200, 0), (0, 170, 60), (255, 0, 255), (0, 200, 255), (0, 90, 255), (120, 255, 255),
            (180, 120, 255), (255, 110, 180), (160, 255, 120),
        ]
        return palette[c.index % palette.count]
    }

    /// Draws a one-pixel rectangle outline (`box` in pixel edges) into an RGB image.
    public static func drawBox(_ image: inout Image, _ box: Box, color: (UInt8, UInt8, UInt8)) {
        guard image.format == .rgb8 else { return }
        let x0 = max(0, Int(box.x1)), y0 = max(0, Int(box.y1))
        let x1 = min(image.width - 1, Int(box.x2) - 1), y1 = min(image.height - 1, Int(box.y2) - 1)
        guard x0 <= x1, y0 <= y1 else { return }
        func put(_ x: Int, _ y: Int) {
            let o = image.offset(x: x, y: y)
            image.pixels[o] = color.0; image.pixels[o + 1] = color.1; image.pixels[o + 2] = color.2
        }
        for x in x0...x1 { put(x, y0); put(x, y1) }
        for y in y0...y1 { put(x0, y); put(x1, y) }
    }

    /// The frame's image with every label's box drawn in its class colour, and ground-marking
    /// masks tinted.
    public static func annotated(_ frame: SynthFrame, tintMasks: Bool = true) -> Image {
        var img = frame.image
        if tintMasks {
            for i in 0..<frame.ids.count {
                let id = Int(frame.ids[i])
                guard id > 0, id < SynthFrame.objectIdBase, id <= frame.groundClasses.count else { continue }
                let c = color(of: frame.groundClasses[id - 1])
                let o = i * 3
                img.pixels[o] = UInt8((Int(img.pixels[o]) * 3 + Int(c.0)) / 4)
                img.pixels[o + 1] = UInt8((Int(img.pixels[o + 1]) * 3 + Int(c.1)) / 4)
                img.pixels[o + 2] = UInt8((Int(img.pixels[o + 2]) * 3 + Int(c.2)) / 4)
            }
        }
        for l in frame.labels { drawBox(&img, l.box, color: color(of: l.objectClass)) }
        return img
    }

    /// Tiles equally sized RGB images into a grid with a 2-pixel dark gutter.
    public static func contactSheet(_ images: [Image], columns: Int) -> Image? {
        guard let first = images.first, columns > 0 else { return nil }
        let w = first.width, h = first.height, gap = 2
        let rows = (images.count + columns - 1) / columns
        var sheet = Image(width: columns * (w + gap) + gap, height: rows * (h + gap) + gap, format: .rgb8, fill: 30)
        for (k, img) in images.enumerated() where img.width == w && img.height == h && img.format == .rgb8 {
            let ox = gap + (k % columns) * (w + gap), oy = gap + (k / columns) * (h + gap)
            for y in 0..<h {
                let src = img.offset(x: 0, y: y), dst = sheet.offset(x: ox, y: oy + y)
                for i in 0..<(w * 3) { sheet.pixels[dst + i] = img.pixels[src + i] }
            }
        }
        return sheet
    }
}
