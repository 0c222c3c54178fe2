import WayCueImage

/// Drawing labels over frames, for people to check what the renderer makes (boxes are drawn
/// with WayCueImage's drawing API; tile them with `ContactSheet`).
public enum SynthAnnotation {
    /// A distinct colour per class.
    public static func color(of c: SynthClass) -> PixelColor {
        let palette: [(UInt8, UInt8, UInt8)] = [
            (255, 220, 0), (255, 140, 0), (255, 255, 255), (255, 40, 40), (40, 255, 80), (200, 0, 0),
            (230, 200, 0), (0, 170, 60), (255, 0, 255), (0, 200, 255), (0, 90, 255), (120, 255, 255),
            (180, 120, 255), (255, 110, 180), (160, 255, 120),
        ]
        let p = palette[c.index % palette.count]
        return PixelColor(red: p.0, green: p.1, blue: p.2)
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
                img.pixels[o] = UInt8((Int(img.pixels[o]) * 3 + Int(c.red)) / 4)
                img.pixels[o + 1] = UInt8((Int(img.pixels[o + 1]) * 3 + Int(c.green)) / 4)
                img.pixels[o + 2] = UInt8((Int(img.pixels[o + 2]) * 3 + Int(c.blue)) / 4)
            }
        }
        for l in frame.labels { img.drawRectangle(l.box, color: color(of: l.objectClass), thickness: 1) }
        return img
    }
}
