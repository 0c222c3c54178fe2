/// The geometry of a 2-D convolution (weights are `[out][in / groups][kernelH][kernelW]`).
public struct Conv2DConfig: Hashable, Sendable {
    /// Input channels.
    public var inChannels: Int
    /// Output channels.
    public var outChannels: Int
    /// Kernel height and width.
    public var kernelH: Int, kernelW: Int
    /// Strides.
    public var strideH: Int, strideW: Int
    /// Zero padding on each side.
    public var padTop: Int, padLeft: Int, padBottom: Int, padRight: Int
    /// Dilations.
    public var dilationH: Int, dilationW: Int
    /// Groups (`inChannels` for a depthwise convolution).
    public var groups: Int

    /// Creates a square-kernel configuration with symmetric padding.
    public init(
        inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int? = nil,
        dilation: Int = 1, groups: Int = 1
    ) {
        let p = padding ?? (kernel - 1) / 2 * dilation
        self.init(
            inChannels: inChannels, outChannels: outChannels, kernelH: kernel, kernelW: kernel,
            strideH: stride, strideW: stride, padTop: p, padLeft: p, padBottom: p, padRight: p,
            dilationH: dilation, dilationW: dilation, groups: groups)
    }

    /// Creates a fully general configuration.
    public init(
        inChannels: Int, outChannels: Int, kernelH: Int, kernelW: Int, strideH: Int, strideW: Int,
        padTop: Int, padLeft: Int, padBottom: Int, padRight: Int, dilationH: Int, dilationW: Int,
        groups: Int
    ) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelH = kernelH
        self.kernelW = kernelW
        self.strideH = strideH
        self.strideW = strideW
        self.padTop = padTop
        self.padLeft = padLeft
        self.padBottom = padBottom
        self.padRight = padRight
        self.dilationH = dilationH
        self.dilationW = dilationW
        self.groups = groups
    }

    /// Number of weights.
    public var weightCount: Int { outChannels * (inChannels / max(groups, 1)) * kernelH * kernelW }

    /// True for a per-channel (depthwise) convolution.
    public var isDepthwise: Bool { groups == inChannels && groups == outChannels && groups > 1 }

    /// True for a 1x1, stride-1, unpadded, ungrouped convolution (a plain GEMM).
    public var isPointwise: Bool {
        kernelH == 1 && kernelW == 1 && strideH == 1 && strideW == 1 && groups == 1
            && padTop == 0 && padLeft == 0 && padBottom == 0 && padRight == 0
    }

    /// Checks the configuration; the message names what is wrong.
    public func validate() throws(NNError) {
        func bad(_ r: String) -> NNError { .invalidParameter(op: "conv", reason: r) }
        guard inChannels > 0, outChannels > 0, inChannels <= 1 << 16, outChannels <= 1 << 16 else {
            throw bad("channels must be 1...65536")
        }
        guard kernelH > 0, kernelW > 0, kernelH <= 64, kernelW <= 64 else { throw bad("kernel must be 1...64") }
        guard strideH > 0, strideW > 0, strideH <= 64, strideW <= 64 else { throw bad("stride must be 1...64") }
        guard dilationH > 0, dilationW > 0, dilationH <= 64, dilationW <= 64 else { throw bad("dilation must be 1...64") }
        guard [padTop, padLeft, padBottom, padRight].allSatisfy({ $0 >= 0 && $0 <= 64 }) else {
            throw bad("padding must be 0...64")
        }
        guard groups > 0, inChannels % groups == 0, outChannels % groups == 0 else {
            throw bad("groups \(groups) must divide in \(inChannels) and out \(outChannels) channels")
        }
        guard weightCount <= 1 << 26 else { throw bad("\(weightCount) weights exceed 2^26") }
    }

    /// The output shape for an input shape, or an error when the input does not fit.
    public func outputShape(for input: TensorShape) throws(NNError) -> TensorShape {
        guard input.c == inChannels else {
            throw .shapeMismatch(op: "conv", reason: "input has \(input.c) channels, expected \(inChannels)")
        }
        let eh = (kernelH - 1) * dilationH + 1, ew = (kernelW - 1) * dilationW + 1
        let ih = input.h + padTop + padBottom, iw = input.w + padLeft + padRight
        guard ih >= eh, iw >= ew else {
            throw .shapeMismatch(op: "conv", reason: "input \(input) smaller than kernel")
        }
        return TensorShape(n: input.n, c: outChannels, h: (ih - eh) / strideH + 1, w: (iw - ew) / strideW + 1)
    }
}
