import WayCueImage

/// A 64-bit perceptual difference hash (dHash): the image in grey, averaged down to 9x8
/// cells, one bit per horizontally adjacent pair (set when the right cell is brighter).
///
/// Near-duplicate images (re-encoded, resized, slightly cropped or recoloured) have hashes a
/// few bits apart; ``distance(to:)`` counts differing bits (Hamming distance).
public struct DifferenceHash: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The 64 bits, row-major (bit `row * 8 + col`).
    public var bits: UInt64

    /// Wraps raw bits.
    public init(bits: UInt64) { self.bits = bits }

    /// Hashes an image (RGB is converted to BT.601 luma first).
    public init(image: Image) {
        let grey = image.format == .grey8 ? image : image.converted(to: .grey8)
        let w = grey.width, h = grey.height
        var cells = [Double](repeating: 0, count: 9 * 8)
        grey.pixels.withUnsafeBufferPointer { px in
            for cy in 0..<8 {
                let y0 = cy * h / 8, y1 = max(y0 + 1, (cy + 1) * h / 8)
                for cx in 0..<9 {
                    let x0 = cx * w / 9, x1 = max(x0 + 1, (cx + 1) * w / 9)
                    var sum = 0
                    for y in y0..<min(y1, h) {
                        let row = y * grey.stride
                        for x in x0..<min(x1, w) { sum += Int(px[row + x]) }
                    }
                    cells[cy * 9 + cx] = Double(sum) / Double((min(y1, h) - y0) * (min(x1, w) - x0))
                }
            }
        }
        var b: UInt64 = 0
        for r in 0..<8 {
            for c in 0..<8 where cells[r * 9 + c + 1] > cells[r * 9 + c] {
                b |= 1 << UInt64(r * 8 + c)
            }
        }
        bits = b
    }

    /// The number of differing bits.
    public func distance(to other: DifferenceHash) -> Int { (bits ^ other.bits).nonzeroBitCount }

    /// 16 hex digits.
    public var description: String {
        let s = String(bits, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}

/// Groups items whose hashes lie within a Hamming distance of each other (single linkage:
/// a chain of close pairs forms one group).
public enum NearDuplicates {
    /// Connected groups (two or more members, indices into `hashes`) at distance `<= threshold`.
    public static func groups(_ hashes: [DifferenceHash], threshold: Int) -> [[Int]] {
        var parent = Array(0..<hashes.count)
        func find(_ i: Int) -> Int {
            var i = i
            while parent[i] != i { parent[i] = parent[parent[i]]; i = parent[i] }
            return i
        }
        let bits = hashes.map(\.bits)
        for i in 0..<bits.count {
            for j in (i + 1)..<max(i + 1, bits.count) where (bits[i] ^ bits[j]).nonzeroBitCount <= threshold {
                let a = find(i), b = find(j)
                if a != b { parent[max(a, b)] = min(a, b) }
            }
        }
        var byRoot: [Int: [Int]] = [:]
        for i in 0..<bits.count { byRoot[find(i), default: []].append(i) }
        return byRoot.values.filter { $0.count > 1 }.sorted { $0[0] < $1[0] }
    }

    /// For each query hash, whether some reference hash lies within `threshold`.
    public static func matches(_ queries: [DifferenceHash], in reference: [DifferenceHash], threshold: Int) -> [Bool] {
        let ref = reference.map(\.bits)
        return queries.map { q in ref.contains { ($0 ^ q.bits).nonzeroBitCount <= threshold } }
    }
}
