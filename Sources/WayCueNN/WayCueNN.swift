/// WayCueNN: the CPU inference engine (tensors, ops, graphs, fp32 and int8 kernels, `.wcm` models).
///
/// See the module's documentation catalogue for the layout of tensors and the op contracts.
public enum WayCueNN {
    /// The version of the `.wcm` model format this engine writes.
    public static let modelFormatVersion: UInt32 = 1
}
