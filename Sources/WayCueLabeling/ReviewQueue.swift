import Foundation

/// What the queues need to know of one frame (kept in memory for every frame).
struct FrameSummary: Sendable {
    var index: Int
    var reviewed: Bool
    /// Classes in the labels or among the model's proposals at or above the prelabel score.
    var classes: Set<Int>
    /// How close the frame's most borderline score is to the prelabel score (`nil`: no scores).
    var margin: Double?
    /// Label boxes and model proposals without a partner of the same class at IoU 0.5.
    var disagreements: Int
    /// Unreadable label lines.
    var problems: Int
    /// Label boxes.
    var boxes: Int
}

/// An order in which to review frames.
public enum ReviewQueue: Sendable, Equatable, CustomStringConvertible {
    /// Frames no person has reviewed, in folder order.
    case unreviewed
    /// Unreviewed frames, the least certain first: ordered by how close their most borderline
    /// box score is to the prelabel score; frames without scores come last.
    case uncertain
    /// Frames where the labels and the model's proposals disagree, most disagreements first.
    case disagree
    /// Frames whose label files hold lines that could not be read.
    case problems
    /// Frames whose labels (or strong proposals) hold this class id.
    case `class`(Int)
    /// Every frame, in folder order.
    case all

    /// Parses `unreviewed`, `uncertain`, `disagree`, `problems`, `all` or `class:N`.
    public init?(_ s: String) {
        switch s {
        case "unreviewed": self = .unreviewed
        case "uncertain": self = .uncertain
        case "disagree": self = .disagree
        case "problems": self = .problems
        case "all": self = .all
        default:
            guard s.hasPrefix("class:"), let n = Int(s.dropFirst(6)), n >= 0 else { return nil }
            self = .class(n)
        }
    }

    public var description: String {
        switch self {
        case .unreviewed: return "unreviewed"
        case .uncertain: return "uncertain"
        case .disagree: return "disagree"
        case .problems: return "problems"
        case .all: return "all"
        case .class(let n): return "class:\(n)"
        }
    }

    func order(_ s: [FrameSummary]) -> [Int] {
        switch self {
        case .all: return s.map(\.index)
        case .unreviewed: return s.filter { !$0.reviewed }.map(\.index)
        case .uncertain:
            let open = s.filter { !$0.reviewed }
            let scored = open.filter { $0.margin != nil }.sorted { ($0.margin!, $0.index) < ($1.margin!, $1.index) }
            return scored.map(\.index) + open.filter { $0.margin == nil }.map(\.index)
        case .disagree:
            return s.filter { $0.disagreements > 0 }.sorted { ($1.disagreements, $0.index) < ($0.disagreements, $1.index) }.map(\.index)
        case .problems: return s.filter { $0.problems > 0 }.map(\.index)
        case .class(let c): return s.filter { $0.classes.contains(c) }.map(\.index)
        }
    }
}

/// Review progress of a folder.
public struct ReviewProgress: Sendable, Codable, Equatable {
    /// Frames in the folder.
    public var frames: Int
    /// Frames a person reviewed.
    public var reviewed: Int
    /// Label boxes in all frames.
    public var boxes: Int
    /// Frames whose labels and proposals disagree.
    public var disagreeing: Int
    /// Frames with unreadable label lines.
    public var withProblems: Int
    /// Frames per class id (labels or strong proposals).
    public var framesPerClass: [Int]

    enum CodingKeys: String, CodingKey {
        case frames, reviewed, boxes, disagreeing
        case withProblems = "with_problems"
        case framesPerClass = "frames_per_class"
    }

    init(summaries: [FrameSummary], classCount: Int) {
        frames = summaries.count
        reviewed = summaries.filter(\.reviewed).count
        boxes = summaries.reduce(0) { $0 + $1.boxes }
        disagreeing = summaries.filter { $0.disagreements > 0 }.count
        withProblems = summaries.filter { $0.problems > 0 }.count
        var per = [Int](repeating: 0, count: classCount)
        for s in summaries { for c in s.classes where c < classCount { per[c] += 1 } }
        framesPerClass = per
    }
}
