import Foundation

/// How a WayCue detector graph's output is to be read, stored in the `.wcm` file as the name
/// of the graph's output value (the format keeps value names, so no extra field is needed):
/// `dfl_head regmax=7 strides=8,16,32 offset=0.5`.
///
/// The graph's input is raw RGB in `0...255`, letterboxed to the input size with pad value
/// 114 (``WayCueImage/Image/letterboxPadValue``).
public struct DetectorHeadSpec: Sendable, Hashable {
    /// Highest distance bin.
    public var regMax: Int
    /// Level strides.
    public var strides: [Int]
    /// Cell-centre offset.
    public var centerOffset: Float

    /// The spec of a decoder layout.
    public init(decoder: DistributionBoxDecoder) {
        regMax = decoder.regMax
        strides = decoder.strides
        centerOffset = decoder.centerOffset
    }

    /// The output value name that encodes this spec.
    public var valueName: String {
        "dfl_head regmax=\(regMax) strides=\(strides.map(String.init).joined(separator: ",")) offset=\(centerOffset)"
    }

    /// Parses a value name written by ``valueName``; nil when it is not one.
    public init?(valueName: String) {
        let parts = valueName.split(separator: " ")
        guard parts.first == "dfl_head" else { return nil }
        var reg: Int?, str: [Int]?, off: Float?
        for p in parts.dropFirst() {
            let kv = p.split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { return nil }
            switch kv[0] {
            case "regmax": reg = Int(kv[1])
            case "strides": str = kv[1].split(separator: ",").compactMap { Int($0) }
            case "offset": off = Float(kv[1])
            default: continue
            }
        }
        guard let reg, (1...64).contains(reg), let str, !str.isEmpty, str.allSatisfy({ (1...1024).contains($0) }),
              let off, off.isFinite else { return nil }
        regMax = reg; strides = str; centerOffset = off
    }

    /// The decoder for `classCount` classes.
    public func decoder(classCount: Int) -> DistributionBoxDecoder {
        DistributionBoxDecoder(classCount: classCount, regMax: regMax, strides: strides, centerOffset: centerOffset)
    }
}
