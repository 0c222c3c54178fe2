import Foundation

/// What a cue is about; also the JSON `kind` field.
public enum CueKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// An obstacle in the walking corridor about to be hit: interrupts everything.
    case collision
    /// The pedestrian signal facing the walker (green, red, flashing, lost, unclear).
    case signal
    /// The camera or the vision pipeline stalled or recovered.
    case system
    /// An obstacle ahead (class, clock position, distance).
    case obstacle
    /// A crosswalk ahead, its direction, and guidance while crossing.
    case crosswalk
    /// Tactile paving guidance.
    case paving
    /// A non-verbal accessible-pedestrian-signal tone (locator or walk pattern).
    case tone
}

/// How important a cue is; a higher value wins the single audio channel and may interrupt.
public struct CuePriority: RawRepresentable, Sendable, Hashable, Comparable, Codable {
    /// The number; larger wins.
    public var rawValue: Int
    /// Creates a priority from its number.
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static func < (a: CuePriority, b: CuePriority) -> Bool { a.rawValue < b.rawValue }

    /// An imminent collision: outranks everything.
    public static let imminent = CuePriority(rawValue: 100)
    /// A safety change of the pedestrian signal (turned red, flashing, lost, unclear).
    public static let signalChange = CuePriority(rawValue: 90)
    /// "Green, you may cross" and "red, wait".
    public static let signalState = CuePriority(rawValue: 85)
    /// Camera paused or vision lagging, and their recovery.
    public static let system = CuePriority(rawValue: 80)
    /// An obstacle ahead.
    public static let obstacle = CuePriority(rawValue: 60)
    /// Warning tiles ahead and "paving ends": the walker is reaching a kerb, steps or the end
    /// of guidance, which matters more than where the crosswalk lies.
    public static let pavingHazard = CuePriority(rawValue: 55)
    /// Crosswalk guidance.
    public static let crosswalk = CuePriority(rawValue: 50)
    /// Paving guidance.
    public static let paving = CuePriority(rawValue: 40)
    /// Accessible-pedestrian-signal tones.
    public static let tone = CuePriority(rawValue: 10)
}

/// The non-verbal sound that starts (or, for tones, is) a cue.
public enum EarconKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// APS locator tone: one short tone (at most 0.15 s), used once per second while red.
    case locator
    /// APS walk pattern: rapid percussive ticks at about 9 per second.
    case walk
    /// Urgent rising beeps: imminent collision or signal turned red.
    case alert
    /// A short beep whose pitch and repetition rise with urgency: obstacles.
    case beep
    /// A soft double click: paving and crosswalk guidance.
    case guide
    /// A falling two-tone: camera paused, vision lagging, signal lost or unclear.
    case status
}

/// A message identity: a phrasebook key and its arguments, independent of the language.
public struct CueMessage: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Phrasebook key, for example `obstacle` or `signal.green`.
    public var key: String
    /// Named arguments, for example `["class": "pole", "clock": "1", "distance": "2"]`.
    public var arguments: [String: String]

    /// Creates a message.
    public init(_ key: String, _ arguments: [String: String] = [:]) {
        self.key = key
        self.arguments = arguments
    }

    public var description: String {
        arguments.isEmpty ? key
            : key + "(" + arguments.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                .joined(separator: ",") + ")"
    }
}

/// One cue: what the walker hears at one moment.
public struct Cue: Sendable, Hashable, Codable {
    /// When the cue was emitted, in the timeline's seconds.
    public var timestamp: Double
    /// What it is about.
    public var kind: CueKind
    /// Its priority.
    public var priority: CuePriority
    /// The language-independent message.
    public var message: CueMessage
    /// The text in the engine's language, for display (empty for pure tones).
    public var text: String
    /// What the speech backend reads (pinyin with tone numbers for Mandarin); empty for tones.
    public var speech: String
    /// Stereo position in `[-1, 1]`, negative left, from the bearing of what the cue is about.
    public var pan: Float
    /// Urgency in `[0, 1]`, raising the earcon's pitch and rate.
    public var urgency: Float
    /// The earcon played before the speech (or alone for tones).
    public var earcon: EarconKind
    /// Whether this cue cut off a lower-priority cue still playing.
    public var interrupts: Bool
    /// The track the cue is about, if any.
    public var trackID: Int?

    /// Creates a cue.
    public init(timestamp: Double, kind: CueKind, priority: CuePriority, message: CueMessage,
                text: String, speech: String, pan: Float, urgency: Float, earcon: EarconKind,
                interrupts: Bool = false, trackID: Int? = nil) {
        self.timestamp = timestamp
        self.kind = kind
        self.priority = priority
        self.message = message
        self.text = text
        self.speech = speech
        self.pan = pan
        self.urgency = urgency
        self.earcon = earcon
        self.interrupts = interrupts
        self.trackID = trackID
    }

    enum CodingKeys: String, CodingKey {
        case timestamp = "t", kind, priority, key, args, text, speech, pan, urgency, earcon,
            interrupts, track
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        timestamp = try c.decode(Double.self, forKey: .timestamp)
        kind = try c.decode(CueKind.self, forKey: .kind)
        priority = CuePriority(rawValue: try c.decode(Int.self, forKey: .priority))
        message = CueMessage(try c.decode(String.self, forKey: .key),
                             try c.decodeIfPresent([String: String].self, forKey: .args) ?? [:])
        text = try c.decode(String.self, forKey: .text)
        speech = try c.decodeIfPresent(String.self, forKey: .speech) ?? text
        pan = try c.decode(Float.self, forKey: .pan)
        urgency = try c.decodeIfPresent(Float.self, forKey: .urgency) ?? 0
        earcon = try c.decode(EarconKind.self, forKey: .earcon)
        interrupts = try c.decodeIfPresent(Bool.self, forKey: .interrupts) ?? false
        trackID = try c.decodeIfPresent(Int.self, forKey: .track)
    }

    /// Encodes one JSON-lines record: `{"t", "kind", "priority", "key", "args", "text",
    /// "speech", "pan", "urgency", "earcon", "interrupts", "track"}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode((timestamp * 1000).rounded() / 1000, forKey: .timestamp)
        try c.encode(kind, forKey: .kind)
        try c.encode(priority.rawValue, forKey: .priority)
        try c.encode(message.key, forKey: .key)
        if !message.arguments.isEmpty { try c.encode(message.arguments, forKey: .args) }
        try c.encode(text, forKey: .text)
        if speech != text { try c.encode(speech, forKey: .speech) }
        try c.encode((pan * 100).rounded() / 100 + 0, forKey: .pan)  // + 0 turns -0 into 0
        try c.encode((urgency * 100).rounded() / 100, forKey: .urgency)
        try c.encode(earcon, forKey: .earcon)
        if interrupts { try c.encode(true, forKey: .interrupts) }
        try c.encodeIfPresent(trackID, forKey: .track)
    }

    /// Whether this cue cancels a "you may cross": the signal turned red or flashing, was
    /// lost, or became unclear.
    public var cancelsCrossing: Bool {
        kind == .signal && message.key != "signal.green" && message.key != "signal.lost.crossing"
    }
}
