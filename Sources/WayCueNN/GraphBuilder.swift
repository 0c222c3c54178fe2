/// Builds a ``Graph`` in code, inferring shapes as it goes.
///
/// ```swift
/// let b = GraphBuilder()
/// let x = b.input("image", TensorShape(c: 3, h: 320, w: 320))
/// let y = try b.conv(x, out: 24, kernel: 3, stride: 2, activation: .leakyReLU(0.1), seed: 1)
/// let graph = try b.build(outputs: [y])
/// ```
public final class GraphBuilder {
    private var values: [Value] = []
    private var nodes: [Node] = []
    private var inputs: [Int] = []
    private var names: Set<String> = []
    private var counter = 0

    /// Creates an empty builder.
    public init() {}

    /// Starts from an existing graph: its values, nodes and input are kept unchanged (same
    /// ids and names), so new nodes can read any of its values and ``build(outputs:classNames:)``
    /// can keep its outputs and add more. Used to attach a second head to a trained, quantized
    /// detector without touching its layers.
    ///
    /// ```swift
    /// let b = GraphBuilder(extending: detector)
    /// let feature = b.existing(named: "p3")!
    /// let mask = try b.conv(feature, out: 2, kernel: 1, weights: w, bias: bias, name: "mask")
    /// let graph = try b.build(outputs: b.existingOutputs + [mask], classNames: detector.classNames)
    /// ```
    public init(extending graph: Graph) {
        values = graph.values
        nodes = graph.nodes
        inputs = graph.inputs
        names = Set(graph.values.map(\.name))
        existingOutputs = graph.outputs.map { graph.values[$0] }
    }

    /// The outputs of the graph this builder extends (empty for a new builder).
    public private(set) var existingOutputs: [Value] = []

    /// The value named `name` among those defined so far.
    public func existing(named name: String) -> Value? { values.first { $0.name == name } }

    /// The value with index `id` among those defined so far.
    public func existing(id: Int) -> Value? { values.indices.contains(id) ? values[id] : nil }

    private func uniqueName(_ base: String?) -> String {
        if let base, !names.contains(base) { names.insert(base); return base }
        while true {
            counter += 1
            let n = (base ?? "t") + "_\(counter)"
            if !names.contains(n) { names.insert(n); return n }
        }
    }

    private func add(_ op: Op, _ ins: [Value], _ shape: TensorShape, name: String?) -> Value {
        let v = Value(id: values.count, name: uniqueName(name), shape: shape)
        values.append(v)
        nodes.append(Node(name: v.name, op: op, inputs: ins.map(\.id), output: v.id))
        return v
    }

    /// Declares the input tensor.
    public func input(_ name: String, _ shape: TensorShape) -> Value {
        let v = Value(id: values.count, name: uniqueName(name), shape: shape)
        values.append(v)
        inputs.append(v.id)
        return v
    }

    /// Adds a convolution layer built elsewhere (weights loaded or folded).
    public func conv(_ x: Value, _ layer: Conv2D, name: String? = nil) throws(NNError) -> Value {
        add(.conv(layer), [x], try layer.outputShape(for: x.shape), name: name)
    }

    /// Adds a convolution with seeded random weights (for benchmarks and tests).
    public func conv(
        _ x: Value, out: Int, kernel: Int, stride: Int = 1, padding: Int? = nil, dilation: Int = 1,
        groups: Int = 1, activation: Activation = .none, seed: UInt64, name: String? = nil
    ) throws(NNError) -> Value {
        let cfg = Conv2DConfig(inChannels: x.shape.c, outChannels: out, kernel: kernel, stride: stride,
                               padding: padding, dilation: dilation, groups: groups)
        return try conv(x, try Conv2D(config: cfg, activation: activation, seed: seed), name: name)
    }

    /// Adds a convolution with the given weights and bias; a following batch norm, if given, is
    /// folded into them here (inference pays nothing for it).
    public func conv(
        _ x: Value, out: Int, kernel: Int, stride: Int = 1, padding: Int? = nil, dilation: Int = 1,
        groups: Int = 1, activation: Activation = .none, weights: [Float], bias: [Float]?,
        batchNorm: BatchNormParameters? = nil, name: String? = nil
    ) throws(NNError) -> Value {
        let cfg = Conv2DConfig(inChannels: x.shape.c, outChannels: out, kernel: kernel, stride: stride,
                               padding: padding, dilation: dilation, groups: groups)
        let layer = try Conv2D(config: cfg, activation: activation, weights: weights, bias: bias)
        if let bn = batchNorm {
            try layer.foldBatchNorm(gamma: bn.gamma, beta: bn.beta, mean: bn.mean, variance: bn.variance, epsilon: bn.epsilon)
        }
        return try conv(x, layer, name: name)
    }

    /// Adds pooling.
    public func pool(_ x: Value, _ config: PoolConfig, name: String? = nil) throws(NNError) -> Value {
        add(.pool(config), [x], try config.outputShape(for: x.shape), name: name)
    }

    /// Adds a resize to `height` x `width`.
    public func resize(_ x: Value, height: Int, width: Int, mode: Ops.ResizeMode, name: String? = nil) throws(NNError) -> Value {
        guard height > 0, width > 0, height <= 1 << 14, width <= 1 << 14,
              x.shape.n * x.shape.c * height * width <= ModelFile.maxTensorElements else {
            throw .invalidParameter(op: "resize", reason: "size \(height)x\(width) out of range")
        }
        return add(.resize(mode), [x], TensorShape(n: x.shape.n, c: x.shape.c, h: height, w: width), name: name)
    }

