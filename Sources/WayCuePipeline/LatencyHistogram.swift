import Foundation

/// A log-bucketed latency histogram: constant relative precision (about 1 %) from one
/// microsecond to 1,000 seconds in a fixed, small amount of memory, so it can record every
/// frame of a long walk without growing.
///
/// Values are seconds. Percentiles are reported at the geometric centre of their bucket,
/// clamped to the exact minimum and maximum seen.
///
/// ```swift
/// var h = LatencyHistogram()
/// h.record(0.012)
/// h.percentile(50)  // ≈ 0.012
/// ```
public struct LatencyHistogram: Sendable, Hashable {
    /// The smallest value resolved (smaller values count in the first bucket).
    public static let lowest = 1e-6
    /// The largest value resolved (larger values count in the last bucket).
    public static let highest = 1_000.0
    /// Ratio between the bounds of one bucket.
    public static let growth = 1.02
    static let logGrowth = log(growth)
    static let bucketCount = Int((log(highest / lowest) / logGrowth).rounded(.up)) + 1

    private var counts: [UInt64]
    /// Values recorded.
    public private(set) var count = 0
    /// Sum of the values recorded, seconds.
    public private(set) var sum = 0.0
    /// Smallest value recorded (`+infinity` when empty).
    public private(set) var minimum = Double.infinity
    /// Largest value recorded (`-infinity` when empty).
    public private(set) var maximum = -Double.infinity

    /// Creates an empty histogram.
    public init() { counts = Array(repeating: 0, count: Self.bucketCount) }

    static func bucket(of value: Double) -> Int {
        guard value > lowest else { return 0 }
        let i = Int(log(value / lowest) / logGrowth)
        return min(max(i, 0), bucketCount - 1)
    }

    /// Records one value in seconds; negative, NaN and infinite values are ignored.
    public mutating func record(_ seconds: Double) {
        guard seconds.isFinite, seconds >= 0 else { return }
        counts[Self.bucket(of: seconds)] += 1
        count += 1
        sum += seconds
        minimum = Swift.min(minimum, seconds)
        maximum = Swift.max(maximum, seconds)
    }

    /// Adds every value of `other`.
    public mutating func merge(_ other: LatencyHistogram) {
        for i in counts.indices { counts[i] += other.counts[i] }
        count += other.count
        sum += other.sum
        minimum = Swift.min(minimum, other.minimum)
        maximum = Swift.max(maximum, other.maximum)
    }

    /// Mean in seconds, `nil` when empty.
    public var mean: Double? { count > 0 ? sum / Double(count) : nil }

    /// The value below which `percent` percent of the values lie (within about 1 %), `nil` when
    /// empty. `percentile(50)` is the median.
    public func percentile(_ percent: Double) -> Double? {
        guard count > 0 else { return nil }
        let p = Swift.min(Swift.max(percent, 0), 100)
        let rank = Swift.max(1, UInt64((p / 100 * Double(count)).rounded(.up)))
        if rank >= UInt64(count) { return maximum }
        if rank == 1 { return minimum }
        var seen: UInt64 = 0
        for (i, c) in counts.enumerated() where c > 0 {
            seen += c
            if seen >= rank {
                let centre = Self.lowest * exp((Double(i) + 0.5) * Self.logGrowth)
                return Swift.min(Swift.max(centre, minimum), maximum)
            }
        }
        return maximum
    }

    /// The median in seconds, `nil` when empty.
    public var median: Double? { percentile(50) }
}
