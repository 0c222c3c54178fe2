import Foundation

/// A scripted walk: a route over time, parsed from the line-oriented `.walk` text format.
///
/// ```
/// # comments start with '#'; blank lines are ignored
/// name demo                       # free text
/// seed 42                         # textures, noise and shake
/// camera height 1.3 pitch 15 hfov 70
/// ground sidewalk                 # sidewalk | asphalt | tiles
/// paving style yellow width 0.3 wear 0.2   # style of the paving lines that follow
/// walker speed 1.2                # metres per second
/// walker offset 0.1               # walk 0.1 m right of the paving centre line
/// paving straight 8m
/// paving bend left 20deg over 4m
/// paving warning 0.6m             # a band of warning dots on the route
/// crossing road 8m width 4m       # kerb here; the route crosses the road straight on
/// light ped red for 8s then green for 10s then flashing 3s countdown
/// light vehicle green for 10s then yellow for 3s then red for 8s
/// obstacle person at x=0.3 y=20 speed 1.2 # route frame: x right of the route, y along it
/// pause 2s at 5m                  # the walker stands still for 2 s at 5 m along the route
/// duration 40s                    # optional; otherwise the walk ends with the route
/// sun azimuth 220 elevation 40 strength 0.7
/// exposure 1.0
/// noise 2                         # sensor noise, 8-bit levels
/// blur 2                          # motion blur, pixels
/// jpeg 80                         # JPEG round trip quality (0: none)
/// shake 1                         # body shake scale (0: steady camera)
/// ```
///
/// Distances take an optional `m`, angles `deg`, times `s`. The route starts at the world
/// origin heading along `+y`; `paving`, `crossing` lines append pieces to it in order. A
/// `light` line belongs to the crossing before it and stands at its far kerb (pedestrian
/// head right of the crossing, vehicle head left), facing the walker; its phases repeat.
/// The walker stops at a kerb until that crossing's pedestrian light shows a steady green.
public struct WalkScript: Sendable, Hashable, Codable {
    /// One piece of the route.
    public enum RoutePiece: Sendable, Hashable, Codable {
        /// Straight guidance paving.
        case straight(length: Double)
        /// Guidance paving bending by `degrees` (positive right) over `length`.
        case bend(degrees: Double, length: Double)
        /// A band of warning tiles on the route.
        case warning(length: Double)
        /// A road with a zebra crossing, crossed straight on.
        case crossing(road: Double, width: Double, wear: Double)
        /// Plain ground without paving.
        case plain(length: Double)
        /// A guidance branch leaving the route here at `degrees` (90 right, -90 left) for
        /// `length` metres, with a warning square at the junction; the walker goes straight on.
        case branch(degrees: Double, length: Double)
    }

    /// A phase of a signal program.
    public struct LightPhase: Sendable, Hashable, Codable {
        /// `red`, `green`, `flashing`, `yellow` or `dark`.
        public var state: String
        public var seconds: Double
    }

    /// A signal at a crossing.
    public struct Light: Sendable, Hashable, Codable {
        /// `pedestrian` or `vehicle`.
        public var kind: String
        public var phases: [LightPhase]
        public var countdown: Bool
        /// Index of the crossing it belongs to (among the route's crossings).
        public var crossing: Int
        /// Script line, for messages.
        public var line: Int
    }

    /// An obstacle in the route frame.
    public struct Obstacle: Sendable, Hashable, Codable {
        /// `cone`, `bollard`, `pole`, `stairs` or `person`.
        public var kind: String
        /// Metres right of the route.
        public var x: Double
        /// Metres along the route.
        public var y: Double
        /// Approach speed towards the route start, metres per second.
        public var speed: Double
        /// Height (m), 0 for the kind's default.
        public var height: Double
        public var line: Int
    }

    /// A stop of the walker.
    public struct Pause: Sendable, Hashable, Codable {
        public var at: Double
        public var seconds: Double
    }

