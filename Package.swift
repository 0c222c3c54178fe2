// swift-tools-version: 6.1
// WayCue: on-device street guidance for blind and low-vision walkers.
// Data flows one way: capture -> image -> NN engine -> detector -> cues -> sinks.
import PackageDescription

/// OpenBLAS is used on Linux; Apple platforms use Accelerate's BLAS instead.
let blasDependency: Target.Dependency = .target(
    name: "COpenBLAS", condition: .when(platforms: [.linux, .android, .windows, .openbsd]))

let package = Package(
    name: "WayCue",
    platforms: [.macOS(.v14), .iOS(.v17)],
    products: [
        .library(name: "WayCueImage", targets: ["WayCueImage"]),
        .library(name: "WayCueNN", targets: ["WayCueNN"]),
        .library(name: "WayCueDetector", targets: ["WayCueDetector"]),
        .library(name: "WayCueCapture", targets: ["WayCueCapture"]),
        .library(name: "WayCueCues", targets: ["WayCueCues"]),
        .library(name: "WayCueSynth", targets: ["WayCueSynth"]),
        .library(name: "WayCueTraining", targets: ["WayCueTraining"]),
        .library(name: "WayCueProfiles", targets: ["WayCueProfiles"]),
        .library(name: "WayCuePipeline", targets: ["WayCuePipeline"]),
        .library(name: "WayCueWalkDemo", targets: ["WayCueWalkDemo"]),
        .library(name: "WayCueServer", targets: ["WayCueServer"]),
        .library(name: "WayCueServerTesting", targets: ["WayCueServerTesting"]),
        .library(name: "WayCueGlasses", targets: ["WayCueGlasses"]),
        .library(name: "WayCueGlassesTesting", targets: ["WayCueGlassesTesting"]),
        .library(name: "WayCueONNX", targets: ["WayCueONNX"]),
        .library(name: "WayCueLabeling", targets: ["WayCueLabeling"]),
        .library(name: "WayCueLabelServer", targets: ["WayCueLabelServer"]),
        .executable(name: "waycue", targets: ["waycue"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // HTTP service only (WayCueServer); `traits: []` skips swift-configuration.
        .package(
            url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Tests only (already built for HummingbirdTesting): streaming reads of SSE.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // MARK: Native seams (system libraries and the smallest possible C shims)
        .systemLibrary(
            name: "COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CJPEG", pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg62-turbo-dev"]), .brew(["jpeg-turbo"])]),
        .systemLibrary(
            name: "CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),
        .systemLibrary(
            name: "CV4L2", pkgConfig: "libv4l2",
            providers: [.apt(["libv4l-dev"])]),
        .target(name: "CWayCueJPEG", dependencies: ["CJPEG"]),
        .target(name: "CWayCueV4L2", dependencies: ["CV4L2"]),
        .target(name: "CWayCueKernels"),
        .target(name: "CWayCueAllocCounter"),

        // MARK: Layers
        .target(name: "WayCueImage", dependencies: ["CWayCueJPEG", "CPNG"]),
        .target(name: "WayCueNN", dependencies: [blasDependency, "CWayCueKernels"]),
        .target(
            name: "WayCueDetector", dependencies: ["WayCueImage", "WayCueNN"],
            resources: [.copy("Resources/default.wcm"), .copy("Resources/MODEL_CARD.md")]),
        .target(
            name: "WayCueCapture",
            dependencies: [
                "WayCueImage",
                .target(name: "CWayCueV4L2", condition: .when(platforms: [.linux])),
            ]),
        .target(
            name: "WayCueCues", dependencies: ["WayCueImage", "WayCueDetector"],
            resources: [.process("Resources")]),
        .target(name: "WayCueSynth", dependencies: ["WayCueImage"]),
        .target(
            name: "WayCueTraining",
            dependencies: [
                "WayCueImage", "WayCueNN", "WayCueDetector", "WayCueSynth", blasDependency,
                .product(name: "Yams", package: "Yams"),
            ]),
        // Reviewing labels: the label store, review queues, prelabels and exports.
        .target(
            name: "WayCueLabeling",
            dependencies: ["WayCueImage", "WayCueDetector", "WayCueTraining"]),
        // The labelling page (`waycue label`): Hummingbird routes and the page's files.
        .target(
            name: "WayCueLabelServer",
            dependencies: [
                "WayCueLabeling", "WayCueImage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Page")]),
        .target(
            name: "WayCueProfiles",
            dependencies: ["WayCueImage", .product(name: "Yams", package: "Yams")]),
        .target(
            name: "WayCuePipeline",
            dependencies: ["WayCueImage", "WayCueCapture", "WayCueDetector", "WayCueCues", "WayCueProfiles"]),
        // Synthetic-walk adapters for the demo, the end-to-end test and `waycue run --input X.walk`.
        .target(
            name: "WayCueWalkDemo",
            dependencies: [
                "WayCuePipeline", "WayCueSynth", "WayCueImage", "WayCueCapture", "WayCueDetector", "WayCueCues",
            ]),
        .target(
            name: "WayCueServer",
            dependencies: [
                "WayCueImage", "WayCueDetector", "WayCueCues",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.copy("openapi.yaml")]),
        // The local backend of the open ESP32 guidance glasses' stock firmware (`waycue glasses`):
        // camera and microphone WebSockets, the /stream.wav speaker stream, UDP IMU, status page.
        .target(
            name: "WayCueGlasses",
            dependencies: [
                "WayCueImage", "WayCueCapture", "WayCueDetector", "WayCueCues", "WayCuePipeline",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]),
        // A firmware emulator written from the protocol spec (raw sockets), for tests and benchmarks.
        .target(name: "WayCueGlassesTesting", dependencies: ["WayCueCues", "WayCueCapture"]),
        // Test doubles of the detector for the server's tests and load test (not a model).
        .target(name: "WayCueServerTesting", dependencies: ["WayCueImage", "WayCueDetector"]),
        // Serves the colour-blob test double for scripts/load-test; never a model.
        .executableTarget(
            name: "waycue-test-server",
            dependencies: [
                "WayCueServer", "WayCueServerTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "WayCueONNX",
            dependencies: [
                "WayCueNN", "WayCueDetector", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),
        .executableTarget(
            name: "waycue",
            dependencies: [
                "WayCueImage", "WayCueNN", "WayCueDetector", "WayCueCapture", "WayCueCues",
                "WayCueSynth", "WayCueTraining", "WayCueProfiles", "CWayCueAllocCounter", "WayCuePipeline",
                "WayCueWalkDemo", "WayCueServer", "WayCueONNX", "WayCueLabeling", "WayCueLabelServer",
                "WayCueGlasses", "WayCueGlassesTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // MARK: Tests
        .testTarget(name: "WayCueImageTests", dependencies: ["WayCueImage"]),
        .testTarget(name: "WayCueNNTests", dependencies: ["WayCueNN"]),
        .testTarget(name: "WayCueDetectorTests", dependencies: ["WayCueDetector"]),
        .testTarget(name: "WayCueCaptureTests", dependencies: ["WayCueCapture"]),
        .testTarget(name: "WayCueCuesTests", dependencies: ["WayCueCues"]),
        .testTarget(name: "WayCueSynthTests", dependencies: ["WayCueSynth"]),
        .testTarget(
            name: "WayCueTrainingTests", dependencies: ["WayCueTraining"],
            exclude: ["Fixtures"]),  // read from the source tree by path (#filePath)
        .testTarget(name: "WayCueProfilesTests", dependencies: ["WayCueProfiles"]),
        .testTarget(
            name: "WayCueLabelingTests",
            dependencies: [
                "WayCueLabeling", "WayCueLabelServer", "WayCueTraining",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
        .testTarget(name: "WayCuePipelineTests", dependencies: ["WayCuePipeline", "WayCueProfiles"]),
        .testTarget(name: "WayCueWalkDemoTests", dependencies: ["WayCueWalkDemo"]),
        .testTarget(
            name: "WayCueServerTests",
            dependencies: [
                "WayCueServer", "WayCueServerTesting",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSTesting", package: "hummingbird-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]),
        .testTarget(
            name: "WayCueGlassesTests",
            dependencies: [
                "WayCueGlasses", "WayCueGlassesTesting", "WayCueWalkDemo", "WayCueSynth", "WayCuePipeline",
                "WayCueCues", "WayCueImage", "WayCueDetector", "WayCueCapture",
            ]),
        .testTarget(
            name: "WayCueONNXTests", dependencies: ["WayCueONNX", "WayCueNN", "WayCueDetector", "WayCueImage"],
            exclude: ["Fixtures"]),  // read from the source tree by path (#filePath)
    ],
    swiftLanguageModes: [.v6]
)
