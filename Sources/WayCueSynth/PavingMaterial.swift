import Foundation

/// Which half of the realistic catalogue a scene draws from.
///
/// `train` and `unseen` share no paving material, surround pattern, cycle-lane paint, tile
/// photo or image seed, so a model trained on `train` can be validated on looks it never saw.
public enum MaterialSplit: String, Sendable, Hashable, Codable, CaseIterable {
    /// Materials for training sets.
    case train
    /// Held-out materials for validation only.
    case unseen
}

/// The look of one kind of tactile paving tile in the realistic renderer.
///
/// Sizes follow common practice: 0.3 m square tiles, four guidance bars per tile about
/// 35 mm wide running along the walking direction, warning domes about 25 mm across on a
/// regular grid. Bars and domes are drawn as relief lit by the scene's sun.
public struct PavingMaterial: Sendable, Hashable, Codable {
    /// Catalogue name, e.g. `yellow-fresh`, `grey-concrete` (walk files use it).
    public var name: String
    /// Colour of the tile body.
    public var base: SynthColor
    /// Colour of bars and domes (the base colour for moulded tiles, metal for studs).
    public var relief: SynthColor
    /// Steel (or brass) studs and bars set into stone: no tile grid in the relief colour,
    /// shiny relief, stone grain on the base.
    public var studs: Bool
    /// Edge length of one tile, metres.
    public var tileSize: Double
    /// Bars per tile across the walking direction.
    public var barsPerTile: Int
    /// Width of one guidance bar, metres.
    public var barWidth: Double
    /// Diameter of one warning dome, metres.
    public var dotDiameter: Double
    /// Domes per tile side.
    public var dotsPerTile: Int
    /// Alternate rows of domes shifted by half a pitch (staggered grid).
    public var staggeredDots: Bool
    /// Amplitude of grain and mottling, 8-bit levels.
    public var grain: Float
    /// Wear the material already has when new (faded tiles).
    public var baseWear: Double

    /// Creates a material.
    public init(name: String, base: SynthColor, relief: SynthColor? = nil, studs: Bool = false, tileSize: Double = 0.3,
                barsPerTile: Int = 4, barWidth: Double = 0.035, dotDiameter: Double = 0.025, dotsPerTile: Int = 5,
                staggeredDots: Bool = false, grain: Float = 10, baseWear: Double = 0) {
        self.name = name; self.base = base; self.relief = relief ?? base; self.studs = studs
        self.tileSize = tileSize; self.barsPerTile = barsPerTile; self.barWidth = barWidth
        self.dotDiameter = dotDiameter; self.dotsPerTile = dotsPerTile; self.staggeredDots = staggeredDots
        self.grain = grain; self.baseWear = baseWear
    }

    /// Training materials: fresh and faded yellow, grey concrete, white, red-brown, steel studs
    /// on grey granite (square dome grids).
    public static let trainCatalogue: [PavingMaterial] = [
        PavingMaterial(name: "yellow-fresh", base: SynthColor(222, 178, 36), grain: 8),
        PavingMaterial(name: "yellow-faded", base: SynthColor(196, 172, 98), grain: 12, baseWear: 0.3),
        PavingMaterial(name: "grey-concrete", base: SynthColor(158, 156, 150), grain: 14),
        PavingMaterial(name: "white", base: SynthColor(226, 224, 214), grain: 8),
        PavingMaterial(name: "red-brown", base: SynthColor(146, 78, 58), grain: 12),
        PavingMaterial(name: "steel-on-granite", base: SynthColor(122, 120, 118), relief: SynthColor(196, 198, 202),
                       studs: true, dotsPerTile: 6, grain: 18),
    ]

    /// Held-out materials (never used by `train`): ochre and lemon yellows, dark charcoal
    /// concrete, cream, terracotta, brass studs on dark basalt; staggered dome grids and
    /// wider bars.
    public static let unseenCatalogue: [PavingMaterial] = [
        PavingMaterial(name: "ochre", base: SynthColor(198, 142, 40), barWidth: 0.04, staggeredDots: true, grain: 10),
        PavingMaterial(name: "lemon-faded", base: SynthColor(214, 206, 120), grain: 12, baseWear: 0.25),
        PavingMaterial(name: "charcoal-concrete", base: SynthColor(96, 96, 98), dotsPerTile: 6, grain: 12),
        PavingMaterial(name: "cream", base: SynthColor(214, 200, 170), barsPerTile: 5, barWidth: 0.03, grain: 9),
        PavingMaterial(name: "terracotta", base: SynthColor(176, 98, 66), staggeredDots: true, grain: 12),
        PavingMaterial(name: "brass-on-basalt", base: SynthColor(74, 74, 76), relief: SynthColor(196, 164, 92),
                       studs: true, dotsPerTile: 5, staggeredDots: true, grain: 14),
    ]

