extension FirmwareProfile {
    /// CPU features that a profile may list for `aarch64` boards.
    public static let armFeatures = [
        "neon", "fp16", "dotprod", "i8mm", "bf16", "sve", "sve2", "crc32", "crypto",
    ]
    /// CPU features that a profile may list for `x86_64` boards.
    public static let x86Features = [
        "sse4.2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vnni", "avxvnni",
        "avx512bf16",
    ]

    /// The profile format version this library reads.
    public static let supportedSchemaVersion = 1

    /// The schema every profile file must satisfy. `firmware-profiles/schema.json` is this
    /// same description printed as JSON Schema (`waycue profile schema`).
    public static let schema: SchemaType = .object(ObjectSchema(
        doc: "A WayCue firmware profile: one board, its camera, model settings, audio and parts.", [
        SchemaField("schemaVersion", .integer(min: 1, max: 1), doc: "Profile format version (1)."),
        SchemaField("name", .string(StringRule(pattern: "[a-z0-9][a-z0-9-]{0,39}")),
                    doc: "Short name; equals the file name without .yaml."),
        SchemaField("title", .string(StringRule(maxLength: 200)), doc: "One line describing the build."),
        SchemaField("board", .object(ObjectSchema(doc: "The board.", [
            SchemaField("model", .string(StringRule(maxLength: 120)), doc: "Product name."),
            SchemaField("soc", .string(StringRule(maxLength: 120)), doc: "System on chip."),
            SchemaField("arch", .string(StringRule(allowed: ["aarch64", "x86_64"])),
                        doc: "Architecture of the operating system."),
            SchemaField("os", .string(StringRule(maxLength: 200)), doc: "Operating system."),
        ])), doc: "The board."),
        SchemaField("cpu", .object(ObjectSchema(doc: "The processor.", [
            SchemaField("cores", .integer(min: 1, max: 256), doc: "Cores the OS sees."),
            SchemaField("coreType", .string(StringRule(maxLength: 120)), doc: "Core design."),
            SchemaField("clockGHz", .number(min: 0.2, max: 6.5), doc: "Highest clock of the detector's cores."),
            SchemaField("isa", .string(StringRule(pattern: "[a-z0-9.-]{3,20}")), doc: "ISA level."),
            SchemaField("features", .array(of: .string(StringRule(allowed: armFeatures + x86Features)),
                                           minItems: 1),
                        doc: "SIMD and other CPU features the kernels may use."),
            SchemaField("affinity", .string(StringRule(pattern: "[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*")),
                        required: false, doc: "CPUs to pin detector threads to (taskset list)."),
        ])), doc: "The processor."),
        SchemaField("ramMB", .integer(min: 256, max: 1_048_576), doc: "Main memory in MiB."),
        SchemaField("camera", .object(ObjectSchema(doc: "The camera.", [
            SchemaField("interface", .string(StringRule(allowed: ["usb-uvc", "csi-libcamera", "wifi-glasses"])),
                        doc: "usb-uvc, csi-libcamera (opened through libcamera's V4L2 compatibility layer), or wifi-glasses (the open ESP32 guidance glasses, served by waycue glasses)."),
            SchemaField("device", .string(StringRule(pattern: "/dev/[A-Za-z0-9._/-]+|ws://[0-9]{1,3}(\\.[0-9]{1,3}){3}:[0-9]{1,5}/ws/camera")),
                        doc: "Device node WayCue opens, or (wifi-glasses) ws://ADDRESS:PORT/ws/camera."),
            SchemaField("format", .string(StringRule(allowed: ["mjpeg", "yuyv", "nv12", "rgb24", "jpeg"])),
                        doc: "V4L2 pixel format, or jpeg (wifi-glasses)."),
            SchemaField("width", .integer(min: 160, max: 3840, multipleOf: 2), doc: "Frame width."),
            SchemaField("height", .integer(min: 120, max: 2160, multipleOf: 2), doc: "Frame height."),
            SchemaField("fps", .integer(min: 1, max: 240), doc: "Camera frame rate."),
            SchemaField("notes", .string(), doc: "Why this camera and interface."),
        ])), doc: "The camera."),
        SchemaField("mounting", .object(ObjectSchema(doc: "Camera placement (CameraModel).", [
            SchemaField("position", .string(StringRule(
                allowed: ["chest", "head", "shoulder-strap", "cane", "handheld"])), doc: "Where it is worn."),
            SchemaField("heightMeters", .number(min: 0.3, max: 2.2), doc: "Lens height above ground, m."),
            SchemaField("pitchDegrees", .number(min: -10, max: 60), doc: "Downward tilt, degrees."),
            SchemaField("horizontalFOVDegrees", .number(min: 30, max: 170), doc: "Horizontal field of view."),
        ])), doc: "Where the camera sits on the walker."),
        SchemaField("model", .object(ObjectSchema(doc: "Detector settings.", [
            SchemaField("inputSize", .integer(min: 128, max: 640, multipleOf: 32), doc: "Square input size."),
            SchemaField("precision", .string(StringRule(allowed: ["fp32", "int8"])), doc: "Arithmetic."),
            SchemaField("threads", .integer(min: 1, max: 256), doc: "Detector threads."),
            SchemaField("detectionFPS", .integer(min: 1, max: 60), doc: "Frames per second detected."),
        ])), doc: "Detector settings chosen to fit the frame budget."),
        SchemaField("latency", .object(ObjectSchema(doc: "Expected per-frame latency and its basis.", [
            SchemaField("referenceModel", .string(StringRule(allowed: ["nanodet_m"])),
                        doc: "ncnn benchmark graph the reference figure is for."),
            SchemaField("referenceInputSize", .integer(min: 128, max: 640, multipleOf: 32),
                        doc: "Reference input size."),
            SchemaField("referenceThreads", .integer(min: 1, max: 256), doc: "Threads of the reference run."),
            SchemaField("referenceGFLOPs", figureType, doc: "Reference model operations."),
            SchemaField("referenceMilliseconds", figureType, doc: "Reference per-frame time."),
            SchemaField("boardFactor", figureType, doc: "Reference board to this board."),
            SchemaField("precisionFactor", figureType, doc: "Chosen precision relative to fp32."),
            SchemaField("engineFactor", figureType, doc: "Our engine relative to ncnn."),
            SchemaField("modelGFLOPs", figureType, doc: "Our default model's operations."),
            SchemaField("expectedMilliseconds", figureType, doc: "The formula's result."),
            SchemaField("budgetUtilization", .number(min: 0.1, max: 1), doc: "Share of time the detector may use."),
        ])), doc: "Expected per-frame latency of the default model."),
        SchemaField("audio", .object(ObjectSchema(doc: "Audio output.", [
            SchemaField("alsaCard", .string(StringRule(pattern: "[A-Za-z0-9_]{1,31}")), doc: "ALSA card id."),
            SchemaField("alsaDevice", .integer(min: 0, max: 31), doc: "ALSA device number."),
            SchemaField("output", .string(StringRule(allowed: [
                "bone-conduction-wired", "bone-conduction-bluetooth", "open-ear-speaker", "earphone", "glasses-speaker",
            ])), doc: "Listening device."),
            SchemaField("speechEngine", .string(StringRule(allowed: ["espeak-ng"])), doc: "Speech engine."),
            SchemaField("voice", .string(StringRule(pattern: "[a-z]{2,3}(-[a-z0-9]{2,8})*(\\+[a-z0-9]+)?")),
                        doc: "espeak-ng voice."),
            SchemaField("wordsPerMinute", .integer(min: 80, max: 450), doc: "Speaking rate."),
            SchemaField("volumePercent", .integer(min: 0, max: 100), doc: "Software volume."),
            SchemaField("notes", .string(), doc: "Output device notes."),
        ])), doc: "Speech and sound output."),
        SchemaField("gpio", .object(ObjectSchema(doc: "Optional GPIO parts.", [
            SchemaField("button", lineType, required: false, doc: "Push button."),
            SchemaField("vibrationMotor", lineType, required: false, doc: "Vibration motor."),
            SchemaField("notes", .string(), required: false, doc: "Wiring notes."),
        ])), required: false, doc: "Optional push button and vibration motor."),
        SchemaField("thermal", .object(ObjectSchema(doc: "Heat limit.", [
            SchemaField("limitCelsius", .number(min: 40, max: 110), doc: "Throttle threshold, °C."),
            SchemaField("sensor", .string(StringRule(pattern: "/sys/[A-Za-z0-9._/-]+")), doc: "sysfs sensor."),
            SchemaField("throttled", .object(ObjectSchema(doc: "Settings while hot.", [
                SchemaField("detectionFPS", .integer(min: 1, max: 60), doc: "Detection rate while hot."),
                SchemaField("inputSize", .integer(min: 128, max: 640, multipleOf: 32), doc: "Input size while hot."),
            ])), doc: "Settings while hot."),
            SchemaField("notes", .string(), doc: "What happens and why."),
        ])), doc: "Thermal limit and throttled behaviour."),
        SchemaField("hardware", .object(ObjectSchema(doc: "Parts list.", [
            SchemaField("items", .array(of: .object(ObjectSchema(doc: "One part.", [
                SchemaField("part", .string(StringRule(allowed: [
                    "board", "camera", "audio", "power", "mount", "storage", "cooling", "input", "other",
                ])), doc: "Kind of part."),
                SchemaField("name", .string(StringRule(maxLength: 200)), doc: "What to buy."),
                SchemaField("approxPriceUSD", .number(min: 0, max: 5000), doc: "Approximate price, USD (estimated)."),
            ])), minItems: 1), doc: "The parts."),
            SchemaField("pricesBasis", .string(), doc: "Where the (estimated) prices come from."),
            SchemaField("notes", .string(), doc: "Comparison with the open glasses project."),
        ])), doc: "Parts to buy, with approximate prices."),
        SchemaField("accessPoint", .object(ObjectSchema(doc: "Wi-Fi access point for the open guidance glasses.", [
            SchemaField("interface", .string(StringRule(pattern: "wl[a-z0-9]{1,13}")), doc: "Wireless interface."),
            SchemaField("ssid", .string(StringRule(pattern: "[A-Za-z0-9._-]{1,32}")), doc: "Network name (the firmware's WIFI_SSID)."),
            SchemaField("passphrase", .string(StringRule(pattern: "[!-~]{8,63}")),
                        doc: "WPA2 passphrase, 8-63 printable characters without spaces (the firmware's WIFI_PASS)."),
            SchemaField("address", .string(StringRule(pattern: "[0-9]{1,3}(\\.[0-9]{1,3}){3}")),
                        doc: "The board's IPv4 address on the /24 (the firmware's SERVER_HOST and UDP_HOST)."),
            SchemaField("channel", .integer(min: 1, max: 13), doc: "2.4 GHz channel."),
            SchemaField("countryCode", .string(StringRule(pattern: "[A-Z]{2}")), doc: "Regulatory country."),
            SchemaField("imuPort", .integer(min: 1, max: 65535), doc: "UDP port of the IMU (the firmware's UDP_PORT)."),
        ])), required: false, doc: "The board's Wi-Fi access point for the open guidance glasses (camera.interface wifi-glasses only)."),
    ]))

    /// A number with how it is known.
    static let figureType: SchemaType = .object(ObjectSchema(doc: "A figure and how it is known.", [
        SchemaField("value", .number(min: 0, max: 1e6), doc: "The number."),
        SchemaField("kind", .string(StringRule(allowed: ["measured", "estimated"])), doc: "measured or estimated."),
        SchemaField("basis", .string(StringRule(minLength: 3)), doc: "Source, or formula/assumption."),
    ]))

    /// One GPIO line.
    static let lineType: SchemaType = .object(ObjectSchema(doc: "A GPIO line.", [
        SchemaField("chip", .string(StringRule(pattern: "gpiochip[0-9]{1,3}")), doc: "gpiochip name."),
        SchemaField("line", .integer(min: 0, max: 1023), doc: "Line offset."),
        SchemaField("activeLow", .boolean, doc: "Active when low."),
    ]))
}
