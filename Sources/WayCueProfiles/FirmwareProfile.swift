import WayCueImage

/// Everything WayCue needs to know to run on one board: its CPU, camera, model settings, audio,
/// optional buttons, where the camera sits on the walker, heat limits, expected speed and the
/// parts to buy.
///
/// Profiles are YAML files in `firmware-profiles/`; ``ProfileLoader`` reads and validates them
/// against ``FirmwareProfile/schema`` and ``FirmwareProfile/ruleIssues()``.
public struct FirmwareProfile: Sendable, Hashable, Codable {
    /// The profile format version; 1 for now.
    public var schemaVersion: Int
    /// Short name, equal to the file name without `.yaml` (e.g. `pi4`).
    public var name: String
    /// One line saying what this build is.
    public var title: String
    /// The board.
    public var board: Board
    /// The processor.
    public var cpu: CPU
    /// Main memory in MiB.
    public var ramMB: Int
    /// The camera and how it is attached.
    public var camera: Camera
    /// Where the camera sits on the walker; maps to ``CameraModel``.
    public var mounting: Mounting
    /// Detector settings chosen to fit the frame budget.
    public var model: Model
    /// The expected per-frame detector latency and how it was estimated.
    public var latency: Latency
    /// Speech and sound output.
    public var audio: Audio
    /// Optional push button and vibration motor.
    public var gpio: GPIO?
    /// Heat limit and what the pipeline does when the board throttles.
    public var thermal: Thermal
    /// Parts to buy, with approximate prices.
    public var hardware: Hardware
    /// The Wi-Fi access point the board runs for the open ESP32 guidance glasses (camera
    /// interface `wifi-glasses` only; `nil` otherwise).
    public var accessPoint: AccessPoint?

    /// The board.
    public struct Board: Sendable, Hashable, Codable {
        /// Product name, e.g. `Raspberry Pi 4 Model B`.
        public var model: String
        /// System on chip, e.g. `Broadcom BCM2711`.
        public var soc: String
        /// Instruction set architecture of the operating system: `aarch64` or `x86_64`.
        public var arch: String
        /// The operating system the profile was written for.
        public var os: String
    }

    /// The processor.
    public struct CPU: Sendable, Hashable, Codable {
        /// Number of cores the operating system sees.
        public var cores: Int
        /// Core design, e.g. `Cortex-A72` or `4x Cortex-A76 + 4x Cortex-A55`.
        public var coreType: String
        /// Highest clock of the cores the detector runs on, in GHz.
        public var clockGHz: Double
        /// ISA level, e.g. `armv8.2-a` or `x86-64-v3`.
        public var isa: String
        /// SIMD and other features the kernels may use (`neon`, `dotprod`, `i8mm`, `avx2`, ...).
        public var features: [String]
        /// CPUs to pin the detector threads to (a `taskset` list such as `4-7`), if any.
        public var affinity: String?
    }

    /// The camera and how frames reach WayCue.
    public struct Camera: Sendable, Hashable, Codable {
        /// `usb-uvc` (a USB webcam, a plain V4L2 device), `csi-libcamera` (a ribbon-cable
        /// camera driven by libcamera and opened through its V4L2 compatibility layer) or
        /// `wifi-glasses` (the open ESP32 guidance glasses sending JPEG frames over Wi-Fi to
        /// `waycue glasses`).
        public var interface: String
        /// The device WayCue opens, e.g. `/dev/waycue-camera` (the udev symlink) or `/dev/video0`;
        /// for `wifi-glasses`, the WebSocket the glasses connect to, e.g.
        /// `ws://192.168.4.1:8081/ws/camera` (the firmware's `SERVER_HOST` and `SERVER_PORT`).
        public var device: String
        /// Pixel format requested from V4L2: `mjpeg`, `yuyv`, `nv12` or `rgb24`; `jpeg` for
        /// `wifi-glasses` (one JPEG per message).
        public var format: String
        /// Frame width in pixels.
        public var width: Int
        /// Frame height in pixels.
        public var height: Int
        /// Frames per second requested from the camera.
        public var fps: Int
        /// Why this camera and interface, and how to check it on the board.
        public var notes: String
    }