    /// Every colour the held-out split uses (tile bodies, relief, surround palettes, cycle-lane
    /// paint): randomised training colours keep away from all of them.
    public static var unseenColours: [SynthColor] {
        unseenCatalogue.flatMap { [$0.base, $0.relief] }
            + SurroundPattern.palettes(.unseen).flatMap { [$0.0, $0.1] } + CycleLane.colors(.unseen)
    }

    /// A random colour at least `minDistance` (RGB, 8-bit levels) from every colour in
    /// `avoiding`: hue anywhere, from near-black to near-white, grey to saturated.
    ///
    /// Meant to make a model find paving by its relief and layout, which is what real paving
    /// (faded, dirty, grey, white, red, steel) has in common, rather than by a few colours. For
    /// the mask head at 320 it did not (see the model card, "Paving of any colour").
    ///
    /// - Returns: The first of up to 64 draws far enough from `avoiding`; if none is, the first
    ///   of a short list of fixed blues that is (and the last draw if even they are not).
    public static func randomColour(_ rng: inout SynthRandom, avoiding: [SynthColor], minDistance: Float = 40) -> SynthColor {
        func farEnough(_ c: SynthColor) -> Bool { avoiding.allSatisfy { $0.distance(to: c) >= minDistance } }
        var c = SynthColor(128, 128, 128)
        for _ in 0..<64 {
            let h = rng.uniform(0...360), sat = rng.chance(0.3) ? rng.uniform(0...0.12) : rng.uniform(0.12...0.85)
            let v = rng.uniform(0.22...0.95)
            c = SynthColor.hsv(hue: h, saturation: sat, value: v)
            if farEnough(c) { return c }
        }
        return [SynthColor(40, 90, 200), SynthColor(30, 150, 190), SynthColor(20, 40, 120)].first(where: farEnough) ?? c
    }

    /// This material with a random body colour (and relief colour for studs) far from every
    /// held-out colour; the name becomes `random-RRGGBB`.
    public func withRandomColour(_ rng: inout SynthRandom) -> PavingMaterial {
        var m = self
        let avoid = PavingMaterial.unseenColours
        m.base = PavingMaterial.randomColour(&rng, avoiding: avoid)
        m.relief = studs ? PavingMaterial.randomColour(&rng, avoiding: avoid + [m.base], minDistance: 50) : m.base
        m.name = String(format: "random-%02x%02x%02x", Int(m.base.r), Int(m.base.g), Int(m.base.b))
        return m
    }

    /// The catalogue of a split.
    public static func catalogue(_ split: MaterialSplit) -> [PavingMaterial] {
        split == .train ? trainCatalogue : unseenCatalogue
    }

    /// A material of either catalogue by name (`grey` and `yellow` are accepted for
    /// `grey-concrete` and `yellow-fresh`).
    public static func named(_ name: String) -> PavingMaterial? {
        let n = name.lowercased()
        let alias = ["grey": "grey-concrete", "gray": "grey-concrete", "yellow": "yellow-fresh", "steel": "steel-on-granite",
                     "red": "red-brown", "brass": "brass-on-basalt"][n] ?? n
        return (trainCatalogue + unseenCatalogue).first { $0.name == alias }
    }
}

/// The paving pattern of the ground around the tactile paving.
public enum SurroundPattern: String, Sendable, Hashable, Codable, CaseIterable {
    /// Bricks 0.2 x 0.1 m in running bond.
    case runningBond = "running-bond"
    /// Bricks in 90-degree herringbone.
    case herringbone
    /// Grey concrete slabs 0.6 x 0.6 m.
    case slabs
    /// Asphalt.
    case asphalt
    /// Bricks in basket weave (pairs alternating direction); held out.
    case basketweave
    /// Square 0.2 m pavers in stack bond; held out.
    case stackBond = "stack-bond"
    /// Small granite setts 0.1 m, irregular; held out.
    case setts

    /// Patterns of a split.
    public static func patterns(_ split: MaterialSplit) -> [SurroundPattern] {
        split == .train ? [.runningBond, .herringbone, .slabs, .asphalt] : [.basketweave, .stackBond, .setts]
    }

