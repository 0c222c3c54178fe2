import ArgumentParser
import Foundation
import WayCueDetector
import WayCueImage

/// `waycue detect`: runs the detector on image files.
struct DetectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Detect tactile paving, crossings, lights and obstacles in images.",
        discussion: """
            With --json, prints one line per image: a JSON list of \
            {"class": "ped_green", "score": 0.93, "box": [x1, y1, x2, y2]} in the image's pixels. \
            Without --model the bundled default model is used (exit 1 when a build lacks it).

            Exit status: 0 on success, 1 when no model is available, 2 on bad input.

            Examples:
              waycue detect photo.jpg --json --model default.wcm
              waycue detect a.jpg b.jpg --model m.wcm --annotate out.png --score 0.3
              waycue detect street.jpg --signal-pass --json   # add the signal pass

            The signal pass (default: the model's own setting; off for the bundled model, whose \
            card shows it does not help yet) looks again at the top 60% of the image in model-input tiles at native \
            resolution (at most 6) and keeps signal classes from them: 5-20 px traffic lights \
            that the letterboxed full frame shrinks below what the model can see.
            """
    )

    @Argument(help: "Image files (JPEG or PNG).")
    var images: [String]

    @Option(name: .long, help: ".wcm model (default: the bundled model).")
    var model: String?

    @Flag(name: .long, help: "Print JSON lines (one list per image).")
    var json = false

    @Option(name: .long, help: "Write the (last) image with its boxes drawn to this PNG; with several images, IMAGE-NAME is appended.")
    var annotate: String?

    @Option(name: .long, help: "Score threshold.")
    var score: Float = 0.35

    @Option(name: .long, help: "NMS IoU threshold.")
    var iou: Float = 0.6

    @Option(name: .long, help: "Threads.")
    var threads: Int = 2

    @OptionGroup var signal: SignalPassFlags

    func run() async throws {
        let detector: Detector
        do {
            detector = try model.map { try Detector(modelPath: $0, threads: threads) } ?? Detector.default(threads: threads)
        } catch DetectorError.noDefaultModel {
            FileHandle.standardError.write(Data("error: \(DetectorError.noDefaultModel)\n".utf8))
            throw ExitCode(1)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        detector.scoreThreshold = score
        detector.nms.iouThreshold = iou
        try signal.apply(to: detector, threads: threads)
        var failed = false
        for path in images {
            let image: Image
            do { image = try Image(contentsOfFile: path, as: .rgb8) } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                if json { print("[]") }
                failed = true
                continue
            }
            let dets = try detector.detect(image)
            if json {
                let enc = JSONEncoder()
                enc.outputFormatting = [.sortedKeys]
                print(String(decoding: try enc.encode(dets), as: UTF8.self))
            } else {
                print("\(path): \(dets.count) objects")
                for d in dets {
                    print(String(format: "  %@ %.2f [%.0f, %.0f, %.0f, %.0f]", d.objectClass.rawValue, d.score, d.box.x1, d.box.y1, d.box.x2, d.box.y2))
                }
            }
            if let annotate {
                var img = image
                for d in dets {
                    img.drawLabeledBox(d.box, label: "\(d.objectClass.rawValue) \(String(format: "%.2f", d.score))", color: .orange,
                                       thickness: max(2, img.width / 200), textScale: max(1, img.width / 400))
                }
                let outPath = images.count == 1 ? annotate
                    : ((annotate as NSString).deletingPathExtension + "-" + ((path as NSString).lastPathComponent as NSString).deletingPathExtension + ".png")
                try img.write(to: outPath)
            }
        }
        if failed { throw ExitCode(2) }
    }
}
