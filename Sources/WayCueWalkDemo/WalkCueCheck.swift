import WayCueCues
import WayCueSynth

/// Checks a walk's cues against its ground truth: the paving was followed, the pedestrian
/// light's red was said before its green (and green only once it was green), crossing words
/// match whether the walker waits or crosses, and each obstacle the walker came near was
/// warned about before it was within 3 m.
public enum WalkCueCheck {
    /// One check.
    public struct Result: Sendable, Hashable {
        /// What was checked.
        public var name: String
        /// Whether it held.
        public var passed: Bool
        /// The evidence (times and cue texts) or what was missing.
        public var detail: String
    }

    /// The walker's offset from the paving centre line at one frame (`nil` off the paving).
    public struct PavingSample: Sendable, Hashable {
        /// Time, seconds.
        public var t: Double
        /// Metres from the paving centre line, `nil` where no paving is near.
        public var offset: Double?
    }

    /// How late "green" may come after the light turned green, seconds.
    public static let greenDelayLimit = 2.0
    /// How far before the kerb the end of the paving must be announced, seconds.
    public static let pavingEndWindow = 10.0
    /// How early a bend may be announced before the walker enters it, seconds.
    public static let bendWindow = 6.0
    /// How late into a bend its announcement may come, seconds.
    public static let bendLate = 3.0
    /// Bends of at least this many degrees must be announced.
    public static let sharpBendDegrees = 45.0
    /// How far ahead on the route warning tiles may be when "warning tiles" is said, metres.
    public static let warningAheadMetres = 12.0

    /// Whether a pedestrian light showed steady green at `t`, from the walk's `light_change`
    /// events; before a light's first change it was green when that change is to flashing.
    static func pedestrianGreen(at t: Double, _ events: [WalkEvent]) -> Bool {
        let changes = events.filter { $0.type == "light_change" && ($0.name ?? "").hasPrefix("ped") }
        if let last = changes.last(where: { $0.t <= t }) { return last.detail == "green" }
        return changes.first?.detail == "flashing"
    }

    /// When the walker enters each bend of at least ``sharpBendDegrees`` of the walk's route,
    /// from the route's pieces and the walk's `piece` events (one per piece, in order).
    public static func sharpBends(script: WalkScript, events: [WalkEvent]) -> [(t: Double, degrees: Double)] {
        let entered = events.filter { $0.type == "piece" }
        // Branches add no route piece (and no `piece` event).
        let pieces = script.route.filter { if case .branch = $0 { return false } else { return true } }
        var out: [(t: Double, degrees: Double)] = []
        for (piece, event) in zip(pieces, entered) {
            if case .bend(let degrees, _) = piece, abs(degrees) >= sharpBendDegrees { out.append((event.t, degrees)) }
        }
        return out
    }

    /// Walkers closer than this to the paving centre line are on it (metres).
    public static let onPavingMetres = 0.3

    static func f(_ t: Double) -> String { String(format: "%.1f s", t) }

