/// WayCueCues: tracking, scene geometry, safety rules and audio cues for a walker.
///
/// The entry point is ``CueEngine``: feed it each frame's detections with its timestamp
/// (``CueEngine/feed(_:)``), call ``CueEngine/tick(now:)`` when no frame arrives, and attach
/// sinks (``JSONLinesCueSink``, ``WAVTrackRenderer``, ``AplayCueSink``, ``CallbackCueSink``).
public enum WayCueCues {}
