import Foundation

/// Everything a training run is configured by (written to the run folder as `config.json`).
public struct TrainConfig: Sendable, Codable, Equatable {
    /// Recipe file (absolute path).
    public var recipe: String
    /// Epochs.
    public var epochs: Int = 30
    /// Images per step.
    public var batch: Int = 32
    /// Square input size.
    public var size: Int = 320
    /// Backbone width multiplier (0.5 or 1.0 are the ShuffleNetV2 widths).
    public var width: Double = 1.0
    /// Neck/head channels (nil: 96 at width >= 0.75, else 64).
    public var neckChannels: Int?
    /// Head depthwise-separable convolutions per level.
    public var headConvs: Int = 2
    /// Extra stride-64 level.
    public var stride64: Bool = false
    /// Peak learning rate (AdamW).
    public var learningRate: Float = 0.002
    /// Decoupled weight decay (convolution weights only).
    public var weightDecay: Float = 0.05
    /// Linear warm-up steps.
    public var warmupSteps: Int = 300
    /// Final learning rate as a fraction of the peak (cosine schedule).
    public var finalLearningRateRatio: Float = 0.05
    /// EMA decay (ramped up over the first steps).
    public var emaDecay: Float = 0.9998
    /// Global gradient-norm clip.
    public var gradientClip: Float = 35
    /// Seed of initial weights, sampling and augmentation.
    public var seed: UInt64 = 0
    /// Threads.
    public var threads: Int = 2
    /// Training images per epoch (nil: the train split's size).
    public var imagesPerEpoch: Int?
    /// Validation images evaluated after each epoch (nil: all).
    public var evalImages: Int? = 300
    /// Augmentation.
    public var augmentation = AugmentationConfig()
    /// A WayCue detector (`.wcm`, fp32 or int8) whose weights start the run instead of a
    /// fresh initialisation (fine-tuning; see ``DetectorModel/loadFoldedWeights(from:)``).
    public var initFrom: String?
    /// Layers kept fixed (nil: none).
    public var freeze: FrozenPart?
    /// Batch norm on running statistics while training (nil: false). Runs started from a
    /// model's folded weights need it.
    public var frozenBatchNorm: Bool?

    /// Creates a configuration with defaults.
    public init(recipe: String) { self.recipe = recipe }
}

/// One epoch's figures (a line of `metrics.jsonl`).
public struct EpochMetrics: Sendable, Codable, Equatable {
    /// 1-based epoch.
    public var epoch: Int
    /// Mean loss terms over the epoch.
    public var loss: LossTerms
    /// Learning rate at the end of the epoch.
    public var learningRate: Float
    /// Validation mAP at IoU 0.5 (EMA weights); nil when there is no validation split.
    public var map50: Double?
    /// Validation mAP at IoU 0.5:0.95.
    public var map50_95: Double?
    /// Per-class AP50 on validation.
    public var perClassAP50: [String: Double]
    /// Per-class ground-truth counts on validation.
    public var perClassCount: [String: Int]
    /// Training images per second (forward, backward, update and data).
    public var imagesPerSecond: Double
    /// Wall-clock seconds of the epoch's training steps.
    public var seconds: Double
    /// Validation images evaluated.
    public var evalImages: Int
}
