/// WayCueCues: tracking, scene geometry, safety rules and audio cues for a walker.
public enum WayCueCues {}
