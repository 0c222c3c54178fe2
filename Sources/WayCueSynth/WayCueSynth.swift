/// WayCueSynth: deterministic procedural street scenes and scripted walks with exact labels.
public enum WayCueSynth {}
