/// Fail-loud state: frames stopped, or the vision pipeline fell behind.
struct SystemState {
    var paused = false
    var lagging = false
    var normalSince: Double?
}

extension CueEngine {
    /// Whether the engine has announced that the camera paused (and not yet its return).
    public var isCameraPaused: Bool { system.paused }
    /// Whether the engine has announced that the vision lags (and not yet its recovery).
    public var isVisionLagging: Bool { system.lagging }

    func systemCandidate(_ key: String, urgency: Float) -> Candidate {
        Candidate(kind: .system, priority: .system, message: CueMessage(key), topic: "system",
                  urgency: urgency, earcon: .status, isEvent: true, repeatSeconds: 0)
    }

    func systemOnFrame(_ frame: CueFrame, candidates: inout [Candidate]) {
        let cfg = configuration
        let t = frame.timestamp
        let interval = lastFrameTime.map { t - $0 } ?? 0
        if system.paused {
            system.paused = false
            system.normalSince = t
            // If "camera paused" is still waiting for the channel, neither is worth saying now.
            if let i = pending.firstIndex(where: { $0.message.key == "system.camera.paused" }) {
                pending.remove(at: i)
            } else {
                candidates.append(systemCandidate("system.camera.resumed", urgency: 0.2))
            }
            return
        }
        let latency = max(0, (frame.processedAt ?? t) - t)
        let slow = latency > cfg.lagSeconds || interval > cfg.lagSeconds
        if slow {
            system.normalSince = nil
            if !system.lagging {
                system.lagging = true
                candidates.append(systemCandidate("system.vision.lagging", urgency: 0.5))
            }
        } else {
            if system.normalSince == nil { system.normalSince = lastFrameTime ?? t }
            if system.lagging, let since = system.normalSince, t - since >= cfg.lagRecoverySeconds {
                system.lagging = false
                candidates.append(systemCandidate("system.vision.recovered", urgency: 0.2))
            }
        }
    }

    func timeouts(now: Double, candidates: inout [Candidate]) {
        if let last = lastFrameTime, !system.paused, now - last > configuration.cameraPauseSeconds {
            system.paused = true
            system.lagging = false
            candidates.append(systemCandidate("system.camera.paused", urgency: 0.7))
        }
        signalTimeouts(now: now, candidates: &candidates)
    }
}
