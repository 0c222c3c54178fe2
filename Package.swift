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
        .library(name: "WayCueONNX", targets: ["WayCueONNX"]),
        .executable(name: "waycue", targets: ["waycue"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
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
        .target(name: "WayCueDetector", dependencies: ["WayCueImage", "WayCueNN"]),
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
                "WayCueImage", "WayCueNN", "WayCueDetector", blasDependency,
                .product(name: "Yams", package: "Yams"),
            ]),
        .target(
            name: "WayCueProfiles",
            dependencies: ["WayCueImage", .product(name: "Yams", package: "Yams")]),
        .target(
            name: "WayCueONNX",
            dependencies: [
                "WayCueNN", "WayCueDetector", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),
        .executableTarget(
            name: "waycue",
            dependencies: [
                "WayCueImage", "WayCueNN", "WayCueDetector", "WayCueCapture", "WayCueCues",
                "WayCueSynth", "WayCueTraining", "WayCueProfiles", "WayCueONNX", "CWayCueAllocCounter",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
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
            name: "WayCueONNXTests", dependencies: ["WayCueONNX", "WayCueNN"],
            exclude: ["Fixtures"]),  // read from the source tree by path (#filePath)
    ],
    swiftLanguageModes: [.v6]
)
