import Foundation
import WayCueDetector

/// Detections read from a JSON-lines file, one image a line:
/// `{"image": "valid/images/a.jpg", "detections": [{"class": "ped_green", "score": 0.9, "box": [x1, y1, x2, y2]}]}`.
///
/// `image` is matched against dataset image paths by exact path, then by path suffix, then by
/// file name. Boxes are in the image's pixels (the `waycue detect --json` contract).
public struct PredictionsFile: Sendable {
    /// Image key as written to detections.
    public var entries: [(image: String, detections: [Detection])]

    private struct Line: Decodable {
        var image: String
        var detections: [Detection]
    }

    /// Parses JSON-lines text; blank lines are skipped.
    ///
    /// - Throws: ``DatasetError`` naming `file` and the line for invalid JSON or fields.
    public static func parse(_ text: String, file: String) throws -> PredictionsFile {
        var out: [(String, [Detection])] = []
        let dec = JSONDecoder()
        var n = 0
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            n += 1
            if raw.allSatisfy(\.isWhitespace) { continue }
            do {
                let l = try dec.decode(Line.self, from: Data(raw.utf8))
                for d in l.detections where !(d.score.isFinite && d.box.x1.isFinite && d.box.y1.isFinite
                                              && d.box.x2.isFinite && d.box.y2.isFinite) {
                    throw DatasetError(.invalidValue, file: file, line: n, field: "detections",
                                       reason: "non-finite score or box in a \(d.objectClass) detection")
                }
                out.append((l.image, l.detections))
            } catch let e as DatasetError {
                throw e
            } catch let e as DecodingError {
                throw DatasetError(.syntax, file: file, line: n, field: Self.path(e), reason: Self.reason(e))
            } catch {
                throw DatasetError(.syntax, file: file, line: n, reason: "invalid JSON")
            }
        }
        return PredictionsFile(entries: out)
    }

    /// Reads a predictions file.
    public static func load(path: String) throws -> PredictionsFile {
        try parse(YAMLSupport.readText(path: path), file: path)
    }

    /// Assigns detections to image paths; returns detections per path and the keys that
    /// matched no image.
    public func assign(to imagePaths: [String]) -> (byPath: [String: [Detection]], unmatched: [String]) {
        var exact: [String: String] = [:], byName: [String: [String]] = [:]
        for p in imagePaths {
            exact[p] = p
            byName[PathSupport.basename(p), default: []].append(p)
        }
        var out: [String: [Detection]] = [:]
        var unmatched: [String] = []
        for (key, dets) in entries {
            var target = exact[key]
            if target == nil {
                let suffix = key.hasPrefix("/") ? key : "/" + key
                target = imagePaths.first { $0.hasSuffix(suffix) }
            }
            if target == nil, let c = byName[PathSupport.basename(key)], c.count == 1 { target = c[0] }
            if let t = target { out[t, default: []] += dets } else { unmatched.append(key) }
        }
        return (out, unmatched)
    }

    static func path(_ e: DecodingError) -> String? {
        let ctx: DecodingError.Context?
        switch e {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): ctx = c
        case .keyNotFound(let k, let c):
            return (c.codingPath + [k]).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        @unknown default: ctx = nil
        }
        guard let ctx, !ctx.codingPath.isEmpty else { return nil }
        return ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    static func reason(_ e: DecodingError) -> String {
        switch e {
        case .keyNotFound(let k, _): return "missing field '\(k.stringValue)'"
        case .typeMismatch(let t, _): return "expected \(t)"
        case .valueNotFound(let t, _): return "expected \(t), found null"
        case .dataCorrupted(let c): return c.debugDescription.isEmpty ? "invalid JSON" : c.debugDescription
        @unknown default: return "invalid JSON"
        }
    }
}
