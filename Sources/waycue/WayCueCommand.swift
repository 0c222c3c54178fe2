import ArgumentParser

/// The `waycue` command-line tool: one roof for the demo, the walking pipeline, training,
/// evaluation, datasets, synthetic scenes, devices, benchmarks and the HTTP service.
@main
struct WayCueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "waycue",
        abstract: "On-device street guidance for blind and low-vision walkers.",
        discussion: """
            WayCue turns a cheap camera into short audio cues: tactile paving, crossings, \
            pedestrian lights and obstacles, all computed on the device.

            Examples:
              waycue --version
              waycue bench image
            """,
        version: WayCueVersion.string,
        subcommands: [
            BenchCommand.self,
            GlassesCommand.self,
            ProfileCommand.self,
            DatasetCommand.self,
            EvalCommand.self,
            CuesCommand.self,
            DevicesCommand.self,
            RecordCommand.self,
            SynthCommand.self,
            TrainCommand.self,
            TrainMaskCommand.self,
            ExportCommand.self,
            QuantizeCommand.self,
            DetectCommand.self,
            DemoCommand.self,
            RunCommand.self,
            ServeCommand.self,
            ImportCommand.self,
            LabelCommand.self,
        ]
    )

    /// Picks OpenBLAS's best kernels for this CPU (see ``reexecWithBetterBLASCore()``), then
    /// parses and runs the subcommand.
    static func main() async {
        reexecWithBetterBLASCore()
        await main(nil)
    }
}

/// The version printed by `waycue --version`.
enum WayCueVersion {
    static let string = "0.1.0"
}