    /// Name of the walk (`name`).
    public var name: String = "walk"
    /// Seed of textures, noise and shake (`seed`).
    public var seed: UInt64 = 1
    /// Camera height override, metres (`camera height`).
    public var cameraHeight: Double?
    /// Camera pitch override, degrees down (`camera pitch`).
    public var cameraPitch: Double?
    /// Horizontal field of view override, degrees (`camera hfov`).
    public var cameraHFOV: Double?
    /// Ground surface (`ground`).
    public var ground: GroundMaterial = .sidewalk
    /// Paving colour (`paving style`).
    public var pavingColor: PavingColor = .yellow
    /// Paving width, metres (`paving style width`).
    public var pavingWidth: Double = 0.3
    /// Paving wear 0...1 (`paving style wear`).
    public var pavingWear: Double = 0.1
    /// Realistic paving material by catalogue name (`paving style material grey-concrete`);
    /// `nil` keeps the default look.
    public var pavingMaterial: String?
    /// Realistic surround, cycle lanes, shadows and clutter (`ground herringbone`,
    /// `cyclelane`, `shadow`, `clutter`); `nil` keeps the default look.
    public var realistic: RealisticGround?
    /// Walking speed, m/s (`walker speed`).
    public var walkerSpeed: Double = 1.2
    /// Lateral offset right of the route, metres (`walker offset`).
    public var walkerOffset: Double = 0
    /// Route pieces in order (`paving`, `crossing`).
    public var route: [RoutePiece] = []
    /// Signal heads (`light`).
    public var lights: [Light] = []
    /// Obstacles (`obstacle`).
    public var obstacles: [Obstacle] = []
    /// Stops of the walker (`pause`).
    public var pauses: [Pause] = []
    /// Maximum length in seconds (`duration`).
    public var duration: Double?
    /// Light (`sun`, `exposure`).
    public var lighting = SynthLighting()
    /// Sensor effects (`noise`, `blur`, `jpeg`).
    public var effects = SynthEffects()
    /// Body-shake scale (`shake`).
    public var shake: Double = 1

    /// Creates an empty script (a walk of nothing).
    public init() {}

    /// Parses a script.
    ///
    /// - Parameters:
    ///   - text: The script.
    ///   - source: A name for messages (the file path).
    /// - Throws: ``WalkScriptError`` naming the source, line and reason.
    public init(parsing text: String, source: String = "<walk>") throws(WalkScriptError) {
        var p = WalkParser(source: source)
        self = try p.parse(text)
    }

    /// Reads and parses a `.walk` file.
    public init(contentsOfFile path: String) throws(WalkScriptError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WalkScriptError(source: path, line: 0, message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw WalkScriptError(source: path, line: 0, message: "not UTF-8 text")
        }
        try self.init(parsing: text, source: path)
    }
}

/// A problem in a walk script: where (source and 1-based line; 0 for the whole file) and why.
public struct WalkScriptError: Error, Sendable, Hashable, CustomStringConvertible {
    public var source: String
    public var line: Int
    public var message: String
    /// Creates an error.
    public init(source: String, line: Int, message: String) {
        self.source = source; self.line = line; self.message = message
    }
    public var description: String { line > 0 ? "\(source):\(line): \(message)" : "\(source): \(message)" }
}

/// The `.walk` parser.
struct WalkParser {
    /// Brick red for brick patterns, grey for slabs and setts.
    static func surroundColors(_ p: SurroundPattern) -> [SynthColor] {
        switch p {
        case .runningBond, .herringbone, .basketweave: return [SynthColor(150, 74, 56), SynthColor(120, 60, 48)]
        default: return [SynthColor(160, 156, 150), SynthColor(130, 128, 124)]
        }
    }

    let source: String
    var line = 0
    static let maxLines = 10_000
    static let maxRoute = 5_000.0

    func fail(_ m: String) -> WalkScriptError { WalkScriptError(source: source, line: line, message: m) }

