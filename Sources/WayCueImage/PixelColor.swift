/// An 8-bit RGB colour for drawing. On grey images its BT.601 luma is drawn.
public struct PixelColor: Sendable, Hashable, Codable {
    /// Red, 0...255.
    public var red: UInt8
    /// Green, 0...255.
    public var green: UInt8
    /// Blue, 0...255.
    public var blue: UInt8

    /// Creates a colour from its channels.
    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// A neutral grey.
    public init(grey: UInt8) { self.init(red: grey, green: grey, blue: grey) }

    /// The grey value drawn on ``PixelFormat/grey8`` images: `(77 R + 150 G + 29 B + 128) >> 8`.
    public var luma: UInt8 {
        UInt8(truncatingIfNeeded: (77 * Int(red) + 150 * Int(green) + 29 * Int(blue) + 128) >> 8)
    }

    /// Black.
    public static let black = PixelColor(grey: 0)
    /// White.
    public static let white = PixelColor(grey: 255)
    /// Pure red.
    public static let red = PixelColor(red: 255, green: 0, blue: 0)
    /// Pure green.
    public static let green = PixelColor(red: 0, green: 255, blue: 0)
    /// Pure blue.
    public static let blue = PixelColor(red: 0, green: 0, blue: 255)
    /// Yellow.
    public static let yellow = PixelColor(red: 255, green: 220, blue: 0)
    /// Orange.
    public static let orange = PixelColor(red: 255, green: 140, blue: 0)
    /// Cyan.
    public static let cyan = PixelColor(red: 0, green: 220, blue: 255)
    /// Magenta.
    public static let magenta = PixelColor(red: 255, green: 0, blue: 200)

    /// A fixed palette of distinct colours for class-coloured annotations.
    public static let palette: [PixelColor] = [
        .red, .green, .blue, .yellow, .cyan, .magenta, .orange,
        PixelColor(red: 140, green: 90, blue: 255), PixelColor(red: 120, green: 255, blue: 120),
        PixelColor(red: 255, green: 120, blue: 160),
    ]

    /// The palette colour for index `i` (wrapping around).
    public static func palette(_ i: Int) -> PixelColor {
        palette[((i % palette.count) + palette.count) % palette.count]
    }
}
