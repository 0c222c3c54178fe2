/// WayCueNN: the CPU inference engine (tensors, ops, graphs, fp32 and int8 kernels, `.wcm` models).
///
/// Layout of the module:
/// - ``Tensor`` / ``TensorView``: NCHW fp32, 64-byte aligned storage; views are pointer + shape
///   and do not keep their tensor alive.
/// - Ops: ``Conv2D`` (reference + fast paths: GEMM for 1x1, direct kernels for depthwise 3x3/5x5
///   and few-channel stems, im2col + GEMM otherwise; int8 with per-channel weight scales) and
///   ``Ops`` (pooling, resize, concat, shuffle, transpose, softmax, activations). The hot loops
///   live in the C target `CWayCueKernels` (per-function ISA clones, run-time dispatch).
/// - ``GraphBuilder`` -> ``Graph`` -> ``GraphRunner``: shapes inferred at build time, buffers
///   planned once by liveness, runs allocate nothing; per-op timing on request.
/// - ``NCNNParamImporter`` reads a peer's ncnn `.param` layer list (random weights) for
///   benchmarks; ``ModelFile`` reads and writes our own `.wcm` format.
public enum WayCueNN {
    /// The version of the `.wcm` model format this engine writes.
    public static let modelFormatVersion: UInt32 = 1
}