    /// Where the camera sits and where it looks.
    public struct Mounting: Sendable, Hashable, Codable {
        /// `chest`, `head`, `shoulder-strap`, `cane` or `handheld`.
        public var position: String
        /// Lens height above the ground in metres.
        public var heightMeters: Double
        /// Downward tilt below the horizon in degrees.
        public var pitchDegrees: Double
        /// Horizontal field of view of the lens at the configured resolution, in degrees.
        public var horizontalFOVDegrees: Double
    }

    /// Detector settings.
    public struct Model: Sendable, Hashable, Codable {
        /// Square network input size in pixels (a multiple of 32).
        public var inputSize: Int
        /// `fp32` or `int8`.
        public var precision: String
        /// Worker threads for the detector.
        public var threads: Int
        /// Frames per second sent to the detector (the rest are skipped).
        public var detectionFPS: Int
    }

    /// The expected per-frame latency of the default model and the figures it comes from.
    ///
    /// `expectedMilliseconds = referenceMilliseconds × boardFactor × precisionFactor ×
    /// engineFactor × (modelGFLOPs / referenceGFLOPs) × (model.inputSize / referenceInputSize)²`.
    public struct Latency: Sendable, Hashable, Codable {
        /// The ncnn benchmark graph the reference figure is for (e.g. `nanodet_m`).
        public var referenceModel: String
        /// The reference graph's input size (320 for ncnn's `nanodet_m`).
        public var referenceInputSize: Int
        /// Threads the reference figure was measured with.
        public var referenceThreads: Int
        /// The reference model's operations, in GFLOPs at `referenceInputSize`.
        public var referenceGFLOPs: Figure
        /// The reference per-frame time, in milliseconds.
        public var referenceMilliseconds: Figure
        /// Scale from the reference board to this one (1 when measured on this board).
        public var boardFactor: Figure
        /// Scale for the chosen precision relative to fp32.
        public var precisionFactor: Figure
        /// Our engine's time relative to ncnn's on the same machine.
        public var engineFactor: Figure
        /// Our default model's operations, in GFLOPs at `referenceInputSize`.
        public var modelGFLOPs: Figure
        /// The result of the formula, in milliseconds.
        public var expectedMilliseconds: Figure
        /// The share of each second the detector may use (the rest is capture, decoding,
        /// tracking, cues and speech).
        public var budgetUtilization: Double
    }

    /// A number together with how it is known.
    public struct Figure: Sendable, Hashable, Codable {
        /// The number.
        public var value: Double
        /// `measured` (somebody timed or counted it; the basis names who and where) or
        /// `estimated` (derived; the basis gives the formula or assumption).
        public var kind: String
        /// The source of a measured figure, or the formula or assumption behind an estimate.
        public var basis: String

        /// Creates a figure.
        public init(value: Double, kind: String, basis: String) {
            self.value = value
            self.kind = kind
            self.basis = basis
        }
    }

    /// Speech and sound output.
    public struct Audio: Sendable, Hashable, Codable {
        /// ALSA card id (`aplay -l` shows it in brackets), e.g. `Headphones` or `Device`.
        public var alsaCard: String
        /// ALSA device number on that card.
        public var alsaDevice: Int
        /// The listening device: `bone-conduction-wired`, `bone-conduction-bluetooth`,
        /// `open-ear-speaker`, `earphone`, or `glasses-speaker` (the open glasses' own speaker,
        /// fed by `waycue glasses` over `/stream.wav`; the ALSA card then stays unused).
        public var output: String
        /// The speech engine, run as a separate process; `espeak-ng`.
        public var speechEngine: String
        /// The espeak-ng voice, e.g. `en-us`.
        public var voice: String
        /// Speaking rate in words per minute.
        public var wordsPerMinute: Int
        /// Software volume in percent of full scale.
        public var volumePercent: Int
        /// Notes on the output device (bone conduction, Bluetooth delay, ...).
        public var notes: String
    }

    /// Optional GPIO parts.
    public struct GPIO: Sendable, Hashable, Codable {
        /// A push button (pause/repeat), if fitted.
        public var button: Line?
        /// A vibration motor driven through a transistor, if fitted.
        public var vibrationMotor: Line?
        /// Wiring notes.
        public var notes: String?

