/// WayCueSynth: deterministic procedural street scenes and scripted walks with exact labels.
///
/// - ``SynthSceneGenerator`` draws random labelled scenes for training (tactile paving
///   strips, crossings, signal heads, obstacles, lighting and sensor effects).
/// - ``SynthRenderer`` renders a ``SynthScene`` from any ``WalkerPose`` into a ``SynthFrame``:
///   the picture, a per-pixel object-id buffer, ground-marking masks and ``SynthLabel`` boxes
///   in the canonical taxonomy (``SynthClass``).
/// - ``WalkScript`` parses the `.walk` format; ``WalkWorld`` simulates the walker and renders
///   frames with ``WalkTruthFrame`` ground truth (distances, bearings, paving offset and
///   heading, light states, events).
/// - ``SynthCompositor`` pastes rendered objects into real photographs.
///
/// Everything is a pure function of its seed (``SynthRandom``, SplitMix64): the same seed
/// gives the same bytes.
public enum WayCueSynth {}