    /// Runs every check that applies to the walk.
    ///
    /// - Parameters:
    ///   - cues: The cues in order.
    ///   - events: The walk's ground-truth events.
    ///   - paving: The walker's paving offset per frame (``WalkTruthBook/pavingSamples``).
    ///   - bends: When the walker enters each sharp bend of the paving (45 degrees or more) and
    ///     its direction (degrees, positive right); see ``sharpBends(script:events:)``.
    ///   - warningTiles: The route distance from the walker at a time to the nearest warning
    ///     tiles not yet left behind (``WalkWorld/warningTilesDistance(at:behind:)``); with it,
    ///     every "warning tiles" cue must have tiles within ``warningAheadMetres``.
    public static func check(cues: [Cue], events: [WalkEvent], paving: [PavingSample],
                             bends: [(t: Double, degrees: Double)] = [],
                             warningTiles: ((Double) -> Double?)? = nil) -> [Result] {
        var results: [Result] = []
        let kerbs = events.filter { $0.type == "kerb_arrival" }.map(\.t)
        let spoken = cues.filter { $0.kind != .tone }

        // 1. Paving followed: never "off the paving" while on it, end announced before the kerb.
        if paving.contains(where: { $0.offset != nil }) {
            var wrong: [String] = []
            for cue in spoken where cue.message.key == "paving.off" || cue.message.key == "paving.lost" {
                let sample = paving.min { abs($0.t - cue.timestamp) < abs($1.t - cue.timestamp) }
                if let o = sample?.offset, abs(o) < onPavingMetres {
                    wrong.append("\(f(cue.timestamp)) '\(cue.text)' while \(String(format: "%.2f", abs(o))) m from the centre line")
                }
            }
            let pavingCues = spoken.filter { $0.kind == .paving }
            results.append(Result(
                name: "paving followed",
                passed: wrong.isEmpty && !pavingCues.isEmpty,
                detail: wrong.isEmpty
                    ? (pavingCues.isEmpty ? "no paving cue at all"
                        : "paving cues " + pavingCues.map { "\(f($0.timestamp)) '\($0.text)'" }.joined(separator: ", ")
                            + "; no 'off the paving' while on it")
                    : "said off the paving while on it: " + wrong.joined(separator: "; ")))
            if let kerb = kerbs.first {
                let end = pavingCues.first {
                    ($0.message.key == "paving.ends" || $0.message.key == "paving.warning")
                        && $0.timestamp <= kerb && $0.timestamp >= kerb - pavingEndWindow
                }
                results.append(Result(
                    name: "paving end announced before the kerb",
                    passed: end != nil,
                    detail: end.map { "\(f($0.timestamp)) '\($0.text)', kerb at \(f(kerb))" }
                        ?? "no 'paving ends' or 'warning tiles' in the \(Int(pavingEndWindow)) s before the kerb at \(f(kerb))"))
            }
        }

        // 1b. Warning tiles on the route are announced before the walker steps on them.
        for piece in events where piece.type == "piece" && piece.detail == "warning" {
            let said = spoken.first {
                $0.message.key == "paving.warning" && $0.timestamp <= piece.t + 0.5 && $0.timestamp >= piece.t - pavingEndWindow
            }
            results.append(Result(
                name: "warning tiles announced (reached at \(f(piece.t)))",
                passed: said != nil,
                detail: said.map { "'\($0.text)' at \(f($0.timestamp))" }
                    ?? "no 'warning tiles' in the \(Int(pavingEndWindow)) s before the walker reached them at \(f(piece.t))"))
        }

        // 1c. Each sharp bend is announced, on its side, before the walker is through it
        //     ("bends" ahead, or "drifts" as the strip turns under the walker).
        for bend in bends {
            let side = bend.degrees > 0 ? "right" : "left"
            let said = spoken.first {
                ($0.message.key == "paving.bends" || $0.message.key == "paving.drifts") && $0.message.arguments["side"] == side
                    && $0.timestamp >= bend.t - bendWindow && $0.timestamp <= bend.t + bendLate
            }
            results.append(Result(
                name: "bend \(side) announced (entered at \(f(bend.t)))",
                passed: said != nil,
                detail: said.map { "'\($0.text)' at \(f($0.timestamp))" }
                    ?? "no 'paving bends \(side)' or 'drifts \(side)' from \(f(bend.t - bendWindow)) to \(f(bend.t + bendLate))"))
        }

        // 1d. Each junction of the paving is announced before the walker reaches it.
        for junction in events where junction.type == "junction" {
            let said = spoken.first {
                $0.message.key.hasPrefix("paving.junction") && $0.timestamp <= junction.t + 0.5
                    && $0.timestamp >= junction.t - bendWindow
            }
            results.append(Result(
                name: "junction announced (reached at \(f(junction.t)))",
                passed: said != nil,
                detail: said.map { "'\($0.text)' at \(f($0.timestamp))" }
                    ?? "no 'paving junction' in the \(Int(bendWindow)) s before the walker reached the junction at \(f(junction.t))"))
        }

        // 1e. No junction is announced where the walk has none: every "paving junction" cue
        //     names a junction of the route on its side, reached at most `bendWindow` seconds
        //     later (or passed at most 2 s before). A false "a branch to the right" sends a blind
        //     walker off the strip; the checks above only look for the cues that must come.
        let junctions = events.filter { $0.type == "junction" }
        let junctionCues = spoken.filter { $0.message.key.hasPrefix("paving.junction") }
        let unfounded = junctionCues.filter { cue in
            let side = cue.message.arguments["side"]
            return !junctions.contains { j in
                cue.timestamp >= j.t - bendWindow && cue.timestamp <= j.t + 2
                    && (side == nil || j.detail == nil || j.detail == side || j.detail == "both")
            }
        }
        if !junctions.isEmpty || !unfounded.isEmpty {
            results.append(Result(
                name: "no junction announced where there is none",
                passed: unfounded.isEmpty,
                detail: unfounded.isEmpty
                    ? "\(junctionCues.count) junction cue(s), each before a junction of the route on its side"
                    : unfounded.map { "'\($0.text)' at \(f($0.timestamp)) with no junction on that side within \(Int(bendWindow)) s" }
                        .joined(separator: "; ")))
        }

        // 1f. No warning tiles announced where there are none: each "warning tiles" cue comes
        //     with warning tiles of the route at most `warningAheadMetres` ahead (or underfoot,
        //     or just left). A false "warning tiles" makes a blind walker stop and search with
        //     the cane for a kerb or a stair that is not there.
        if let warningTiles {
            let cues = spoken.filter { $0.message.key == "paving.warning" }
            let unfounded = cues.compactMap { cue -> String? in
                let d = warningTiles(cue.timestamp)
                if let d, d <= warningAheadMetres { return nil }
                return "'\(cue.text)' at \(f(cue.timestamp)) with "
                    + (d.map { String(format: "the nearest warning tiles %.1f m ahead", $0) } ?? "no warning tiles left on the route")
            }
            if !cues.isEmpty {
                results.append(Result(
                    name: "no warning tiles announced where there are none",
                    passed: unfounded.isEmpty,
                    detail: unfounded.isEmpty
                        ? "\(cues.count) 'warning tiles' cue(s), each with warning tiles at most \(Int(warningAheadMetres)) m ahead"
                        : unfounded.joined(separator: "; ")))
            }
        }

        // 2. Red then green at each crossing with a pedestrian light.
        let greens = events.filter { $0.type == "light_change" && ($0.name ?? "").hasPrefix("ped") && $0.detail == "green" }
        var from = 0.0  // the approach to a crossing starts after the previous crossing's green
        for kerb in kerbs {
            guard let green = greens.first(where: { $0.t >= kerb - 0.5 }) else { continue }
            defer { from = green.t }
            let red = spoken.first { $0.message.key == "signal.red" && $0.timestamp >= from && $0.timestamp < green.t }
            // "Green" before this green counts as early only while the light was not green (a
            // walk may start on the previous cycle's green).
            let early = spoken.first {
                $0.message.key == "signal.green" && $0.timestamp >= from && $0.timestamp < green.t && !pedestrianGreen(at: $0.timestamp, events)
            }
            let said = spoken.first { $0.message.key == "signal.green" && $0.timestamp >= green.t }
            var problems: [String] = []
            if red == nil { problems.append("no 'red' between \(f(from)) and the green at \(f(green.t))") }
            let lastBefore = spoken.last { $0.kind == .signal && $0.timestamp >= from && $0.timestamp < green.t }
            if let last = lastBefore, last.message.key != "signal.red" {
                problems.append("the last word on the signal before the green was '\(last.text)' at \(f(last.timestamp)), not 'red'")
            }
            if let early { problems.append("'green' said at \(f(early.timestamp)) while the light was red") }
            if let said {
                if said.timestamp - green.t > greenDelayLimit {
                    problems.append("'green' came \(f(said.timestamp - green.t)) after the light turned green (limit \(f(greenDelayLimit)))")
                }
            } else {
                problems.append("'green' never said after the light turned green at \(f(green.t))")
            }
            results.append(Result(
                name: "red then green at the crossing (kerb at \(f(kerb)))",
                passed: problems.isEmpty,
                detail: problems.isEmpty
                    ? "'\(red!.text)' at \(f(red!.timestamp)), light green at \(f(green.t)), '\(said!.text)' at \(f(said!.timestamp))"
                    : problems.joined(separator: "; ")))
        }

        // 3. Crossing words match what the walker does: no "on the crosswalk" while still
        //    waiting at the kerb, no "signal lost, wait" once in the road.
        for start in events where start.type == "crossing_start" {
            let arrival = kerbs.last { $0 <= start.t } ?? start.t
            let end = events.first { $0.type == "crossing_end" && $0.t > start.t }?.t ?? .infinity
            var problems: [String] = []
            for cue in spoken where cue.message.key == "crosswalk.on" && cue.timestamp >= arrival && cue.timestamp < start.t {
                problems.append("'\(cue.text)' at \(f(cue.timestamp)) while waiting at the kerb")
            }
            for cue in spoken where cue.message.key == "signal.lost" && cue.timestamp > start.t && cue.timestamp < end {
                problems.append("'\(cue.text)' at \(f(cue.timestamp)) in the middle of the crossing")
            }
            results.append(Result(
                name: "crossing cues match the walker (crossing at \(f(start.t)))",
                passed: problems.isEmpty,
                detail: problems.isEmpty
                    ? "kerb \(f(arrival)) to \(f(start.t)) without 'on the crosswalk', no 'wait' while crossing until \(f(end))"
                    : problems.joined(separator: "; ")))
        }

        // 4. Each obstacle the walker came near was warned about before it was within 3 m.
        for near in events where near.type == "obstacle_near" {
            guard let name = near.name else { continue }
            let objectClass = String(name.prefix { !$0.isNumber })
            let contact = events.first { $0.type == "obstacle_contact" && $0.name == name }
            let warning = spoken.first {
                ($0.kind == .obstacle || $0.kind == .collision) && $0.message.arguments["class"] == objectClass
                    && $0.timestamp <= near.t
            }
            var detail = warning.map { "'\($0.text)' at \(f($0.timestamp)), within 3 m at \(f(near.t))" }
                ?? "no \(objectClass) warning before it was within 3 m at \(f(near.t))"
            if let contact { detail += "; contact at \(f(contact.t))" }
            results.append(Result(name: "\(name) warned before contact", passed: warning != nil, detail: detail))
        }
        return results
    }
}
