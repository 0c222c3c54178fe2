import Foundation
import WayCueDetector

/// A problem in a detection timeline file, naming the source, the line and the reason.
public enum CueTimelineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(source: String, reason: String)
    /// A line is not a valid timeline record.
    case invalidLine(source: String, line: Int, reason: String)
    /// A line's time is not later than the previous line's.
    case timeNotIncreasing(source: String, line: Int, previous: Double, got: Double)

    public var description: String {
        switch self {
        case .unreadable(let s, let r): "\(s): cannot read: \(r)"
        case .invalidLine(let s, let l, let r): "\(s):\(l): \(r)"
        case .timeNotIncreasing(let s, let l, let p, let g):
            "\(s):\(l): time \(g) is not later than the previous line's \(p)"
        }
    }
}

/// A recorded or synthetic detection timeline: JSON lines
/// `{"t": seconds, "detections": [{"class", "score", "box"}...], "processed_at": seconds?,
/// "signal_coverage": "complete" | "partial"?}` (``CueFrame/signalCoverage``; absent means
/// complete). Blank lines and lines starting with `#` are skipped.
public struct CueTimeline: Sendable {
    /// The frames in time order.
    public var frames: [CueFrame]

    /// Creates a timeline from frames.
    public init(frames: [CueFrame]) { self.frames = frames }

    private struct Record: Decodable {
        var t: Double
        var detections: [Detection]
        var processed_at: Double?
        var signal_coverage: CueFrame.SignalCoverage?
    }

    /// Parses JSON-lines text; `source` names it in errors.
    public init(jsonLines data: Data, source: String) throws(CueTimelineError) {
        var frames: [CueFrame] = []
        let decoder = JSONDecoder()
        var lineNumber = 0
        for raw in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let text = String(decoding: raw, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty || text.hasPrefix("#") { continue }
            let record: Record
            do { record = try decoder.decode(Record.self, from: Data(text.utf8)) } catch {
                throw .invalidLine(source: source, line: lineNumber, reason: Self.describe(error))
            }
            guard record.t.isFinite else {
                throw .invalidLine(source: source, line: lineNumber, reason: "\"t\" is not a finite number")
            }
            for (i, d) in record.detections.enumerated() {
                let b = d.box
                guard d.score.isFinite, d.score >= 0, d.score <= 1 else {
                    throw .invalidLine(source: source, line: lineNumber,
                                       reason: "detections[\(i)].score \(d.score) is not in [0, 1]")
                }
                guard [b.x1, b.y1, b.x2, b.y2].allSatisfy(\.isFinite), b.x2 >= b.x1, b.y2 >= b.y1 else {
                    throw .invalidLine(source: source, line: lineNumber,
                                       reason: "detections[\(i)].box \(b) is not a valid [x1, y1, x2, y2]")
                }
            }
            if let last = frames.last, record.t <= last.timestamp {
                throw .timeNotIncreasing(source: source, line: lineNumber, previous: last.timestamp, got: record.t)
            }
            frames.append(CueFrame(timestamp: record.t, detections: record.detections,
                                   processedAt: record.processed_at,
                                   signalCoverage: record.signal_coverage ?? .complete))
        }
        self.frames = frames
    }

    /// Reads a timeline file.
    public init(contentsOf url: URL) throws(CueTimelineError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .unreadable(source: url.path, reason: error.localizedDescription)
        }
        try self.init(jsonLines: data, source: url.path)
    }

    /// JSON-lines text of the timeline (the inverse of parsing; `signal_coverage` is written
    /// only for partial frames, so single-pass timelines read as before).
    public func jsonLines() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return frames.map { f in
            let dets = (try? encoder.encode(f.detections)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
            let processed = f.processedAt.map { ", \"processed_at\": \($0)" } ?? ""
            let coverage = f.signalCoverage == .complete ? "" : ", \"signal_coverage\": \"\(f.signalCoverage.rawValue)\""
            return "{\"t\": \(f.timestamp), \"detections\": \(dets)\(processed)\(coverage)}"
        }.joined(separator: "\n") + "\n"
    }

    /// Plays the timeline through `engine`: each frame is fed, and the clock ticks every
    /// `tickInterval` seconds between frames (so gaps become "camera paused"), up to
    /// `tail` seconds after the last frame. Returns every cue emitted.
    @discardableResult
    public func play(through engine: CueEngine, tickInterval: Double = 0.1, tail: Double = 0) throws(CueEngineError) -> [Cue] {
        var cues: [Cue] = []
        var clock = frames.first?.timestamp ?? 0
        for frame in frames {
            while tickInterval > 0, clock + tickInterval < frame.timestamp - 1e-6 {
                clock += tickInterval
                cues += engine.tick(now: clock)
            }
            cues += try engine.feed(frame)
            clock = frame.timestamp
        }
        let end = clock + tail
        while tickInterval > 0, clock + tickInterval <= end + 1e-9 {
            clock += tickInterval
            cues += engine.tick(now: clock)
        }
        return cues
    }

    /// A coding path as `detections[0].box`.
    private static func path(_ keys: [any CodingKey]) -> String {
        var out = ""
        for k in keys {
            if let i = k.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + k.stringValue }
        }
        return out
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let ctx):
            "missing field \"\(path(ctx.codingPath + [key]))\""
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx):
            "wrong type at \"\(path(ctx.codingPath))\": \(ctx.debugDescription)"
        case DecodingError.dataCorrupted(let ctx):
            ctx.codingPath.isEmpty ? "not valid JSON" : "\(path(ctx.codingPath)): \(ctx.debugDescription)"
        default: String(describing: error)
        }
    }
}
