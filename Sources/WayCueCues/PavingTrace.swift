import Foundation
import WayCueImage

/// The guidance strip that runs from the walker's feet into the picture, traced through a
/// paving mask and laid onto the ground plane with the camera model.
///
/// The tracer starts at the strip nearest the walker in the lowest rows of the mask and follows
/// it upwards row by row through runs of paving cells that touch the previous row's run, so
/// that other strips, stray cells and the branches of a junction do not pull it sideways. It
/// recognises:
/// - a **junction**: a row where the paving spreads well beyond the strip on one or both
///   sides (a T or L branch) while the strip also goes on, or where the strip forks in two;
/// - a **turn**: a row where the paving spreads to one side and the strip does not go on
///   straight (an L-shaped 90-degree turn);
/// - a **bend**: the strip's direction on the ground changes by more than
///   ``PavingTracer/bendThresholdDegrees`` further ahead;
/// - the **end**: the strip stops inside the picture, short of the range limit and away from
///   the picture's sides (a strip that leaves the picture or reaches the range limit goes on);
/// - **warning tiles** on the strip's line ahead, from the warning-tile mask.
public struct PavingTrace: Sendable, Hashable {
    /// A point of the strip's centre line on the ground: metres right of the walker, metres ahead.
    public struct Point: Sendable, Hashable {
        /// Metres right of the walker (negative: left).
        public var x: Double
        /// Metres ahead of the walker.
        public var y: Double
    }

    /// Centre-line points, nearest first (junction rows excluded).
    public var centreLine: [Point]
    /// Lateral offset (metres, positive right) of the strip's centre line at the walker.
    public var offset: Double
    /// Direction of the strip's near part relative to the walking direction (degrees,
    /// positive right); `nil` when too little of it is seen to tell.
    public var headingDegrees: Double?
    /// Median width of the strip on the ground, metres.
    public var width: Double
    /// How far the traced strip reaches from its nearest to its farthest point, metres.
    public var length: Double { (centreLine.last?.y ?? 0) - (centreLine.first?.y ?? 0) }
    /// Distance ahead (metres) where the strip ends; `nil` when it runs on out of view.
    public var farEnd: Double?
    /// Distance ahead (metres) where the strip bends or turns; `nil` without a bend in view.
    public var bendDistance: Double?
    /// How much the strip turns there (degrees, positive right).
    public var bendDegrees: Double?
    /// Distance ahead (metres) of a junction; `nil` without one in view.
    public var junctionDistance: Double?
    /// Which sides branches leave the strip at the junction (`"left"`, `"right"` or `"both"`).
    public var junctionSide: String?
    /// Distance ahead (metres) of warning tiles on the strip's line; `nil` without any.
    public var warningDistance: Double?
}

/// Traces ``PavingTrace``s through masks (see ``PavingTrace`` for what it finds).
public struct PavingTracer: Sendable {
    /// The camera that took the picture the masks cover.
    public var camera: CameraModel
    /// Ground range (metres) beyond which the mask is not read: far rows are too coarse.
    public var maxRange: Double = 8
    /// Direction change (degrees) that counts as a bend.
    public static let bendThresholdDegrees = 25.0

    /// Creates a tracer for a camera.
    public init(camera: CameraModel) { self.camera = camera }

    struct Run { var c0: Int; var c1: Int; var left: Double; var right: Double
        var centre: Double { (left + right) / 2 }
        var width: Double { right - left }
    }

    struct Row { var row: Int; var y: Double; var runs: [Run] }

    /// Runs of covered cells in every row whose centre lies on the ground within range,
    /// nearest row first; gaps of one cell are bridged.
    func rows(of mask: CueMask) -> [Row] {
        let sx = Double(camera.imageWidth) / Double(mask.width)
        let sy = Double(camera.imageHeight) / Double(mask.height)
        var out: [Row] = []
        for row in stride(from: mask.height - 1, through: 0, by: -1) {
            let v = (Double(row) + 0.5) * sy
            guard let mid = camera.groundPoint(u: Double(camera.imageWidth) / 2, v: v), mid.y <= maxRange else { break }
            var runs: [Run] = []
            let base = row * mask.width
            var col = 0
            while col < mask.width {
                guard mask.values[base + col] != 0 else { col += 1; continue }
                var end = col
                while end + 1 < mask.width && (mask.values[base + end + 1] != 0
                    || (end + 2 < mask.width && mask.values[base + end + 2] != 0)) { end += 1 }
                if let l = camera.groundPoint(u: Double(col) * sx, v: v),
                   let r = camera.groundPoint(u: Double(end + 1) * sx, v: v) {
                    runs.append(Run(c0: col, c1: end, left: l.x, right: r.x))
                }
                col = end + 1
            }
            out.append(Row(row: row, y: mid.y, runs: runs))
        }
        return out
    }

