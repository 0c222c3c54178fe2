import ArgumentParser
import Foundation
import Logging
import WayCueDetector
import WayCueLabelServer
import WayCueLabeling

/// `waycue label`: the local review page for a folder of frames.
struct LabelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract: "Review and correct the labels of a folder of frames in a local web page.",
        discussion: """
            Serves a page (no network needed, nothing from a CDN) to review frames and their \
            YOLO labels: draw, move, resize, delete boxes and change their class, keyboard first \
            (arrows: next/previous, Enter: accept, 0-9 and Shift+0-4: class, Delete, Ctrl+Z), \
            mouse and touch second. Queues: unreviewed, least certain first (after `waycue \
            dataset prelabel`), model and labels disagree, unreadable lines, per class.

            Every change is saved at once and atomically as YOLO txt in LABELS (what `waycue \
            train` reads: a recipe entry with `path: DIR` and `labels: LABELS`), with \
            classes.txt and a sidecar per frame in LABELS/.waycue (review state, model scores). \
            Two tabs on one folder never overwrite each other silently. The page also runs \
            `waycue dataset check` on the folder and exports to YOLO, COCO JSON and Pascal VOC \
            (LABELS/export/<format>).

            LABELS defaults to the `labels` folder beside a frames folder named `images`, else \
            to DIR itself (labels beside the frames).

            Exit status: 0 after Ctrl+C, 2 for a folder without frames or labels in another \
            taxonomy, 1 when the server fails.

            Examples:
              waycue dataset frames walk-frames/ --out street/images
              waycue dataset prelabel street/images
              waycue label street/images            # open http://127.0.0.1:8090/
            """
    )

    @Argument(help: "Folder of frames (JPEG or PNG).")
    var dir: String

    @Option(help: "Labels folder (default: see above).")
    var labels: String?

    @Option(help: "TCP port (0 picks a free one).")
    var port = 8090

    @Option(help: "Address to bind; keep 127.0.0.1 unless the network is trusted (the page has no login).")
    var host = "127.0.0.1"

    @Flag(name: .customLong("no-check"), help: "Do not run the dataset check when the page starts.")
    var noCheck = false

    func run() async throws {
        let start = Date()
        let store: LabelStore
        do { store = try LabelStore(frames: dir, labels: labels) } catch {
            FileHandle.standardError.write(Data("waycue label: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let opened = Date().timeIntervalSince(start)
        let logger = Logger(label: "waycue.label")
        let server = LabelServer(store: store, host: host, port: port, logger: logger)
        if !noCheck { server.checks.start() }
        let p = store.progress()
        let app = server.makeApplication { port in
            FileHandle.standardOutput.write(Data("""
                \(p.frames) frames (\(p.reviewed) reviewed, \(p.boxes) boxes) opened in \(String(format: "%.2f", opened)) s
                labels: \(store.labelsFolder)\(store.writeProblem.map { "\n  warning: \($0); nothing can be saved" } ?? "")
                open http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(port)/   (Ctrl+C to stop)

                """.utf8))
        }
        do { try await app.runService() } catch {
            FileHandle.standardError.write(Data("waycue label: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// `waycue dataset prelabel`.
struct DatasetPrelabelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prelabel",
        abstract: "Propose labels for a folder of frames with a model, to review with `waycue label`.",
        discussion: """
            Runs the model (the bundled one, or any .wcm) over every frame and writes YOLO \
            labels in the canonical taxonomy for boxes scoring at least --score; every proposal \
            down to --floor is kept with its score in a sidecar (LABELS/.waycue/<frame>.json), so \
            that review can start from the least certain frames. Existing label files are never \
            replaced unless --overwrite is given, and then only those no person reviewed; their \
            proposals feed the page's "model and labels disagree" queue instead.

            Exit status: 0 when done (unreadable frames are listed, not fatal), 2 for bad input.

            Examples:
              waycue dataset prelabel street/images
              waycue dataset prelabel frames/ --out frames-labels --model runs/street-int8.wcm --score 0.3
            """
    )

    @Argument(help: "Folder of frames (JPEG or PNG).")
    var dir: String

    @Option(help: "Labels folder (default: `labels` beside a folder named `images`, else DIR).")
    var out: String?

    @Option(help: "Model file (.wcm, including imported ones); default: the bundled model.")
    var model: String?

    @Option(help: "Proposals at or above this score become labels.")
    var score = 0.4

    @Option(help: "Lowest score kept as a proposal in the sidecar.")
    var floor = 0.15

    @Flag(help: "Replace label files that no person has reviewed.")
    var overwrite = false

    @Option(help: "Inference threads.")
    var threads = 1

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard (0.0...1.0).contains(score), score > 0 else { throw ValidationError("--score must be in (0, 1]") }
        guard (0.0...1.0).contains(floor) else { throw ValidationError("--floor must be in [0, 1]") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        let store: LabelStore
        let detector: Detector
        do {
            store = try LabelStore(frames: dir, labels: out)
            if let p = store.writeProblem { throw LabelStoreError.notWritable(store.labelsFolder, p) }
            detector = try model.map { try Detector(modelPath: $0, threads: threads) } ?? Detector.default(threads: threads)
        } catch {
            FileHandle.standardError.write(Data("waycue dataset prelabel: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let pre = Prelabeler(score: score, floor: floor, overwrite: overwrite)
        detector.scoreThreshold = Float(pre.floor)
        let bar = ProgressBar(total: store.frames.count, label: "prelabel")
        let s = try pre.run(store: store, modelName: model ?? "bundled default.wcm", detect: { try detector.detect($0) },
                            progress: { d, _ in bar.update(d) })
        bar.finish()
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            print(String(decoding: try enc.encode(s), as: UTF8.self))
        } else {
            print("\(s.frames) frames: \(s.written) label files written (\(s.boxes) boxes at score >= \(score)), \(s.keptExisting) existing kept, \(s.proposals) proposals stored; \(String(format: "%.1f", s.seconds)) s")
            print("labels: \(store.labelsFolder)   review: waycue label \(dir)\(out.map { " --labels \($0)" } ?? "")")
            if !s.unreadable.isEmpty {
                print("\(s.unreadable.count) frames could not be read:")
                for u in s.unreadable.prefix(10) { print("  \(u)") }
            }
        }
    }
}
