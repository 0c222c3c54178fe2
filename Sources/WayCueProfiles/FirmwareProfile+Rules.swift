import Foundation

extension FirmwareProfile {
    /// The latency the formula gives for this profile's figures, in milliseconds:
    /// `referenceMilliseconds × boardFactor × precisionFactor × engineFactor ×
    /// (modelGFLOPs / referenceGFLOPs) × (inputSize / referenceInputSize)²`.
    public var formulaMilliseconds: Double {
        let l = latency
        let size = Double(model.inputSize) / Double(l.referenceInputSize)
        return l.referenceMilliseconds.value * l.boardFactor.value * l.precisionFactor.value
            * l.engineFactor.value * (l.modelGFLOPs.value / l.referenceGFLOPs.value) * size * size
    }

    /// The highest detection rate the frame budget allows:
    /// `floor(budgetUtilization × 1000 / expectedMilliseconds)`.
    public var budgetFPS: Int {
        guard latency.expectedMilliseconds.value > 0 else { return 0 }
        return Int((latency.budgetUtilization * 1000 / latency.expectedMilliseconds.value).rounded(.down))
    }

    /// The formula written out with this profile's numbers.
    public var latencyFormulaText: String {
        let l = latency
        func f(_ v: Double) -> String { String(format: "%g", v) }
        return "\(f(l.referenceMilliseconds.value)) ms × \(f(l.boardFactor.value)) × \(f(l.precisionFactor.value))"
            + " × \(f(l.engineFactor.value)) × (\(f(l.modelGFLOPs.value)) / \(f(l.referenceGFLOPs.value)) GFLOPs)"
            + " × (\(model.inputSize) / \(l.referenceInputSize))² = \(String(format: "%.1f", formulaMilliseconds)) ms"
    }

