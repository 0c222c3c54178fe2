import Foundation
import WayCueImage

/// Sensor and motion effects on packed RGB rows.
enum SynthEffectsKernel {
    /// Box blur of `length` pixels along rows or columns (motion blur).
    static func boxBlur(_ p: UnsafeMutablePointer<UInt8>, width: Int, height: Int, length: Int, horizontal: Bool) {
        let n = horizontal ? width : height
        let lines = horizontal ? height : width
        let step = horizontal ? 3 : width * 3
        var line = [Int](repeating: 0, count: n * 3)
        let half = length / 2
        do {
            for l in 0..<lines {
                let start = horizontal ? l * width * 3 : l * 3
                for i in 0..<n { for c in 0..<3 { line[i * 3 + c] = Int(p[start + i * step + c]) } }
                for c in 0..<3 {
                    var sum = 0
                    for k in -half..<(length - half) { sum += line[min(n - 1, max(0, k)) * 3 + c] }
                    for i in 0..<n {
                        p[start + i * step + c] = UInt8(sum / length)
                        let add = min(n - 1, i + length - half), sub = max(0, i - half)
                        sum += line[add * 3 + c] - line[sub * 3 + c]
                    }
                }
            }
        }
    }

    /// Darkens the corners.
    static func vignette(_ p: UnsafeMutablePointer<UInt8>, width: Int, height: Int, strength: Double) {
        let cx = Double(width) / 2, cy = Double(height) / 2
        let r2 = cx * cx + cy * cy
        do {
            for y in 0..<height {
                let dy = (Double(y) + 0.5 - cy)
                for x in 0..<width {
                    let dx = Double(x) + 0.5 - cx
                    let k = Int(256 * (1 - strength * (dx * dx + dy * dy) / r2))
                    let o = (y * width + x) * 3
                    p[o] = UInt8((Int(p[o]) * k) >> 8)
                    p[o + 1] = UInt8((Int(p[o + 1]) * k) >> 8)
                    p[o + 2] = UInt8((Int(p[o + 2]) * k) >> 8)
                }
            }
        }
    }

    /// Adds triangular-distributed noise with standard deviation `sigma` levels.
    static func noise(_ p: UnsafeMutablePointer<UInt8>, count n: Int, sigma: Double, rng: inout SynthRandom) {
        // (a + b - 255) for two uniform bytes has standard deviation about 104.
        let k = Int(sigma / 104.2 * 256)
        do {
            var i = 0
            while i < n {
                var bits = rng.next()
                for _ in 0..<4 where i < n {
                    let a = Int(bits & 255), b = Int((bits >> 8) & 255)
                    bits >>= 16
                    let v = Int(p[i]) + (((a + b - 255) * k) >> 8)
                    p[i] = UInt8(min(255, max(0, v)))
                    i += 1
                }
            }
        }
    }
}

/// JPEG compression artefacts: an encode/decode round trip through WayCueImage's codec.
enum SynthJPEG {
    static func roundTrip(_ image: Image, quality: Int) -> Image {
        let q = min(100, max(1, quality))
        guard let data = try? image.jpegData(quality: q),
              let back = try? Image.decode(data, source: "synth-jpeg", as: .rgb8) else { return image }
        return back
    }
}