    /// A least-squares line `x = a + b y` through points, or `nil` for fewer than two points
    /// or no spread in `y`.
    static func fit(_ pts: ArraySlice<PavingTrace.Point>) -> (a: Double, b: Double)? {
        guard pts.count >= 2 else { return nil }
        let n = Double(pts.count)
        let my = pts.map(\.y).reduce(0, +) / n
        let mx = pts.map(\.x).reduce(0, +) / n
        let syy = pts.map { ($0.y - my) * ($0.y - my) }.reduce(0, +)
        guard syy > 1e-4 else { return nil }
        let b = pts.map { ($0.y - my) * ($0.x - mx) }.reduce(0, +) / syy
        return (mx - b * my, b)
    }

    /// Traces the strip nearest `preferredOffset` (metres right of the walker) in `guide`,
    /// reading `warning` for warning tiles on its line. `nil` when no strip starts in the
    /// near part of the picture.
    public func trace(guide: CueMask, warning: CueMask? = nil, preferredOffset: Double = 0) -> PavingTrace? {
        guard guide.isValid else { return nil }
        let rows = rows(of: guide)
        // The start: the run nearest the preferred offset within 2 m of the nearest paving
        // (a strip further ahead counts as a little further sideways), and within 3 m of the
        // nearest visible ground.
        guard let first = rows.firstIndex(where: { !$0.runs.isEmpty }), rows[first].y <= (rows.first?.y ?? 0) + 3 else { return nil }
        var startRow = first, startRun: Run?, best = Double.infinity
        for i in first..<rows.count where rows[i].y <= rows[first].y + 2 {
            for run in rows[i].runs where run.width < 2.5 {
                let score = abs(run.centre - preferredOffset) + 0.3 * (rows[i].y - rows[first].y)
                if score < best { best = score; startRun = run; startRow = i }
            }
        }
        guard var current = startRun else { return nil }
        var points = [PavingTrace.Point(x: current.centre, y: rows[startRow].y)]
        var widths = [current.width]
        var junction: (y: Double, side: String)?
        var turn: (y: Double, side: Double)?
        var lastY = rows[startRow].y
        var ranOut = false  // the strip leaves the picture or the range: it goes on
        var gapBridged = false  // the current gap is covered by warning tiles
        let warningRowList = warning.flatMap { $0.isValid ? self.rows(of: $0) : nil }
        var warningRows: [Int: [Run]] = [:]
        if let warning, let list = warningRowList, warning.width == guide.width, warning.height == guide.height {
            for r in list where !r.runs.isEmpty { warningRows[r.row] = r.runs }
        }
        var i = startRow + 1
        while i < rows.count {
            let row = rows[i]
            let touching = row.runs.filter { $0.c0 <= current.c1 + 1 && $0.c1 >= current.c0 - 1 }
            let stripWidth = widths.sorted()[widths.count / 2]
            // Where the strip would be on this row, from its last metre and a half.
            let from = points.lastIndex { lastY - $0.y > 1.5 }.map { $0 + 1 } ?? 0
            let predicted = Self.fit(points[from...]).map { $0.a + $0.b * row.y } ?? current.centre
            // A branch that starts beside the strip without touching it (across a warning
            // square at the junction): a run reaching well out to one side from next to it.
            if junction == nil {
                let reach = stripWidth / 2 + 0.7
                let right = row.runs.contains { $0.left >= predicted - 0.05 && $0.left - predicted <= reach && $0.right - predicted >= 1.2 }
                let left = row.runs.contains { $0.right <= predicted + 0.05 && predicted - $0.right <= reach && predicted - $0.left >= 1.2 }
                if right || left { junction = (row.y, right && left ? "both" : (right ? "right" : "left")) }
            }
            if touching.isEmpty {
                // A gap longer than a tile ends the strip, unless warning tiles fill it (a
                // warning square at a junction or crossing the strip goes on past).
                let bridged = warningRows[row.row]?.contains { $0.right >= predicted - stripWidth && $0.left <= predicted + stripWidth } ?? false
                if row.y - lastY > (bridged || gapBridged ? 1.5 : 0.6) { break }
                if bridged { gapBridged = true }
                i += 1
                continue
            }
            gapBridged = false
            let next = touching.min { abs($0.centre - predicted) < abs($1.centre - predicted) }!
            let wide = next.width > max(2.5 * stripWidth, stripWidth + 0.45) && next.c1 - next.c0 >= 2
            if touching.count > 1, junction == nil, touching.filter({ $0.width >= stripWidth * 0.5 }).count > 1 {
                // The strip forks: the branch is the run that is not followed.
                let other = touching.filter { $0.c0 != next.c0 }.min { abs($0.centre - predicted) < abs($1.centre - predicted) }!
                junction = (row.y, other.centre > next.centre ? "right" : "left")
            }
            if wide {
                let leftSpread = predicted - next.left, rightSpread = next.right - predicted
                // Does the strip go on straight beyond the wide rows?
                let goesOn = rows[(i + 1)...].prefix { $0.y - row.y <= 1.5 }.contains { r in
                    r.runs.contains { $0.width <= max(2 * stripWidth, stripWidth + 0.3) && abs($0.centre - predicted) < stripWidth + 0.3 }
                }
                let both = leftSpread > stripWidth && rightSpread > stripWidth
                if goesOn || both {
                    // A branch: keep following the straight strip through the crossing rows
                    // (the run to touch stays the last narrow one).
                    if junction == nil { junction = (row.y, both ? "both" : (rightSpread > leftSpread ? "right" : "left")) }
                    lastY = row.y
                    i += 1
                    continue
                }
                // The strip turns to the side it spreads to.
                turn = (row.y, rightSpread > leftSpread ? 1 : -1)
                ranOut = true
                break
            }
            current = next
            points.append(.init(x: next.centre, y: row.y))
            widths.append(next.width)
            lastY = row.y
            i += 1
        }
        if i >= rows.count { ranOut = true }  // reached the range limit or the horizon
        if current.c0 <= 0 || current.c1 >= guide.width - 1 { ranOut = true }  // leaves the picture

        // Offset at the walker and heading from the near part (first 2.5 m of the strip).
        let y0 = points[0].y
        let near = points.prefix { $0.y <= y0 + 2.5 }
        let nearFit = near.count >= 3 && (near.last!.y - y0) >= 0.8 ? Self.fit(near) : nil
        var offset = points[0].x
        var heading: Double?
        if let f = nearFit { heading = atan(f.b) * 180 / .pi }
        // The offset a metre ahead of the walker (or half a metre short of the strip's start),
        // where a walker angled to the strip does not read as off it, from the nearest metre
        // and a bit only: a bend further on must not tilt it.
        let closest = points.prefix { $0.y <= y0 + 1.2 }
        let yRef = max(1.0, y0 - 0.5)
        if closest.count >= 3, closest.last!.y - y0 >= 0.5, let f = Self.fit(closest) {
            offset = f.a + f.b * yRef
        } else if let f = nearFit {
            offset = points[0].x + f.b * (yRef - y0)
        }

        // A bend: the first stretch of about a metre and a half beyond the near part whose
        // direction differs from the near part's by more than the threshold.
        var bend: (y: Double, degrees: Double)?
        if let h = heading {
            var k = near.count
            while k < points.count {
                let window = points[k...].prefix { $0.y <= points[k].y + 1.5 }
                if window.count >= 3, (window.last!.y - window.first!.y) >= 0.8, let f = Self.fit(window) {
                    let d = atan(f.b) * 180 / .pi - h
                    if abs(d) >= Self.bendThresholdDegrees { bend = (points[k].y, d); break }
                }
                k += 1
            }
        }
        if bend == nil, let t = turn { bend = (t.y, 90 * t.side) }

        // Warning tiles on the strip's line (continued straight past its end).
        var warningDistance: Double?
        let medianWidth = widths.sorted()[widths.count / 2]
        if let list = warningRowList {
            let slope = nearFit?.b ?? 0
            let half = medianWidth / 2 + 0.4
            for row in list {
                // The centre line at this row, continued straight past the strip's last point.
                let p = points.last { $0.y <= row.y } ?? points[0]
                let centre = row.y > points.last!.y ? p.x + slope * (row.y - p.y) : p.x
                if row.runs.contains(where: { $0.right >= centre - half && $0.left <= centre + half }) {
                    warningDistance = row.y
                    break
                }
            }
        }
        return PavingTrace(centreLine: points, offset: offset, headingDegrees: heading,
                           width: medianWidth,
                           farEnd: ranOut ? nil : lastY, bendDistance: bend?.y, bendDegrees: bend?.degrees,
                           junctionDistance: junction?.y, junctionSide: junction?.side, warningDistance: warningDistance)
    }
}
