/// The shape of a 4-D tensor in NCHW order (batch, channels, height, width).
///
/// Lower-rank tensors use leading ones: a matrix of `rows x cols` is `(1, 1, rows, cols)`.
public struct TensorShape: Hashable, Sendable, CustomStringConvertible {
    /// Batch size.
    public var n: Int
    /// Channels.
    public var c: Int
    /// Height (rows).
    public var h: Int
    /// Width (columns).
    public var w: Int

    /// Creates a shape; every dimension must be positive.
    public init(n: Int = 1, c: Int, h: Int, w: Int) {
        self.n = n
        self.c = c
        self.h = h
        self.w = w
    }

    /// Number of elements.
    public var count: Int { n * c * h * w }
    /// Elements in one channel plane (`h * w`).
    public var plane: Int { h * w }
    /// The dimensions as an array `[n, c, h, w]`.
    public var dims: [Int] { [n, c, h, w] }

    public var description: String { "\(n)x\(c)x\(h)x\(w)" }
}
