/// Everything `waycue dataset check` finds in a dataset; encodes to the `--json` object.
public struct DatasetCheckReport: Sendable, Codable, Equatable {
    /// One located problem.
    public struct Problem: Sendable, Codable, Equatable {
        /// The file at fault.
        public var file: String
        /// The line, when known.
        public var line: Int?
        /// What is wrong.
        public var reason: String
    }

    /// Counts per kind of problem, with the first few examples.
    public struct ProblemList: Sendable, Codable, Equatable {
        /// How many.
        public var count: Int
        /// Up to ``DatasetCheckOptions/maxExamples`` examples.
        public var examples: [Problem]
    }

    /// A group of images that are (near-)duplicates of each other.
    public struct DuplicateGroup: Sendable, Codable, Equatable {
        /// Image paths.
        public var images: [String]
        /// The splits the images are in, sorted.
        public var splits: [String]
        /// Whether the group spans more than one split (a leak).
        public var spansSplits: Bool
    }

    /// Duplicate statistics.
    public struct Duplicates: Sendable, Codable, Equatable {
        /// The Hamming threshold used.
        public var hammingThreshold: Int
        /// Groups of byte-identical files.
        public var exactGroups: Int
        /// Exact groups spanning splits.
        public var exactGroupsSpanningSplits: Int
        /// Near-duplicate groups (dHash within the threshold; includes exact duplicates).
        public var nearGroups: Int
        /// Near-duplicate groups spanning splits.
        public var nearGroupsSpanningSplits: Int
        /// Images in some near-duplicate group.
        public var imagesInNearGroups: Int
        /// Images of non-train splits with a near-duplicate in train.
        public var evalImagesLeakingFromTrain: [String: Int]
        /// The groups (spanning-split groups first), at most ``DatasetCheckOptions/maxGroups``.
        public var groups: [DuplicateGroup]
        /// Per non-train split, the image paths with no near-duplicate in train (not encoded
        /// in JSON; `waycue dataset check --clean-lists` writes them to files).
        public var cleanEvalImages: [String: [String]] = [:]

        enum CodingKeys: String, CodingKey {
            case hammingThreshold, exactGroups, exactGroupsSpanningSplits, nearGroups, nearGroupsSpanningSplits
            case imagesInNearGroups, evalImagesLeakingFromTrain, groups
        }
    }

    /// Box size histograms.
    public struct BoxSizes: Sendable, Codable, Equatable {
        /// COCO area classes: `small` (< 32²), `medium` (< 96²), `large`, in pixels.
        public var coco: [String: Int]
        /// Buckets of the box side `sqrt(w*h)` in pixels: `<8`, `8-16`, ..., `>=512`.
        public var side: [String: Int]
        /// Boxes whose image size was unknown (not decoded).
        public var unknownSize: Int
    }

    /// The checked folder or recipe.
    public var dataset: String
    /// Images per split.
    public var images: [String: Int]
    /// Images with no label file or no boxes.
    public var imagesWithoutBoxes: Int
    /// Boxes in all.
    public var boxes: Int
    /// Boxes that came from polygons.
    public var polygonBoxes: Int
    /// Boxes per split per canonical class (`?name` for unknown source classes).
    public var classCounts: [String: [String: Int]]
    /// Label files that could not be parsed, and other reader problems.
    public var labelProblems: ProblemList
    /// Image files that are missing.
    public var missingImages: ProblemList
    /// Image files that exist but do not decode.
    public var unreadableImages: ProblemList
    /// Boxes with zero or negative width or height.
    public var emptyBoxes: ProblemList
    /// Boxes reaching outside the image (beyond a 0.001 tolerance).
    public var outOfRangeBoxes: ProblemList
    /// Boxes whose class is unknown to the dataset or the mapping.
    public var unknownClassBoxes: ProblemList
    /// Image sizes seen (`WxH` to count).
    public var imageSizes: [String: Int]
    /// Box size histograms.
    public var boxSizes: BoxSizes
    /// Duplicates.
    public var duplicates: Duplicates
    /// Wall time in seconds.
    public var seconds: Double
    /// Threads used to read images.
    public var jobs: Int

    /// Whether any error (not warning) was found: label problems, missing or unreadable
    /// images, empty, out-of-range or unknown-class boxes.
    public var hasErrors: Bool {
        labelProblems.count + missingImages.count + unreadableImages.count + emptyBoxes.count
            + outOfRangeBoxes.count + unknownClassBoxes.count > 0
    }
}