    /// Colour palettes (a main and a second colour) of a split.
    static func palettes(_ split: MaterialSplit) -> [(SynthColor, SynthColor)] {
        switch split {
        case .train:
            return [(SynthColor(150, 74, 56), SynthColor(120, 60, 48)), (SynthColor(160, 156, 150), SynthColor(130, 128, 124)),
                    (SynthColor(176, 120, 84), SynthColor(150, 100, 70)), (SynthColor(112, 110, 108), SynthColor(140, 136, 130))]
        case .unseen:
            return [(SynthColor(92, 86, 84), SynthColor(70, 66, 64)), (SynthColor(188, 168, 132), SynthColor(160, 142, 110)),
                    (SynthColor(128, 96, 104), SynthColor(104, 80, 86))]
        }
    }
}

/// A painted cycle lane beside the walking path: a hard negative, never labelled as paving.
public struct CycleLane: Sendable, Hashable, Codable {
    /// World `x` of the lane's centre line (it runs along world `y`).
    public var centerX: Double
    /// Width, metres.
    public var width: Double
    /// Paint colour.
    public var color: SynthColor
    /// Creates a lane.
    public init(centerX: Double, width: Double, color: SynthColor) {
        self.centerX = centerX; self.width = width; self.color = color
    }

    /// Paint colours of a split (red and blue for train; dark red and green held out).
    public static func colors(_ split: MaterialSplit) -> [SynthColor] {
        split == .train ? [SynthColor(178, 64, 50), SynthColor(52, 96, 168)] : [SynthColor(120, 40, 40), SynthColor(58, 132, 80)]
    }
}

/// A hard shadow cast on the ground by something outside the picture.
public struct CastShadow: Sendable, Hashable, Codable {
    /// What casts it.
    public enum Caster: String, Sendable, Hashable, Codable { case pole, tree, building }
    public var caster: Caster
    /// Foot of the caster (pole, trunk) or a point on the building's shadow edge.
    public var origin: SynthPoint2
    /// Length of the shadow (pole), canopy radius (tree); unused for buildings.
    public var size: Double
    /// Fraction of light removed, 0 to 1.
    public var darkness: Double
    /// Creates a shadow.
    public init(caster: Caster, origin: SynthPoint2, size: Double, darkness: Double) {
        self.caster = caster; self.origin = origin; self.size = size; self.darkness = darkness
    }
}

/// Everything the realistic look adds to a ``GroundLayout``; `nil` there keeps the default look.
public struct RealisticGround: Sendable, Hashable, Codable {
    /// The surround pattern; `nil` keeps the layout's procedural material.
    public var surround: SurroundPattern?
    /// Main and second colour of the surround.
    public var surroundColors: [SynthColor]
    /// Painted cycle lanes (unlabelled).
    public var cycleLanes: [CycleLane]
    /// Hard shadows of off-screen casters.
    public var shadows: [CastShadow]
    /// Direction the sunlight comes from, degrees (relief shading and shadow direction).
    public var sunAzimuth: Double
    /// Sun height, degrees.
    public var sunElevation: Double
    /// Fallen leaves per square metre.
    public var leafDensity: Double
    /// Cracks per 10 square metres.
    public var crackDensity: Double
    /// Wetness 0 (dry) to 1 (puddles with sky sheen).
    public var wetness: Double
    /// Dirt in joints and grooves, 0 to 1.
    public var dirt: Double
    /// Fraction of paving tiles replaced by a plain or differently coloured tile (still labelled).
    public var replacedTiles: Double
    /// Seed of the clutter.
    public var seed: UInt64

    /// Creates a realistic ground description; by default plain (no clutter).
    public init(surround: SurroundPattern? = nil, surroundColors: [SynthColor] = [], cycleLanes: [CycleLane] = [],
                shadows: [CastShadow] = [], sunAzimuth: Double = 220, sunElevation: Double = 40, leafDensity: Double = 0,
                crackDensity: Double = 0, wetness: Double = 0, dirt: Double = 0.3, replacedTiles: Double = 0,
                seed: UInt64 = 1) {
        self.surround = surround; self.surroundColors = surroundColors; self.cycleLanes = cycleLanes
        self.shadows = shadows; self.sunAzimuth = sunAzimuth; self.sunElevation = sunElevation
        self.leafDensity = leafDensity; self.crackDensity = crackDensity; self.wetness = wetness; self.dirt = dirt
        self.replacedTiles = replacedTiles; self.seed = seed
    }
}
