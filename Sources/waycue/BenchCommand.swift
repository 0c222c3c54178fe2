import ArgumentParser

/// `waycue bench`: reproducible speed figures for each hot path. Each layer adds a subcommand.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the speed of WayCue's hot paths (medians over repeated runs).",
        subcommands: [
            BenchImage.self,
            BenchDataset.self,
            BenchCuesCommand.self,
            CaptureBenchCommand.self,
            BenchEngineCommand.self,
            SynthBenchCommand.self,
            BenchTrainCommand.self,
            BenchDetectorCommand.self,
            PipelineBenchCommand.self,
            GlassesBenchCommand.self,
        ]
    )
}