    /// Concatenates along channels.
    public func concat(_ xs: [Value], name: String? = nil) throws(NNError) -> Value {
        guard let f = xs.first, xs.allSatisfy({ $0.shape.h == f.shape.h && $0.shape.w == f.shape.w && $0.shape.n == f.shape.n }) else {
            throw .shapeMismatch(op: "concat", reason: "inputs must share n, h and w")
        }
        return add(.concat, xs, TensorShape(n: f.shape.n, c: xs.reduce(0) { $0 + $1.shape.c }, h: f.shape.h, w: f.shape.w), name: name)
    }

    /// Elementwise binary op of two same-shaped values.
    public func binary(_ a: Value, _ b: Value, _ op: Ops.Binary, name: String? = nil) throws(NNError) -> Value {
        guard a.shape == b.shape else { throw .shapeMismatch(op: "binary", reason: "\(a.shape) vs \(b.shape)") }
        return add(.binary(op), [a, b], a.shape, name: name)
    }

    /// a + b.
    public func add(_ a: Value, _ b: Value, name: String? = nil) throws(NNError) -> Value { try binary(a, b, .add, name: name) }

    /// Channels `[start, start + count)` (a view).
    public func slice(_ x: Value, start: Int, count: Int, name: String? = nil) throws(NNError) -> Value {
        guard start >= 0, count > 0, start + count <= x.shape.c else {
            throw .invalidParameter(op: "slice", reason: "channels \(start)..<\(start + count) outside \(x.shape.c)")
        }
        guard x.shape.n == 1 else { throw .invalidParameter(op: "slice", reason: "batch must be 1") }
        return add(.sliceChannels(start: start, count: count), [x], TensorShape(n: 1, c: count, h: x.shape.h, w: x.shape.w), name: name)
    }

    /// Splits channels into two halves (two views).
    public func split(_ x: Value, name: String? = nil) throws(NNError) -> (Value, Value) {
        let h = x.shape.c / 2
        return (try slice(x, start: 0, count: h, name: name.map { $0 + ".0" }),
                try slice(x, start: h, count: x.shape.c - h, name: name.map { $0 + ".1" }))
    }

    /// The same tensor under another name (a view).
    public func identity(_ x: Value, name: String? = nil) -> Value { add(.identity, [x], x.shape, name: name) }

    /// Channel shuffle.
    public func shuffle(_ x: Value, groups: Int, name: String? = nil) throws(NNError) -> Value {
        guard groups > 0, x.shape.c % groups == 0 else {
            throw .invalidParameter(op: "shuffle", reason: "groups \(groups) must divide \(x.shape.c) channels")
        }
        return add(.shuffle(groups: groups), [x], x.shape, name: name)
    }

    /// The same data with another shape of equal element count (a view).
    public func reshape(_ x: Value, _ shape: TensorShape, name: String? = nil) throws(NNError) -> Value {
        guard shape.count == x.shape.count, shape.n > 0, shape.c > 0, shape.h > 0, shape.w > 0 else {
            throw .shapeMismatch(op: "reshape", reason: "\(x.shape) to \(shape)")
        }
        return add(.reshape, [x], shape, name: name)
    }

    /// Transpose of the last two axes.
    public func transpose(_ x: Value, name: String? = nil) -> Value {
        add(.transpose, [x], TensorShape(n: x.shape.n, c: x.shape.c, h: x.shape.w, w: x.shape.h), name: name)
    }

    /// Softmax along the last axis.
    public func softmax(_ x: Value, name: String? = nil) -> Value { add(.softmax, [x], x.shape, name: name) }

    /// Batched matrix product `[n, c, M, K] x [n, c, K, N] -> [n, c, M, N]`.
    public func matmul(_ a: Value, _ b: Value, name: String? = nil) throws(NNError) -> Value {
        guard a.shape.n == b.shape.n, a.shape.c == b.shape.c, a.shape.w == b.shape.h else {
            throw .shapeMismatch(op: "matmul", reason: "\(a.shape) x \(b.shape)")
        }
        return add(.matmul, [a, b], TensorShape(n: a.shape.n, c: a.shape.c, h: a.shape.h, w: b.shape.w), name: name)
    }

    /// A standalone activation.
    public func activation(_ x: Value, _ act: Activation, name: String? = nil) -> Value {
        add(.activation(act), [x], x.shape, name: name)
    }

    /// Finishes the graph with these outputs.
    public func build(outputs: [Value], classNames: [String] = []) throws(NNError) -> Graph {
        var g = Graph(values: values, nodes: nodes, inputs: inputs, outputs: outputs.map(\.id))
        g.classNames = classNames
        try g.validate()
        return g
    }

    /// Low-level: adds a node with an explicit op and output shape (used by importers/loaders).
    func raw(_ op: Op, _ ins: [Value], _ shape: TensorShape, name: String) -> Value { add(op, ins, shape, name: name) }
}

/// Batch-norm statistics to fold into the convolution before it.
public struct BatchNormParameters: Sendable {
    /// Scale per channel.
    public var gamma: [Float]
    /// Shift per channel.
    public var beta: [Float]
    /// Running mean per channel.
    public var mean: [Float]
    /// Running variance per channel.
    public var variance: [Float]
    /// Added to the variance.
    public var epsilon: Float
    /// Creates batch-norm parameters.
    public init(gamma: [Float], beta: [Float], mean: [Float], variance: [Float], epsilon: Float = 1e-5) {
        self.gamma = gamma
        self.beta = beta
        self.mean = mean
        self.variance = variance
        self.epsilon = epsilon
    }
}
