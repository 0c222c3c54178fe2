import Foundation

/// Synthesizes the non-verbal cues: short tones near 880 Hz with a few harmonics (easy to
/// hear and localise in traffic, yet below the range lost with age), pitch and repetition
/// rising with urgency, and APS-like locator and walk patterns.
public enum Earcon {
    /// Base frequency in hertz.
    public static let baseFrequency = 880.0

    /// Length in seconds of an earcon.
    public static func duration(_ kind: EarconKind, urgency: Float) -> Double {
        let u = Double(min(1, max(0, urgency)))
        switch kind {
        case .locator: return 0.12
        case .walk: return 5.0 / 9.0
        case .alert: return 0.42
        case .beep:
            let pulses = 1 + Int((u * 3).rounded())
            return Double(pulses) * 0.08 + Double(pulses - 1) * (0.12 - 0.06 * u)
        case .guide: return 0.16
        case .status: return 0.34
        }
    }

    /// Mono samples in `[-1, 1]` of an earcon at `sampleRate`.
    public static func samples(_ kind: EarconKind, urgency: Float, sampleRate: Int) -> [Float] {
        let u = Double(min(1, max(0, urgency)))
        let total = Int((duration(kind, urgency: urgency) * Double(sampleRate)).rounded())
        var out = [Float](repeating: 0, count: max(total, 1))
        func put(_ start: Double, _ length: Double, _ f: Double, _ amp: Double, percussive: Bool = false) {
            let s0 = Int(start * Double(sampleRate))
            let n = Int(length * Double(sampleRate))
            let sr = Double(sampleRate)
            for i in 0..<n where s0 + i < out.count {
                let t = Double(i) / sr
                var v = sin(2 * .pi * f * t) + 0.5 * sin(4 * .pi * f * t) + 0.25 * sin(6 * .pi * f * t)
                v /= 1.75
                let env: Double
                if percussive {
                    env = exp(-t / 0.006)
                } else {
                    let attack = min(1, t / 0.005)
                    let release = min(1, (length - t) / 0.02)
                    env = max(0, min(attack, release))
                }
                out[s0 + i] += Float(amp * env * v)
            }
        }
        let f = baseFrequency * (1 + 0.25 * u)
        switch kind {
        case .locator:
            put(0, 0.12, baseFrequency, 0.5)
        case .walk:
            for k in 0..<5 { put(Double(k) / 9, 0.03, baseFrequency * 1.2, 0.7, percussive: true) }
        case .alert:
            for k in 0..<3 { put(Double(k) * 0.14, 0.1, f * (1 + 0.12 * Double(k)), 0.6) }
        case .beep:
            let pulses = 1 + Int((u * 3).rounded())
            let gap = 0.12 - 0.06 * u
            for k in 0..<pulses { put(Double(k) * (0.08 + gap), 0.08, f, 0.45) }
        case .guide:
            put(0, 0.04, baseFrequency * 0.75, 0.35)
            put(0.1, 0.04, baseFrequency * 0.75, 0.35)
        case .status:
            put(0, 0.15, baseFrequency, 0.45)
            put(0.18, 0.15, baseFrequency * 0.75, 0.45)
        }
        return out
    }

    /// Constant-power stereo gains for a pan in `[-1, 1]` (left, right; `l² + r² = 1`).
    public static func panGains(_ pan: Float) -> (left: Float, right: Float) {
        let p = Double(min(1, max(-1, pan.isFinite ? pan : 0)))
        let theta = (p + 1) * .pi / 4
        return (Float(cos(theta)), Float(sin(theta)))
    }
}
