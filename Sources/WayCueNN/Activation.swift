#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An activation fused into the output pass of an op.
public enum Activation: Equatable, Sendable {
    /// Identity.
    case none
    /// max(x, 0).
    case relu
    /// min(max(x, 0), 6).
    case relu6
    /// x if x > 0, else slope * x.
    case leakyReLU(Float)
    /// x * sigmoid(x).
    case silu
    /// x * relu6(x + 3) / 6.
    case hardSwish
    /// 1 / (1 + exp(-x)).
    case sigmoid

    /// Scalar definition (the reference).
    @inline(__always) public func apply(_ x: Float) -> Float {
        switch self {
        case .none: return x
        case .relu: return max(x, 0)
        case .relu6: return min(max(x, 0), 6)
        case .leakyReLU(let s): return x > 0 ? x : x * s
        case .silu: return x / (1 + expf(-x))
        case .hardSwish: return x * min(max(x + 3, 0), 6) / 6
        case .sigmoid: return 1 / (1 + expf(-x))
        }
    }

    /// Stable numeric code used by the `.wcm` format.
    var code: UInt8 {
        switch self {
        case .none: 0
        case .relu: 1
        case .relu6: 2
        case .leakyReLU: 3
        case .silu: 4
        case .hardSwish: 5
        case .sigmoid: 6
        }
    }
    var parameter: Float { if case .leakyReLU(let s) = self { return s } else { return 0 } }
    init?(code: UInt8, parameter: Float) {
        switch code {
        case 0: self = .none
        case 1: self = .relu
        case 2: self = .relu6
        case 3: self = .leakyReLU(parameter)
        case 4: self = .silu
        case 5: self = .hardSwish
        case 6: self = .sigmoid
        default: return nil
        }
    }
}

extension Activation {
    /// The activation as the (code, a0, a1) triple the C kernels take.
    var kernelCode: (Int32, Float, Float) {
        switch self {
        case .none: (0, 0, 0)
        case .relu: (1, 0, 0)
        case .leakyReLU(let s): (2, s, 0)
        case .relu6: (3, 0, 6)
        case .sigmoid: (4, 0, 0)
        case .silu: (5, 0, 0)
        case .hardSwish: (6, 0, 0)
        }
    }
}