        /// One GPIO line on a character-device chip.
        public struct Line: Sendable, Hashable, Codable {
            /// The gpiochip, e.g. `gpiochip0` (`gpiodetect` lists them).
            public var chip: String
            /// The line offset on that chip (on a Raspberry Pi, the BCM number).
            public var line: Int
            /// Whether the signal is active when low (a button to ground with a pull-up).
            public var activeLow: Bool
        }
    }

    /// Heat limit and throttled behaviour.
    public struct Thermal: Sendable, Hashable, Codable {
        /// Temperature at which WayCue switches to its throttled settings, in °C.
        public var limitCelsius: Double
        /// The sysfs file giving the SoC temperature in millidegrees.
        public var sensor: String
        /// Settings used while the limit is exceeded.
        public var throttled: Throttled
        /// What the firmware does and why.
        public var notes: String

        /// Settings while hot.
        public struct Throttled: Sendable, Hashable, Codable {
            /// Detection frame rate while hot.
            public var detectionFPS: Int
            /// Network input size while hot.
            public var inputSize: Int
        }
    }

    /// The parts list.
    public struct Hardware: Sendable, Hashable, Codable {
        /// The parts.
        public var items: [Item]
        /// What the prices are: `estimated` with where they come from.
        public var pricesBasis: String
        /// How this build compares with the open glasses project.
        public var notes: String

        /// One part.
        public struct Item: Sendable, Hashable, Codable {
            /// `board`, `camera`, `audio`, `power`, `mount`, `storage`, `cooling`, `input` or
            /// `other`.
            public var part: String
            /// What to buy.
            public var name: String
            /// Approximate price in US dollars (estimated).
            public var approxPriceUSD: Double
        }
    }
}

extension FirmwareProfile {
    /// The board's Wi-Fi access point for the open guidance glasses: the network their firmware
    /// joins (`WIFI_SSID`, `WIFI_PASS`) and the board's address on it (`SERVER_HOST`,
    /// `UDP_HOST`).
    public struct AccessPoint: Sendable, Hashable, Codable {
        /// The wireless interface hostapd runs on, e.g. `wlan0`.
        public var interface: String
        /// The network name; must equal the firmware's `WIFI_SSID`.
        public var ssid: String
        /// The WPA2 passphrase (8 to 63 characters); must equal the firmware's `WIFI_PASS`.
        public var passphrase: String
        /// The board's IPv4 address on the access point (a /24), e.g. `192.168.4.1`.
        public var address: String
        /// The 2.4 GHz channel, 1 to 13 (the ESP32-S3 has no 5 GHz radio).
        public var channel: Int
        /// The regulatory country (ISO 3166 alpha-2), e.g. `CN` or `DE`.
        public var countryCode: String
        /// UDP port of the IMU datagrams (the firmware's `UDP_PORT`).
        public var imuPort: Int
    }

    /// Whether this profile is for the open guidance glasses (`waycue glasses`) rather than a
    /// camera on the board (`waycue run`).
    public var isGlasses: Bool { camera.interface == "wifi-glasses" }

    /// For `wifi-glasses`: the host and port of `camera.device` (`ws://HOST:PORT/ws/camera`).
    public var glassesEndpoint: (host: String, port: Int)? {
        guard isGlasses, camera.device.hasPrefix("ws://") else { return nil }
        let rest = camera.device.dropFirst("ws://".count)
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let hostPort = rest[..<slash].split(separator: ":")
        guard hostPort.count == 2, let port = Int(hostPort[1]) else { return nil }
        return (String(hostPort[0]), port)
    }

    /// The camera geometry for the cue layer and the synthetic renderer.
    public var cameraModel: CameraModel {
        CameraModel(imageWidth: camera.width, imageHeight: camera.height,
                    horizontalFOVDegrees: mounting.horizontalFOVDegrees,
                    height: mounting.heightMeters, pitchDegrees: mounting.pitchDegrees)
    }

    /// The sum of the approximate part prices in US dollars (estimated).
    public var approxTotalPriceUSD: Double {
        hardware.items.reduce(0) { $0 + $1.approxPriceUSD }
    }

    /// The ALSA device string, e.g. `hw:CARD=Headphones,DEV=0`.
    public var alsaHardwareDevice: String {
        "hw:CARD=\(audio.alsaCard),DEV=\(audio.alsaDevice)"
    }
}
