import Foundation

/// A YOLO label file read leniently: every valid line becomes a box, every other line is kept
/// as a problem, so that review can show it and nothing is silently lost.
public struct LabelText: Sendable, Equatable {
    /// One line that could not be used.
    public struct Problem: Sendable, Codable, Equatable {
        /// 1-based line number.
        public var line: Int
        /// The line as written (at most 200 characters).
        public var text: String
        /// Why it was not used.
        public var reason: String
    }

    /// The valid boxes in file order.
    public var boxes: [ReviewBox]
    /// Lines that were not valid boxes.
    public var problems: [Problem]

    /// Parses label text as `waycue train` reads it (the same tokens: spaces, tabs or commas;
    /// polygons become their bounding box), in double precision so that saved values read back
    /// exactly. A line is used when its class is in the taxonomy and its box lies in the image;
    /// every other non-blank line is a ``Problem``.
    public static func parse(_ text: String, classCount: Int) -> LabelText {
        var boxes: [ReviewBox] = []
        var problems: [Problem] = []
        var n = 0
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            n += 1
            let line = String(raw)
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let problem = { (reason: String) in problems.append(Problem(line: n, text: String(line.prefix(200)), reason: reason)) }
            let tokens = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "," })
            guard let first = tokens.first else { continue }
            guard let cls = Int(first), cls >= 0 else {
                problem("class id '\(first.prefix(20))' is not a non-negative integer")
                continue
            }
            let values = tokens.dropFirst().map { Double($0) }
            if let bad = values.firstIndex(where: { $0 == nil || !$0!.isFinite }) {
                problem("'\(tokens[bad + 1].prefix(20))' is not a finite number")
                continue
            }
            let v = values.map { $0! }
            var b: ReviewBox
            if v.count == 4 {
                b = ReviewBox(classID: cls, cx: v[0], cy: v[1], w: v[2], h: v[3])
            } else if v.count >= 6, v.count % 2 == 0 {
                let xs = stride(from: 0, to: v.count, by: 2).map { v[$0] }, ys = stride(from: 1, to: v.count, by: 2).map { v[$0] }
                let x1 = xs.min()!, x2 = xs.max()!, y1 = ys.min()!, y2 = ys.max()!
                b = ReviewBox(classID: cls, cx: (x1 + x2) / 2, cy: (y1 + y2) / 2, w: x2 - x1, h: y2 - y1)
            } else {
                problem("expected 4 box values or an even number (>= 6) of polygon values, got \(v.count)")
                continue
            }
            if let p = b.problem(classCount: classCount) { problem(p) } else { boxes.append(b) }
        }
        return LabelText(boxes: boxes, problems: problems)
    }

    /// The file text for `boxes`: one line each, newline-terminated.
    public static func format(_ boxes: [ReviewBox]) -> String {
        boxes.map { $0.yoloLine + "\n" }.joined()
    }
}
