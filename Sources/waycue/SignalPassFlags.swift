import ArgumentParser
import Foundation
import WayCueDetector

/// The signal pass flags of `waycue detect` and `waycue eval`: whether to run the detector's
/// high-resolution signal pass, how, and through which model.
struct SignalPassFlags: ParsableArguments {
    @Flag(name: .long, inversion: .prefixedNo, help: "Add the high-resolution signal pass (native-resolution tiles of the band where signal heads stand, signal classes only) to the full-frame pass; --no-signal-pass for the full-frame pass alone. Default: the model's own setting (the bundled model: as its model card says; other models: off).")
    var signalPass: Bool?

    @Option(name: .customLong("signal-scale"), help: "Signal pass: resampling of the band before tiling (1 = native resolution, 2 = upsampled twice).")
    var signalScale: Float = SignalPassOptions().scale

    @Option(name: .customLong("signal-max-tiles"), help: "Signal pass: most tiles per image.")
    var signalMaxTiles: Int = SignalPassOptions().maxTiles

    @Option(name: .customLong("signal-band"), help: "Signal pass: the band TOP,BOTTOM as fractions of the image height.")
    var signalBand: String = "\(SignalPassOptions().bandTop),\(SignalPassOptions().bandBottom)"

    @Option(name: .customLong("signal-model"), help: "A .wcm the signal pass's tiles run through instead of the main model.")
    var signalModel: String?

    /// The signal pass settings the flags describe.
    func options() throws -> SignalPassOptions {
        let b = signalBand.split(separator: ",").compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard b.count == 2 else { throw ValidationError("--signal-band must be TOP,BOTTOM, got \(signalBand)") }
        let o = SignalPassOptions(bandTop: b[0], bandBottom: b[1], scale: signalScale, maxTiles: signalMaxTiles)
        do { try o.validate() } catch { throw ValidationError("\(error)") }
        return o
    }

    /// Sets `detector`'s signal pass as the flags say (left as it is without `--signal-pass` or
    /// `--no-signal-pass`) and loads `--signal-model`; exit status 2 when that model fails to load.
    func apply(to detector: Detector, threads: Int) throws {
        if let signalPass { detector.signalPass = signalPass ? try options() : nil }
        if let signalModel {
            do { detector.signalModel = try Detector(modelPath: signalModel, threads: threads) } catch {
                FileHandle.standardError.write(Data("error: --signal-model: \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
    }
}
