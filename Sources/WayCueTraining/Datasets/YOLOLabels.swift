import Foundation
import WayCueImage

/// Reader for YOLO txt label files: one object per line, `class cx cy w h` (normalised), or
/// `class x1 y1 x2 y2 x3 y3 ...` (a polygon, reduced to its min/max box).
public enum YOLOLabels {
    /// One parsed line.
    public struct Line: Sendable, Equatable {
        /// The class id.
        public var classID: Int
        /// The normalised box.
        public var box: Box
        /// Whether the line was a polygon.
        public var fromPolygon: Bool
        /// 1-based line number.
        public var line: Int
    }

    /// Reads and parses a label file (see ``parse(_:file:)``).
    ///
    /// - Throws: ``DatasetError`` when the file cannot be read as UTF-8 text or does not parse.
    public static func read(path: String) throws -> [Line] {
        guard let d = FileManager.default.contents(atPath: path), let text = String(data: d, encoding: .utf8) else {
            throw DatasetError(.io, file: path, reason: "cannot read the label file as UTF-8 text")
        }
        return try parse(text, file: path)
    }

    /// Parses a label file's text. Blank lines are skipped, a missing trailing newline and
    /// `\r\n` line ends are accepted.
    ///
    /// - Throws: ``DatasetError`` naming `file` and the line for non-numeric tokens, a
    ///   negative or fractional class id, or a wrong number of coordinates.
    public static func parse(_ text: String, file: String) throws -> [Line] {
        var out: [Line] = []
        var lineNo = 0
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNo += 1
            let tokens = raw.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "," })
            if tokens.isEmpty { continue }
            guard let cls = Int(tokens[0]), cls >= 0 else {
                throw DatasetError(.syntax, file: file, line: lineNo, field: "class",
                                   reason: "class id '\(tokens[0].prefix(20))' is not a non-negative integer")
            }
            var values: [Float] = []
            values.reserveCapacity(tokens.count - 1)
            for t in tokens.dropFirst() {
                guard let v = Float(t), v.isFinite else {
                    throw DatasetError(.syntax, file: file, line: lineNo,
                                       reason: "'\(t.prefix(20))' is not a finite number")
                }
                values.append(v)
            }
            if values.count == 4 {
                out.append(Line(classID: cls, box: Box(centerX: values[0], centerY: values[1], width: values[2], height: values[3]),
                                fromPolygon: false, line: lineNo))
            } else if values.count >= 6, values.count % 2 == 0 {
                var x1 = Float.infinity, y1 = Float.infinity, x2 = -Float.infinity, y2 = -Float.infinity
                for i in stride(from: 0, to: values.count, by: 2) {
                    x1 = min(x1, values[i]); x2 = max(x2, values[i])
                    y1 = min(y1, values[i + 1]); y2 = max(y2, values[i + 1])
                }
                out.append(Line(classID: cls, box: Box(x1: x1, y1: y1, x2: x2, y2: y2), fromPolygon: true, line: lineNo))
            } else {
                throw DatasetError(.syntax, file: file, line: lineNo,
                                   reason: "expected 4 box values or an even number (>= 6) of polygon values, got \(values.count)")
            }
        }
        return out
    }
}
