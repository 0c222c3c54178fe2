/// An operation of the graph. The graph does not know how an op is computed; the runner does.
public enum Op: Sendable {
    /// The graph input (written by the caller).
    case input
    /// Convolution with fused bias and activation.
    case conv(Conv2D)
    /// Max / average pooling.
    case pool(PoolConfig)
    /// Resize to the node's output size.
    case resize(Ops.ResizeMode)
    /// Concatenation along channels.
    case concat
    /// Concatenation along channels followed by a channel shuffle (fused by the optimizer).
    case concatShuffle(groups: Int)
    /// Elementwise binary op of two same-shaped tensors.
    case binary(Ops.Binary)
    /// Channels `[start, start + count)` of the input (a view; no copy).
    case sliceChannels(start: Int, count: Int)
    /// The input itself (a view; what ncnn's Split does).
    case identity
    /// Channel shuffle.
    case shuffle(groups: Int)
    /// The same data with another shape (a view; no copy).
    case reshape
    /// Transpose of the last two axes.
    case transpose
    /// Softmax along the last axis.
    case softmax
    /// A standalone activation.
    case activation(Activation)
    /// Batched matrix product of two run-time tensors: `[n, c, M, K] x [n, c, K, N] ->
    /// [n, c, M, N]` (every `(n, c)` pair is one product).
    case matmul

    /// Short name for tables and errors.
    public var name: String {
        switch self {
        case .input: "Input"
        case .conv(let c): c.config.isDepthwise ? "ConvDW\(c.config.kernelH)x\(c.config.kernelW)" : "Conv\(c.config.kernelH)x\(c.config.kernelW)"
        case .pool: "Pool"
        case .resize: "Resize"
        case .concat: "Concat"
        case .concatShuffle: "ConcatShuffle"
        case .binary: "Binary"
        case .sliceChannels: "Slice"
        case .identity: "Identity"
        case .shuffle: "Shuffle"
        case .reshape: "Reshape"
        case .transpose: "Transpose"
        case .softmax: "Softmax"
        case .activation: "Activation"
        case .matmul: "MatMul"
        }
    }

    /// True for ops whose output is a view of their input (no storage, no work).
    var isView: Bool {
        switch self {
        case .sliceChannels, .identity, .reshape: true
        default: false
        }
    }
}

/// A node: one op, its input values and its one output value.
public struct Node: Sendable {
    /// Name (unique, from the builder or the imported file).
    public var name: String
    /// The op.
    public var op: Op
    /// Input value indices.
    public var inputs: [Int]
    /// Output value index.
    public var output: Int
}

/// A named tensor of the graph.
public struct Value: Sendable, Hashable {
    /// Index in the graph's value list.
    public var id: Int
    /// Name.
    public var name: String
    /// Shape (fixed at build time).
    public var shape: TensorShape
}

/// A computation graph in topological order, with fixed shapes.
public struct Graph: Sendable {
    /// All values.
    public internal(set) var values: [Value]
    /// Nodes in topological order.
    public internal(set) var nodes: [Node]
    /// The input value.
    public internal(set) var inputs: [Int]
    /// Output values.
    public internal(set) var outputs: [Int]
    /// Class names (for detectors; may be empty).
    public var classNames: [String] = []

    /// The value with this name.
    public func value(named name: String) -> Value? { values.first { $0.name == name } }

    /// Multiply-accumulates x 2 of the graph's convolutions.
    public var flops: Double {
        nodes.reduce(0) { acc, n in
            guard case .conv(let c) = n.op else { return acc }
            let o = values[n.output].shape
            return acc + 2 * Double(o.count) * Double(c.config.weightCount / c.config.outChannels)
        }
    }

    /// Checks indices, order (every input produced earlier: no cycles) and shapes of views.
    public func validate() throws(NNError) {
        var produced = [Bool](repeating: false, count: values.count)
        for i in inputs {
            guard i >= 0, i < values.count else { throw .invalidGraph("input index \(i) out of range") }
            produced[i] = true
        }
        for n in nodes {
            guard n.output >= 0, n.output < values.count else { throw .invalidGraph("node \(n.name): output index out of range") }
            for i in n.inputs {
                guard i >= 0, i < values.count else { throw .invalidGraph("node \(n.name): input index \(i) out of range") }
                guard produced[i] else { throw .invalidGraph("node \(n.name): input \(values[i].name) is not produced before it (cycle or bad order)") }
            }
            guard !produced[n.output] else { throw .invalidGraph("node \(n.name): value \(values[n.output].name) produced twice") }
            produced[n.output] = true
            if case .input = n.op { throw .invalidGraph("node \(n.name): input op inside the graph") }
        }
        for o in outputs {
            guard o >= 0, o < values.count, produced[o] else { throw .invalidGraph("output index \(o) not produced") }
        }
        guard inputs.count == 1 else { throw .invalidGraph("exactly one input expected, found \(inputs.count)") }
    }

    /// Rewrites the graph for speed: Concat followed by its only consumer ChannelShuffle
    /// becomes one ConcatShuffle copy.
    public func optimized() -> Graph {
        var consumers = [Int](repeating: 0, count: values.count)
        for n in nodes { for i in n.inputs { consumers[i] += 1 } }
        for o in outputs { consumers[o] += 1 }
        var out = self
        var result: [Node] = []
        var skip = Set<Int>()
        for (idx, n) in nodes.enumerated() {
            if skip.contains(idx) { continue }
            if case .concat = n.op, consumers[n.output] == 1, n.inputs.count > 1,
               n.inputs.allSatisfy({ values[$0].shape.c == values[n.inputs[0]].shape.c }),
               let j = nodes[(idx + 1)...].firstIndex(where: { $0.inputs.contains(n.output) }),
               case .shuffle(let g) = nodes[j].op {
                result.append(Node(name: n.name + "+" + nodes[j].name, op: .concatShuffle(groups: g),
                                   inputs: n.inputs, output: nodes[j].output))
                skip.insert(j)
                // The fused node must run where the shuffle ran if something between used
                // the concat's inputs; the inputs exist already, so running early is safe.
                continue
            }
            result.append(n)
        }
        out.nodes = result
        return out
    }
}
