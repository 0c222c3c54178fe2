import Foundation
import WayCueDetector

/// Architecture settings of the WayCue detector (NanoDet-Plus family).
public struct ModelConfig: Sendable, Codable, Equatable {
    /// Class names, in output order.
    public var classNames: [String]
    /// Square input size in pixels (a multiple of the largest stride is best).
    public var inputSize: Int
    /// Output channels of the three ShuffleNetV2 stages (strides 8, 16, 32).
    public var stageChannels: [Int]
    /// Blocks per stage.
    public var stageRepeats: [Int]
    /// Stem output channels.
    public var stemChannels: Int
    /// Channels of the PAN neck and the head.
    public var neckChannels: Int
    /// Depthwise-separable convolutions per head level.
    public var headConvs: Int
    /// Kernel of the head's depthwise convolutions.
    public var headKernel: Int
    /// Highest distance bin of the distribution focal loss.
    public var regMax: Int
    /// Strides of the head levels (8, 16, 32, optionally 64).
    public var strides: [Int]
    /// Activation after every batch norm.
    public var activation: TrainActivation

    /// Creates a configuration at a width multiplier (0.5 or 1.0 follow ShuffleNetV2; others scale 1.0).
    public init(classNames: [String], inputSize: Int = 320, width: Double = 1.0, neckChannels: Int? = nil,
                headConvs: Int = 2, headKernel: Int = 3, regMax: Int = 7, strides: [Int] = [8, 16, 32],
                activation: TrainActivation = .leakyReLU) {
        self.classNames = classNames
        self.inputSize = inputSize
        switch width {
        case 0.5: stageChannels = [48, 96, 192]
        case 1.0: stageChannels = [116, 232, 464]
        case 1.5: stageChannels = [176, 352, 704]
        default: stageChannels = [116, 232, 464].map { max(8, Int((Double($0) * width / 4).rounded()) * 4) }
        }
        stageRepeats = [4, 8, 4]
        stemChannels = 24
        self.neckChannels = neckChannels ?? (width < 0.75 ? 64 : 96)
        self.headConvs = headConvs
        self.headKernel = headKernel
        self.regMax = regMax
        self.strides = strides
        self.activation = activation
    }

    /// The head-output layout this configuration produces.
    public var decoder: DistributionBoxDecoder {
        DistributionBoxDecoder(classCount: classNames.count, regMax: regMax, strides: strides, centerOffset: 0.5)
    }

    /// Checks the settings.
    public func validate() throws(TrainingError) {
        guard !classNames.isEmpty else { throw .invalidConfig("no classes") }
        guard (64...1024).contains(inputSize) else { throw .invalidConfig("input size \(inputSize) outside 64...1024") }
        guard classNames.count <= 1000 else { throw .invalidConfig("\(classNames.count) classes (at most 1000)") }
        guard stageChannels.count == 3, stageRepeats.count == 3,
              stageChannels.allSatisfy({ $0 % 2 == 0 && $0 > 0 && $0 <= 4096 }),
              stageRepeats.allSatisfy({ (1...16).contains($0) }), (1...1024).contains(stemChannels),
              (1...1024).contains(neckChannels) else {
            throw .invalidConfig("stage channels must be three even numbers up to 4096, repeats 1...16, stem and neck 1...1024")
        }
        guard strides.count >= 3, Array(strides.prefix(3)) == [8, 16, 32], strides.count <= 4 else {
            throw .invalidConfig("strides must be [8, 16, 32] or [8, 16, 32, 64]")
        }
        guard (1...16).contains(regMax), (1...4).contains(headConvs), [3, 5].contains(headKernel) else {
            throw .invalidConfig("reg_max 1...16, head_convs 1...4, head_kernel 3 or 5")
        }
    }
}

/// Errors of the trainer and exporter.
public enum TrainingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A configuration value is invalid.
    case invalidConfig(String)
    /// A checkpoint file is missing, truncated or does not match the model.
    case badCheckpoint(file: String, reason: String)
    /// No usable training images.
    case noData(String)
    /// A file could not be written.
    case writeFailed(file: String, reason: String)

    public var description: String {
        switch self {
        case .invalidConfig(let s): "invalid training configuration: \(s)"
        case .badCheckpoint(let f, let r): "\(f): bad checkpoint: \(r)"
        case .noData(let s): "no training data: \(s)"
        case .writeFailed(let f, let r): "\(f): cannot write: \(r)"
        }
    }
}
