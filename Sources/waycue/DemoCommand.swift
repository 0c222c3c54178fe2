import ArgumentParser
import Foundation
import WayCueCues
import WayCueDetector
import WayCuePipeline
import WayCueSynth
import WayCueWalkDemo

/// `waycue demo [--out DIR]`: the README's first command.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole pipeline on the shipped demo walk and write its cues, audio and contact sheet.",
        discussion: """
            Renders the demo walk (datasets/walks/demo.walk, built into the binary) at 320x240 and \
            10 fps, runs it through the walking pipeline (letterbox, detector, cue engine) and prints \
            each cue as it happens. Detections come from the bundled default model (int8, \
            Detector.default), or with --detector truth from the walk's ground truth (the renderer's \
            exact labels), which tests the cue layer alone.
            Writes DIR/cues.jsonl (one cue per line), DIR/cues.wav (the cue track; speech needs \
            espeak-ng), DIR/contact-sheet.png (frames at cue moments with detections and the cue) and \
            DIR/summary.json (detector, checks against the walk's ground truth, latencies).
            Examples:
              waycue demo
              waycue demo --out /tmp/demo --language zh
              waycue demo --walk datasets/walks/paving-branch-grey.walk --strict   # another walk, same checks
            The checks compare the cues with the walk's ground truth. With --detector truth a failed \
            check is a bug in the cue layer (exit 1); with the model it is also what the model misses, \
            which is printed and recorded in summary.json but exits 0 unless --strict is given.
            Exit status: 0 when the demo ran (and, with --detector truth or --strict, every check \
            held), 1 when such a check failed, 65 for an invalid --walk file, 66 when it cannot be \
            read, 69 when --detector model finds no model, 73 when the output folder cannot be written.
            """)

    @Option(name: .long, help: "Output folder.")
    var out = "waycue-demo"

    @Option(name: .long, help: "Run this .walk file instead of the built-in demo walk (same checks and outputs).")
    var walk: String?

    @Option(name: .long, help: "Cue language: en or zh.")
    var language = "en"

    @Option(name: .long, help: "Drop each ground-truth label with this probability (0...0.9), seeded.")
    var dropout = 0.0

    @Option(name: .long, help: "Detector: model (the bundled default model, or --model) or truth (the walk's exact labels).")
    var detector: RunDetectorKind = .model

    @Flag(name: .customLong("truth-masks"), help: "With --detector truth, also give the renderer's exact paving and crosswalk masks (as a mask-head model would).")
    var truthMasks = false

    @Option(name: .long, help: "Model file for --detector model (default: the bundled model).")
    var model: String?

    @Flag(name: .long, help: "Play the walk at its real pace (about 37 s) instead of as fast as it renders.")
    var realtime = false

    @Flag(name: .long, help: "Print the cues as JSON lines instead of text.")
    var json = false

    @Flag(name: .long, help: "Exit 1 when a check fails, whichever the detector.")
    var strict = false

    func validate() throws {
        guard ["en", "zh"].contains(language) else { throw ValidationError("--language must be en or zh, got '\(language)'") }
        guard detector != .none else { throw ValidationError("--detector must be truth or model") }
        if model != nil && detector != .model { throw ValidationError("--model needs --detector model") }
        if truthMasks && detector != .truth { throw ValidationError("--truth-masks needs --detector truth") }
        guard (0...0.9).contains(dropout) else { throw ValidationError("--dropout must be 0...0.9, got \(dropout)") }
    }

    func run() throws {
        let script: WalkScript
        var walkName = "demo.walk"
        if let walk {
            walkName = (walk as NSString).lastPathComponent
            do { script = try WalkScript(contentsOfFile: walk) } catch {
                FileHandle.standardError.write(Data("waycue demo: \(error)\n".utf8))
                throw ExitCode(FileManager.default.isReadableFile(atPath: walk) ? 65 : 66)
            }
        } else {
            script = try DemoWalk.script()
        }
        let dir = URL(fileURLWithPath: out)
        let json = self.json
        var custom: (any ObjectDetecting)?
        if detector == .model {
            do { custom = try makeDetector(modelPath: model, threads: 1) } catch {
                FileHandle.standardError.write(Data("waycue demo: \(error)\n".utf8))
                throw ExitCode(69)
            }
        }
        let notice = "waycue demo: " + (custom.map { "detector \($0.modelID)" } ?? WalkRun.groundTruthNotice)
        if json { FileHandle.standardError.write(Data((notice + "\n").utf8)) } else { emit(notice) }
        if !json { emit("Cue timeline of \(walkName) (seconds into the walk):") }
        var options = WalkRunOptions()
        options.language = language
        options.noise.dropout = dropout
        options.truthMasks = truthMasks
        options.mode = realtime ? .live : .everyFrame
        let result: WalkRunResult
        do {
            result = try WalkRun.run(script: script, name: walkName, options: options, outputDirectory: dir, detector: custom) { moment in
                let cue = moment.cue
                if json { emit(JSONLinesCueSink.line(for: cue)) } else if cue.kind != .tone {
                    emit(String(format: "%6.1f s  %-9@ %@", cue.timestamp, cue.kind.rawValue as NSString, cue.text as NSString))
                }
            }
        } catch {
            FileHandle.standardError.write(Data("waycue demo: \(error)\n".utf8))
            throw ExitCode(73)
        }
        func say(_ s: String) {
            if json { FileHandle.standardError.write(Data((s + "\n").utf8)) } else { emit(s) }
        }
        say("")
        say("Checks against the walk's ground truth:")
        for c in result.checks { say("  [\(c.passed ? "ok" : "FAILED")] \(c.name): \(c.detail)") }
        say("")
        say(result.report.stats.table())
        say("")
        say("Detector: \(result.detector)")
        if let f = result.files {
            say("Outputs in \(dir.standardizedFileURL.path)/:")
            say("  \(f.cuesJSONL.lastPathComponent)       the cues, one JSON object per line")
            say("  \(f.cuesWAV.lastPathComponent)         the cue track (stereo WAV)")
            say("  \(f.contactSheet.lastPathComponent)  frames at cue moments with detections")
            say("  \(f.summary.lastPathComponent)      detector, checks and latencies")
        }
        let failed = result.checks.filter { !$0.passed }
        if !failed.isEmpty {
            if custom == nil || strict { throw ExitCode(1) }
            say("")
            say("\(failed.count) of \(result.checks.count) checks failed with the model: these are what it misses on this " +
                "synthetic walk (its accuracy per class is in its model card). `waycue demo --detector truth` " +
                "checks the cue layer alone.")
        }
    }
}

/// Writes a line to standard output at once (no buffering), so a timeline piped to another
/// program appears as it happens.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
