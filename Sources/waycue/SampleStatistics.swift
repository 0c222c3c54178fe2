/// Order statistics of benchmark samples, shared by the `waycue bench` commands so that every
/// command reports the same median and percentiles.
extension Array where Element == Double {
    /// The upper median of samples sorted ascending (`self[count / 2]`); NaN when empty.
    var sortedMedian: Double { isEmpty ? .nan : self[count / 2] }

    /// The sample `fraction` of the way through samples sorted ascending, at index
    /// `min(count - 1, Int(count * fraction))` (so 0.9 gives the p90); NaN when empty.
    func sortedQuantile(_ fraction: Double) -> Double {
        isEmpty ? .nan : self[Swift.min(count - 1, Int(Double(count) * fraction))]
    }
}
