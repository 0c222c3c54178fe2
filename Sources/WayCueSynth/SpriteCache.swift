import Foundation

/// Procedurally drawn faces of signal heads, drawn once and reused.
final class SpriteCache: @unchecked Sendable {
    private var ped: [String: SynthSprite] = [:]
    private var veh: [VehicleSignalState: SynthSprite] = [:]

    private static let housing = SynthColor(22, 22, 22)

    /// A pedestrian head: red standing figure on top, green walking figure below, and
    /// two-digit countdown on the right when `countdown` is given.
    func pedestrian(_ state: PedestrianSignalState, countdown: Int?) -> SynthSprite {
        let key = "\(state.rawValue)-\(countdown.map(String.init) ?? "-")"
        if let s = ped[key] { return s }
        let wide = countdown != nil
        var s = SynthSprite(width: wide ? 50 : 32, height: 62, fill: Self.housing)
        let redOn = state == .red, greenOn = state == .green
        // Lamp windows.
        s.rect(x0: 2, y0: 2, x1: 30, y1: 30, color: SynthColor(12, 12, 12))
        s.rect(x0: 2, y0: 32, x1: 30, y1: 60, color: SynthColor(12, 12, 12))
        let red = redOn ? SynthColor(255, 60, 40) : SynthColor(60, 26, 24)
        let green = greenOn ? SynthColor(70, 255, 170) : SynthColor(22, 52, 40)
        // Standing figure (head, body, arms down, legs together).
        s.disc(cx: 16, cy: 7, r: 3, color: red)
        s.stroke(16, 11, 16, 20, r: 3.2, color: red)
        s.stroke(12.5, 12, 12, 20, r: 1.3, color: red)
        s.stroke(19.5, 12, 20, 20, r: 1.3, color: red)
        s.stroke(14.5, 20, 14.5, 28, r: 1.5, color: red)
        s.stroke(17.5, 20, 17.5, 28, r: 1.5, color: red)
        // Walking figure (striding legs, swinging arms).
        s.disc(cx: 17, cy: 37, r: 2.8, color: green)
        s.stroke(16.5, 41, 15.5, 49, r: 2.2, color: green)
        s.stroke(16, 42, 11, 48, r: 1.2, color: green)
        s.stroke(16.5, 42, 21, 47, r: 1.2, color: green)
        s.stroke(15.5, 49, 10.5, 57, r: 1.4, color: green)
        s.stroke(15.5, 49, 21, 57, r: 1.4, color: green)
        if let n = countdown {
            s.rect(x0: 32, y0: 32, x1: 48, y1: 60, color: SynthColor(12, 12, 12))
            if greenOn || state == .dark && n > 0 {
                let digitColor = greenOn ? SynthColor(90, 255, 170) : SynthColor(22, 52, 40)
                let v = max(0, min(99, n))
                Self.digit(&s, v / 10, x: 33, y: 36, color: digitColor, hideZero: true)
                Self.digit(&s, v % 10, x: 41, y: 36, color: digitColor, hideZero: false)
            }
        }
        ped[key] = s
        return s
    }

    /// Seven-segment digit 6 x 20 sprite pixels at (`x`, `y`).
    static func digit(_ s: inout SynthSprite, _ d: Int, x: Double, y: Double, color: SynthColor, hideZero: Bool) {
        if hideZero && d == 0 { return }
        // Segments a b c d e f g as bits.
        let table: [UInt8] = [0x3F, 0x06, 0x5B, 0x4F, 0x66, 0x6D, 0x7D, 0x07, 0x7F, 0x6F]
        let m = table[d]
        let w = 5.0, h = 9.0
        let segs: [(Double, Double, Double, Double)] = [
            (0, 0, w, 0), (w, 0, w, h), (w, h, w, 2 * h), (0, 2 * h, w, 2 * h), (0, h, 0, 2 * h), (0, 0, 0, h), (0, h, w, h),
        ]
        for (i, sg) in segs.enumerated() where m & (1 << i) != 0 {
            s.stroke(x + sg.0, y + sg.1, x + sg.2, y + sg.3, r: 0.9, color: color)
        }
    }

    /// A vehicle head: red, yellow and green lamps top to bottom with visors' shadows.
    func vehicle(_ state: VehicleSignalState) -> SynthSprite {
        if let s = veh[state] { return s }
        var s = SynthSprite(width: 30, height: 90, fill: SynthColor(28, 30, 28))
        let lamps: [(VehicleSignalState, SynthColor, SynthColor)] = [
            (.red, SynthColor(255, 50, 35), SynthColor(58, 22, 20)),
            (.yellow, SynthColor(255, 190, 30), SynthColor(58, 46, 16)),
            (.green, SynthColor(60, 255, 150), SynthColor(18, 50, 34)),
        ]
        for (i, lamp) in lamps.enumerated() {
            let cy = 15 + Double(i) * 30
            s.disc(cx: 15, cy: cy, r: 11.5, color: SynthColor(8, 8, 8))
            let on = lamp.0 == state
            s.disc(cx: 15, cy: cy, r: 10, color: on ? lamp.1 : lamp.2)
            if on { s.disc(cx: 13, cy: cy - 2, r: 4, color: SynthColor(255, 250, 235)) }
            s.rect(x0: 3, y0: Int(cy) - 13, x1: 27, y1: Int(cy) - 10, color: SynthColor(12, 12, 12))
        }
        veh[state] = s
        return s
    }
}
