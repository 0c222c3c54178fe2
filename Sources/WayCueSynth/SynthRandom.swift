/// A small, fast, seeded pseudo-random generator (SplitMix64).
///
/// WayCueSynth never uses the system generator: every scene, texture and walk is a pure
/// function of its seed, so the same seed always renders the same bytes on every platform.
public struct SynthRandom: RandomNumberGenerator, Sendable {
    /// The generator's state.
    public private(set) var state: UInt64

    /// Creates a generator from a seed.
    public init(seed: UInt64) { state = seed }

    /// Creates a generator from a seed and a stream label, so independent streams
    /// (textures, objects, noise) derived from one seed do not depend on each other's draws.
    public init(seed: UInt64, stream: UInt64) {
        var mixer = SynthRandom(seed: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        state = mixer.next()
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in `[0, 1)`.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A uniform double in `range`.
    public mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * unit()
    }

    /// A uniform integer in `range`.
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound + 1)
        return range.lowerBound + Int(next() % span)
    }

    /// `true` with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// An approximately normal draw (sum of four uniforms), mean 0, standard deviation `sigma`.
    public mutating func normal(sigma: Double) -> Double {
        let s = unit() + unit() + unit() + unit() - 2
        return s * sigma * 1.7320508075688772
    }

    /// One element of a non-empty array.
    public mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
}

/// A stateless hash of integers to 64 bits, used for per-cell texture variation.
@inlinable
func synthHash(_ a: Int, _ b: Int, _ seed: UInt64) -> UInt64 {
    var z = seed &+ UInt64(bitPattern: Int64(a)) &* 0x9E37_79B9_7F4A_7C15
        &+ UInt64(bitPattern: Int64(b)) &* 0xC2B2_AE3D_27D4_EB4F
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}