    /// A number with an optional unit suffix from `units` (e.g. `5m`, `20deg`, `8s`, `1.2`).
    func number(_ token: String?, _ what: String, units: [String], range: ClosedRange<Double>) throws(WalkScriptError) -> Double {
        guard let token else { throw fail("expected \(what), got the end of the line") }
        var t = Substring(token.lowercased())
        for u in units.sorted(by: { $0.count > $1.count }) where t.hasSuffix(u) && t.count > u.count {
            t = t.dropLast(u.count); break
        }
        guard let v = Double(t), v.isFinite else { throw fail("expected \(what), got '\(token)'") }
        guard range.contains(v) else {
            throw fail("\(what) \(token) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }

    func keyValue(_ token: String, _ key: String) -> String? {
        let prefix = key + "="
        return token.lowercased().hasPrefix(prefix) ? String(token.dropFirst(prefix.count)) : nil
    }

    mutating func parse(_ text: String) throws(WalkScriptError) -> WalkScript {
        var s = WalkScript()
        var crossings = 0
        var routeLength = 0.0
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count <= Self.maxLines else {
            line = 0
            throw fail("more than \(Self.maxLines) lines")
        }
        for (i, raw) in lines.enumerated() {
            line = i + 1
            var content = Substring(raw)
            if let hash = content.firstIndex(of: "#") { content = content[..<hash] }
            let tokens = content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard let head = tokens.first?.lowercased() else { continue }
            var it = TokenCursor(tokens: Array(tokens.dropFirst()))
            switch head {
            case "name":
                guard !it.rest.isEmpty else { throw fail("'name' needs a name") }
                s.name = it.rest.joined(separator: " ")
                it.consumeAll()
            case "seed":
                guard let t = it.next(), let v = UInt64(t) else { throw fail("'seed' needs a whole number 0 or more") }
                s.seed = v
            case "duration":
                s.duration = try number(it.next(), "a duration like 40s", units: ["s"], range: 0.1...3600)
            case "camera":
                guard !it.rest.isEmpty else { throw fail("'camera' needs height, pitch or hfov values") }
                while let key = it.next()?.lowercased() {
                    switch key {
                    case "height": s.cameraHeight = try number(it.next(), "a camera height in metres", units: ["m"], range: 0.2...5)
                    case "pitch": s.cameraPitch = try number(it.next(), "a pitch in degrees", units: ["deg"], range: -30...80)
                    case "hfov": s.cameraHFOV = try number(it.next(), "a field of view in degrees", units: ["deg"], range: 20...150)
                    default: throw fail("unknown camera setting '\(key)' (use height, pitch, hfov)")
                    }
                }
            case "ground":
                guard let t = it.next()?.lowercased() else { throw fail("'ground' needs one of sidewalk, asphalt, tiles") }
                if let m = GroundMaterial(rawValue: t) { s.ground = m }
                else if let pattern = SurroundPattern(rawValue: t) {
                    var r = s.realistic ?? RealisticGround()
                    r.surround = pattern
                    r.surroundColors = WalkParser.surroundColors(pattern)
                    s.realistic = r
                } else {
                    let all = (["sidewalk", "asphalt", "tiles"] + SurroundPattern.allCases.map(\.rawValue)).joined(separator: ", ")
                    throw fail("'ground' needs one of \(all)")
                }
            case "cyclelane":
                guard let sideWord = it.next()?.lowercased(), sideWord == "left" || sideWord == "right" else {
                    throw fail("'cyclelane' needs left or right, e.g. 'cyclelane right red at 1.2m width 1.5m'")
                }
                var colour = SynthColor(178, 64, 50), at = 1.2, width = 1.5
                while let key = it.next()?.lowercased() {
                    switch key {
                    case "red": colour = SynthColor(178, 64, 50)
                    case "blue": colour = SynthColor(52, 96, 168)
                    case "green": colour = SynthColor(58, 132, 80)
                    case "at": at = try number(it.next(), "a distance from the route like 1.2m", units: ["m"], range: 0...20)
                    case "width": width = try number(it.next(), "a lane width like 1.5m", units: ["m"], range: 0.5...5)
                    default: throw fail("unknown cyclelane setting '\(key)' (use red, blue, green, at, width)")
                    }
                }
                var r = s.realistic ?? RealisticGround()
                let side = sideWord == "right" ? 1.0 : -1.0
                r.cycleLanes.append(CycleLane(centerX: side * (at + width / 2), width: width, color: colour))
                s.realistic = r
            case "shadow":
                guard let kindWord = it.next()?.lowercased(), let caster = CastShadow.Caster(rawValue: kindWord) else {
                    throw fail("'shadow' needs pole, tree or building, e.g. 'shadow tree at x=-2 y=8 size 2'")
                }
                var x = 0.0, y = 0.0, size = caster == .pole ? 4.0 : (caster == .tree ? 2.0 : 1.0), dark = 0.45
                while let word = it.next()?.lowercased() {
                    if word == "at" { continue }
                    if let v = keyValue(word, "x") { x = try number(v, "x in metres", units: ["m"], range: -100...100) }
                    else if let v = keyValue(word, "y") { y = try number(v, "y in metres", units: ["m"], range: -100...1000) }
                    else if word == "size" { size = try number(it.next(), "a size in metres", units: ["m"], range: -50...50) }
                    else if word == "darkness" { dark = try number(it.next(), "a darkness 0 to 1", units: [], range: 0...1) }
                    else { throw fail("unknown shadow setting '\(word)' (use at x= y=, size, darkness)") }
                }
                var r = s.realistic ?? RealisticGround()
                r.shadows.append(CastShadow(caster: caster, origin: SynthPoint2(x: x, y: y), size: size, darkness: dark))
                s.realistic = r
            case "clutter":
                var r = s.realistic ?? RealisticGround()
                while let key = it.next()?.lowercased() {
                    switch key {
                    case "leaves": r.leafDensity = try number(it.next(), "leaves per square metre", units: [], range: 0...200)
                    case "cracks": r.crackDensity = try number(it.next(), "cracks per 10 square metres", units: [], range: 0...50)
                    case "wet": r.wetness = try number(it.next(), "a wetness 0 to 1", units: [], range: 0...1)
                    case "dirt": r.dirt = try number(it.next(), "a dirt level 0 to 1", units: [], range: 0...1)
                    case "replaced": r.replacedTiles = try number(it.next(), "a fraction of replaced tiles", units: [], range: 0...1)
                    default: throw fail("unknown clutter setting '\(key)' (use leaves, cracks, wet, dirt, replaced)")
                    }
                }
                s.realistic = r
            case "walker":
                guard let key = it.next()?.lowercased() else { throw fail("'walker' needs 'speed' or 'offset'") }
                switch key {
                case "speed": s.walkerSpeed = try number(it.next(), "a walking speed in m/s", units: ["m/s"], range: 0.1...5)
                case "offset": s.walkerOffset = try number(it.next(), "a lateral offset in metres", units: ["m"], range: -5...5)
                default: throw fail("unknown walker setting '\(key)' (use speed, offset)")
                }
            case "paving":
                guard let kind = it.next()?.lowercased() else { throw fail("'paving' needs straight, bend, warning or style") }
                switch kind {
                case "straight":
                    let l = try number(it.next(), "a length like 5m", units: ["m"], range: 0.05...1000)
                    s.route.append(.straight(length: l)); routeLength += l
                case "plain":
                    let l = try number(it.next(), "a length like 5m", units: ["m"], range: 0.05...1000)
                    s.route.append(.plain(length: l)); routeLength += l
                case "warning":
                    let l = try number(it.next(), "a length like 0.6m", units: ["m"], range: 0.05...50)
                    s.route.append(.warning(length: l)); routeLength += l
                case "bend":
                    guard let dir = it.next()?.lowercased(), dir == "left" || dir == "right" else {
                        throw fail("'paving bend' needs left or right, e.g. 'paving bend left 20deg over 4m'")
                    }
                    let a = try number(it.next(), "an angle like 20deg", units: ["deg"], range: 1...170)
                    guard it.next()?.lowercased() == "over" else { throw fail("expected 'over' and a length after the angle") }
                    let l = try number(it.next(), "a length like 4m", units: ["m"], range: 0.1...1000)
                    s.route.append(.bend(degrees: dir == "left" ? -a : a, length: l)); routeLength += l
                case "branch":
                    guard let dir = it.next()?.lowercased(), dir == "left" || dir == "right" else {
                        throw fail("'paving branch' needs left or right and a length, e.g. 'paving branch left 4m'")
                    }
                    let l = try number(it.next(), "a branch length like 4m", units: ["m"], range: 0.3...100)
                    s.route.append(.branch(degrees: dir == "left" ? -90 : 90, length: l))
                case "style":
                    while let key = it.next()?.lowercased() {
                        switch key {
                        case "material":
                            guard let name = it.next(), let m = PavingMaterial.named(name) else {
                                let names = (PavingMaterial.trainCatalogue + PavingMaterial.unseenCatalogue).map(\.name)
                                throw fail("unknown paving material (use one of \(names.joined(separator: ", ")))")
                            }
                            s.pavingMaterial = m.name
                        case "yellow": s.pavingColor = .yellow
                        case "grey", "gray": s.pavingColor = .grey
                        case "width": s.pavingWidth = try number(it.next(), "a paving width in metres", units: ["m"], range: 0.1...3)
                        case "wear": s.pavingWear = try number(it.next(), "a wear from 0 to 1", units: [], range: 0...1)
                        default: throw fail("unknown paving style '\(key)' (use yellow, grey, material, width, wear)")
                        }
                    }
                default: throw fail("unknown paving kind '\(kind)' (use straight, bend, warning, plain, branch, style)")
                }
            case "crossing":
                var road = 8.0, width = 4.0, wear = 0.2
                guard !it.rest.isEmpty else { throw fail("'crossing' needs 'road' and a width, e.g. 'crossing road 8m'") }
                while let key = it.next()?.lowercased() {
                    switch key {
                    case "road": road = try number(it.next(), "a road width like 8m", units: ["m"], range: 2...60)
                    case "width": width = try number(it.next(), "a crossing width like 4m", units: ["m"], range: 1...30)
                    case "wear": wear = try number(it.next(), "a wear from 0 to 1", units: [], range: 0...1)
                    default: throw fail("unknown crossing setting '\(key)' (use road, width, wear)")
                    }
                }
                s.route.append(.crossing(road: road, width: width, wear: wear)); routeLength += road
                crossings += 1
            case "light":
                guard crossings > 0 else { throw fail("a 'light' line must follow the 'crossing' it belongs to") }
                guard let kindWord = it.next()?.lowercased() else { throw fail("'light' needs ped or vehicle") }
                let kind: String
                switch kindWord {
                case "ped", "pedestrian": kind = "pedestrian"
                case "vehicle", "car": kind = "vehicle"
                default: throw fail("unknown light kind '\(kindWord)' (use ped or vehicle)")
                }
                var phases: [WalkScript.LightPhase] = []
                var countdown = false
                while let word = it.next()?.lowercased() {
                    if word == "countdown" { countdown = true; continue }
                    if word == "then" {
                        guard !phases.isEmpty else { throw fail("'then' must follow a phase") }
                        continue
                    }
                    let allowed = kind == "pedestrian" ? ["red", "green", "flashing", "dark"] : ["red", "yellow", "green", "flashing", "dark"]
                    guard allowed.contains(word) else {
                        throw fail("unknown \(kind) light state '\(word)' (use \(allowed.joined(separator: ", ")))")
                    }
                    var timeToken = it.next()
                    if timeToken?.lowercased() == "for" { timeToken = it.next() }
                    let t = try number(timeToken, "a time like 8s after '\(word)'", units: ["s"], range: 0.1...3600)
                    phases.append(.init(state: word, seconds: t))
                }
                guard !phases.isEmpty else { throw fail("'light' needs at least one phase, e.g. 'light ped red for 8s then green for 10s'") }
                s.lights.append(.init(kind: kind, phases: phases, countdown: countdown, crossing: crossings - 1, line: line))
            case "obstacle":
                guard let kind = it.next()?.lowercased(), ["cone", "bollard", "pole", "stairs", "person"].contains(kind) else {
                    throw fail("'obstacle' needs a kind: cone, bollard, pole, stairs or person")
                }
                var x: Double?, y: Double?, speed = 0.0, height = 0.0
                while let word = it.next() {
                    if word.lowercased() == "at" { continue }
                    if let v = keyValue(word, "x") { x = try number(v, "x in metres", units: ["m"], range: -50...50); continue }
                    if let v = keyValue(word, "y") { y = try number(v, "y in metres", units: ["m"], range: -50...Self.maxRoute); continue }
                    switch word.lowercased() {
                    case "speed": speed = try number(it.next(), "a speed in m/s", units: ["m/s"], range: 0...10)
                    case "height": height = try number(it.next(), "a height in metres", units: ["m"], range: 0.1...10)
                    default: throw fail("unexpected '\(word)' in obstacle (use at x=.. y=.., speed, height)")
                    }
                }
                guard let x, let y else { throw fail("'obstacle' needs a position 'at x=0.3 y=10'") }
                guard s.obstacles.count < 500 else { throw fail("too many obstacles (500 at most)") }
                s.obstacles.append(.init(kind: kind, x: x, y: y, speed: speed, height: height, line: line))
            case "pause":
                let t = try number(it.next(), "a pause like 2s", units: ["s"], range: 0.1...600)
                guard it.next()?.lowercased() == "at" else { throw fail("expected 'at' and a route distance, e.g. 'pause 2s at 5m'") }
                let at = try number(it.next(), "a route distance like 5m", units: ["m"], range: 0...Self.maxRoute)
                s.pauses.append(.init(at: at, seconds: t))
            case "sun":
                while let key = it.next()?.lowercased() {
                    switch key {
                    case "azimuth": s.lighting.sunAzimuth = try number(it.next(), "an azimuth in degrees", units: ["deg"], range: -360...360)
                    case "elevation": s.lighting.sunElevation = try number(it.next(), "an elevation in degrees", units: ["deg"], range: 0...90)
                    case "strength": s.lighting.sunStrength = try number(it.next(), "a strength from 0 to 1", units: [], range: 0...1)
                    default: throw fail("unknown sun setting '\(key)' (use azimuth, elevation, strength)")
                    }
                }
            case "exposure": s.lighting.exposure = try number(it.next(), "an exposure like 1.0", units: [], range: 0.1...4)
            case "noise": s.effects.noise = try number(it.next(), "a noise level", units: [], range: 0...50)
            case "blur": s.effects.horizontalBlur = Int(try number(it.next(), "a blur in pixels", units: ["px"], range: 0...20))
            case "jpeg": s.effects.jpegQuality = Int(try number(it.next(), "a JPEG quality 0 to 100", units: [], range: 0...100))
            case "shake": s.shake = try number(it.next(), "a shake scale", units: [], range: 0...5)
            default:
                throw fail("unknown keyword '\(tokens[0])'")
            }
            if let extra = it.next() { throw fail("unexpected '\(extra)' at the end of the line") }
            guard routeLength <= Self.maxRoute else { throw fail("the route is longer than \(Int(Self.maxRoute)) m") }
        }
        line = 0
        guard !s.route.isEmpty else { throw fail("the walk has no route: add 'paving straight 5m' or similar") }
        return s
    }
}

struct TokenCursor {
    var tokens: [String]
    var index = 0
    var rest: ArraySlice<String> { tokens[index...] }
    mutating func next() -> String? {
        guard index < tokens.count else { return nil }
        defer { index += 1 }
        return tokens[index]
    }
    mutating func consumeAll() { index = tokens.count }
}