    /// Rules that tie fields together, beyond what the schema can say about each field alone.
    ///
    /// Returns an empty list when the profile is consistent.
    public func ruleIssues() -> [ProfileIssue] {
        var issues: [ProfileIssue] = []
        func add(_ path: String, _ message: String) {
            issues.append(ProfileIssue(path: path, message: message))
        }

        if model.threads > cpu.cores {
            add("model.threads", "must not exceed cpu.cores (\(cpu.cores)), got \(model.threads)")
        }
        if latency.referenceThreads > cpu.cores && latency.boardFactor.value == 1 {
            add("latency.referenceThreads",
                "the reference used \(latency.referenceThreads) threads but this board has \(cpu.cores) cores; set boardFactor")
        }
        if model.threads != latency.referenceThreads {
            add("model.threads",
                "must equal latency.referenceThreads (\(latency.referenceThreads)) so the reference figure applies, got \(model.threads)")
        }

        let foreign = board.arch == "aarch64" ? Self.x86Features : Self.armFeatures
        for (index, feature) in cpu.features.enumerated() where foreign.contains(feature) {
            add("cpu.features[\(index)]", "'\(feature)' is not a \(board.arch) feature")
        }
        if board.arch == "aarch64" && !cpu.features.contains("neon") {
            add("cpu.features", "aarch64 boards always have neon; list it")
        }
        if camera.interface == "csi-libcamera" && board.arch != "aarch64" {
            add("camera.interface", "csi-libcamera is only for aarch64 boards with a camera connector")
        }

        if isGlasses {
            if glassesEndpoint == nil {
                add("camera.device", "wifi-glasses needs ws://ADDRESS:PORT/ws/camera, got '\(camera.device)'")
            }
            if camera.format != "jpeg" { add("camera.format", "the glasses send jpeg, got '\(camera.format)'") }
            if camera.width != 640 || camera.height != 480 {
                add("camera.width", "the stock firmware sends 640x480 (VGA), got \(camera.width)x\(camera.height)")
            }
            if camera.fps < 5 || camera.fps > 60 {
                add("camera.fps", "the firmware's SET:FPS takes 5...60, got \(camera.fps)")
            }
            if mounting.position != "head" { add("mounting.position", "the glasses' camera is on the head, got '\(mounting.position)'") }
            if audio.output != "glasses-speaker" {
                add("audio.output", "wifi-glasses play cues on their own speaker: glasses-speaker, got '\(audio.output)'")
            }
            if let ap = accessPoint {
                if let endpoint = glassesEndpoint, endpoint.host != ap.address {
                    add("camera.device", "the glasses connect to the access point's address \(ap.address), not \(endpoint.host)")
                }
                let octets = ap.address.split(separator: ".").compactMap { Int($0) }
                if octets.count != 4 || octets.contains(where: { $0 > 255 }) || octets.last == 0 || octets.last == 255 {
                    add("accessPoint.address", "'\(ap.address)' is not a host address on a /24")
                } else if (10...50).contains(octets[3]) {
                    add("accessPoint.address", "ends in \(octets[3]), inside the DHCP pool .10-.50 given to the glasses; use .1")
                }
                if let endpoint = glassesEndpoint, endpoint.port == ap.imuPort {
                    add("accessPoint.imuPort", "equals the camera's TCP port \(endpoint.port); the firmware uses two ports (8081, 12345)")
                }
            } else {
                add("accessPoint", "wifi-glasses needs the board's access point (the network the glasses join)")
            }
        } else {
            if camera.device.hasPrefix("ws://") { add("camera.device", "\(camera.interface) opens a /dev node, got '\(camera.device)'") }
            if camera.format == "jpeg" { add("camera.format", "jpeg is for wifi-glasses; a V4L2 camera gives mjpeg") }
            if audio.output == "glasses-speaker" { add("audio.output", "glasses-speaker needs camera.interface wifi-glasses") }
            if accessPoint != nil { add("accessPoint", "only for camera.interface wifi-glasses; remove it") }
        }

        if model.detectionFPS > camera.fps {
            add("model.detectionFPS", "must not exceed camera.fps (\(camera.fps)), got \(model.detectionFPS)")
        }
        if latency.referenceGFLOPs.value <= 0 {
            add("latency.referenceGFLOPs.value", "must be greater than 0")
        }
        if latency.expectedMilliseconds.kind != "estimated" {
            add("latency.expectedMilliseconds.kind", "a formula's result is estimated, not measured")
        }
        for (path, figure) in figures where path.hasSuffix("Factor") && figure.value <= 0 {
            add("\(path).value", "must be greater than 0, got \(figure.value)")
        }
        let formula = formulaMilliseconds
        if latency.referenceGFLOPs.value > 0 && formula > 0 {
            let stated = latency.expectedMilliseconds.value
            if abs(stated - formula) > max(0.5, 0.02 * formula) {
                add("latency.expectedMilliseconds.value",
                    String(format: "%g does not match the formula: %@", stated, latencyFormulaText))
            }
            let needed = Double(model.detectionFPS) * stated
            let allowed = latency.budgetUtilization * 1000
            if needed > allowed + 1e-9 {
                add("model.detectionFPS", String(
                    format: "%d frames/s × %.1f ms = %.0f ms per second, over the budget of %.0f ms (latency.budgetUtilization %g); at most %d",
                    model.detectionFPS, stated, needed, allowed, latency.budgetUtilization, budgetFPS))
            }
            // The throttled settings must also fit: scale the estimate by the input area.
            let hot = Double(thermal.throttled.inputSize) / Double(model.inputSize)
            let hotNeeded = Double(thermal.throttled.detectionFPS) * stated * hot * hot
            if hotNeeded > allowed + 1e-9 {
                add("thermal.throttled.detectionFPS",
                    String(format: "%.0f ms per second at the throttled settings, over the budget of %.0f ms", hotNeeded, allowed))
            }
        }

        if thermal.throttled.detectionFPS > model.detectionFPS {
            add("thermal.throttled.detectionFPS",
                "must not exceed model.detectionFPS (\(model.detectionFPS)), got \(thermal.throttled.detectionFPS)")
        }
        if thermal.throttled.inputSize > model.inputSize {
            add("thermal.throttled.inputSize",
                "must not exceed model.inputSize (\(model.inputSize)), got \(thermal.throttled.inputSize)")
        }
        if thermal.throttled.detectionFPS == model.detectionFPS && thermal.throttled.inputSize == model.inputSize {
            add("thermal.throttled", "must lower detectionFPS or inputSize, or throttling changes nothing")
        }

        // The camera must see the ground ahead: the bottom row of the image must look below the
        // horizon, or the cue layer cannot place anything on the path.
        let camera = cameraModel
        if camera.groundPoint(u: Double(camera.imageWidth) / 2, v: Double(camera.imageHeight - 1)) == nil {
            add("mounting.pitchDegrees",
                "the camera at \(mounting.pitchDegrees)° sees no ground at the bottom of the image; tilt it further down")
        }

        if let gpio, gpio.button == nil && gpio.vibrationMotor == nil {
            add("gpio", "lists neither button nor vibrationMotor; remove the section instead")
        }
        if let gpio, let button = gpio.button, let motor = gpio.vibrationMotor,
           button.chip == motor.chip && button.line == motor.line {
            add("gpio.vibrationMotor.line", "uses the same line as gpio.button (\(button.chip) \(button.line))")
        }
        if !hardware.items.contains(where: { $0.part == "board" }) {
            add("hardware.items", "must list the board")
        }
        if !hardware.items.contains(where: { $0.part == "camera" }) {
            add("hardware.items", "must list the camera")
        }
        return issues
    }

    /// Every ``Figure`` in the profile with its field path.
    public var figures: [(path: String, figure: Figure)] {
        [
            ("latency.referenceGFLOPs", latency.referenceGFLOPs),
            ("latency.referenceMilliseconds", latency.referenceMilliseconds),
            ("latency.boardFactor", latency.boardFactor),
            ("latency.precisionFactor", latency.precisionFactor),
            ("latency.engineFactor", latency.engineFactor),
            ("latency.modelGFLOPs", latency.modelGFLOPs),
            ("latency.expectedMilliseconds", latency.expectedMilliseconds),
        ]
    }
}
