import ArgumentParser
import Foundation
import WayCueTraining

/// `waycue dataset`: check datasets and prepare footage for labelling.
struct DatasetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Check labelled datasets and turn footage into frames to label.",
        subcommands: [DatasetCheckCommand.self, DatasetFramesCommand.self, DatasetDistantCommand.self, DatasetLampBoxesCommand.self, DatasetPrelabelCommand.self]
    )
}

/// Shared dataset-locating options.
struct DatasetInputOptions: ParsableArguments {
    @Option(name: .long, help: "Class mapping YAML (dataset names -> canonical classes). Default: datasets/mappings/<folder name>.yaml under the current folder when it exists, else names as they are.")
    var mapping: String?

    @Option(name: .long, help: "Dataset format: yolo, voc or coco (default: detected).")
    var format: String?

    /// Loads the dataset at `path` (a dataset folder, a data.yaml, a COCO JSON or a recipe).
    func load(_ path: String) throws -> (LabeledDataset, String?) {
        if ["yaml", "yml"].contains(URL(fileURLWithPath: path).pathExtension.lowercased()),
           let text = try? String(contentsOfFile: path, encoding: .utf8),
           text.split(whereSeparator: \.isNewline).contains(where: { $0.hasPrefix("datasets:") }) {
            let recipe = try Recipe.load(path: path)
            return (try recipe.loadDataset(), nil)
        }
        var fmt: Recipe.Format?
        if let format {
            guard let f = Recipe.Format(rawValue: format.lowercased()) else {
                throw ValidationError("unknown --format '\(format)' (yolo, voc or coco)")
            }
            fmt = f
        }
        let mappingPath = mapping ?? KnownMappings.path(forDataset: path)
        let m = try mappingPath.map { try ClassMapping.load(path: $0) } ?? .identity
        return (try DatasetLoader.load(path: path, format: fmt, mapping: m), mappingPath)
    }
}

/// Finds a committed mapping for a dataset folder by its name.
enum KnownMappings {
    static func path(forDataset dataset: String) -> String? {
        var name = URL(fileURLWithPath: dataset).standardizedFileURL.lastPathComponent
        if name == "data.yaml" { name = URL(fileURLWithPath: dataset).deletingLastPathComponent().standardizedFileURL.lastPathComponent }
        let p = "datasets/mappings/\(name).yaml"
        return FileManager.default.fileExists(atPath: p) ? p : nil
    }
}

/// `waycue dataset check DIR`.
struct DatasetCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Report missing/unreadable images, bad boxes, unknown classes, duplicates, class counts and box sizes.",
        discussion: """
            DIR is a YOLO folder (data.yaml, or Darknet split folders), a Pascal VOC folder or a \
            COCO export. Every image is decoded once to find unreadable files and to compute an \
            8x8 difference hash; images within --hamming bits of each other are near-duplicates, \
            and groups spanning splits (leaks) are listed first.

            Exit status: 0 when no errors were found, 1 when there are errors (bad labels, \
            missing or unreadable images, empty, out-of-range or unknown-class boxes), 2 on bad usage. \
            Duplicates are reported but are not errors.

            Examples:
              waycue dataset check ../shared/datasets/pedestrian-lights-crosswalks
              waycue dataset check ../shared/datasets/tactile-tiles --mapping datasets/mappings/tactile-tiles.yaml --json
              waycue dataset check my-voc-set --format voc --jobs 4 --hamming 4
              waycue dataset check datasets/recipes/default.yaml
            """
    )

    @Argument(help: "The dataset folder (or its data.yaml, a COCO JSON file, or a recipe YAML).")
    var dir: String

    @OptionGroup var input: DatasetInputOptions

    @Option(name: .long, help: "Near-duplicate threshold: Hamming distance between 64-bit dHashes.")
    var hamming: Int = 6

    @Option(name: .long, help: "Threads decoding images (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .long, help: "Duplicate groups to list.")
    var maxGroups: Int = 50

    @Option(name: .long, help: "Write <PREFIX><split>-clean.txt for each non-train split: the file names of its images with no near-duplicate in train (usable as a recipe keep_only list).")
    var cleanLists: String?

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard (0...64).contains(hamming) else { throw ValidationError("--hamming must be between 0 and 64") }
    }

    func run() async throws {
        let (dataset, mappingPath) = try loadOrExit { try input.load(dir) }
        var options = DatasetCheckOptions()
        options.hammingThreshold = hamming
        options.jobs = jobs
        options.maxGroups = maxGroups
        let bar = ProgressBar(total: dataset.samples.count, label: "checking")
        let report = DatasetChecker(options: options).check(dataset, name: dir) { done, _ in bar.update(done) }
        bar.finish()
        if let cleanLists {
            for (split, paths) in report.duplicates.cleanEvalImages {
                let names = paths.map { URL(fileURLWithPath: $0).lastPathComponent }.sorted()
                try (names.joined(separator: "\n") + "\n").write(toFile: "\(cleanLists)\(split)-clean.txt", atomically: true, encoding: .utf8)
            }
        }
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            print(String(decoding: try enc.encode(report), as: UTF8.self))
        } else {
            print(Self.text(report, mapping: mappingPath))
        }
        if report.hasErrors { throw ExitCode(1) }
    }

    static func text(_ r: DatasetCheckReport, mapping: String?) -> String {
        var out: [String] = []
        out.append("dataset \(r.dataset)" + (mapping.map { " (mapping \($0))" } ?? ""))
        let splits = r.images.keys.sorted()
        out.append("images: " + splits.map { "\($0) \(r.images[$0]!)" }.joined(separator: ", ")
                   + "; \(r.imagesWithoutBoxes) without boxes; sizes " + r.imageSizes.sorted { $0.value > $1.value }.prefix(4).map { "\($0.key) x\($0.value)" }.joined(separator: ", "))
        out.append("boxes: \(r.boxes) (\(r.polygonBoxes) from polygons)")
        for s in splits {
            let c = r.classCounts[s] ?? [:]
            out.append("  \(s): " + c.keys.sorted().map { "\($0) \(c[$0]!)" }.joined(separator: ", "))
        }
        out.append("box sizes (COCO area): small \(r.boxSizes.coco["small"] ?? 0), medium \(r.boxSizes.coco["medium"] ?? 0), large \(r.boxSizes.coco["large"] ?? 0)")
        let sideOrder = ["<8", "8-16", "16-32", "32-64", "64-128", "128-256", "256-512", ">=512"]
        out.append("box side px: " + sideOrder.map { "\($0): \(r.boxSizes.side[$0] ?? 0)" }.joined(separator: "  "))
        for (name, list) in [("label problems", r.labelProblems), ("missing images", r.missingImages),
                             ("unreadable images", r.unreadableImages), ("empty boxes", r.emptyBoxes),
                             ("out-of-range boxes", r.outOfRangeBoxes), ("unknown-class boxes", r.unknownClassBoxes)] {
            out.append("\(name): \(list.count)")
            for e in list.examples.prefix(5) { out.append("  \(e.file)\(e.line.map { ":\($0)" } ?? ""): \(e.reason)") }
        }
        let d = r.duplicates
        out.append("exact duplicates: \(d.exactGroups) groups (\(d.exactGroupsSpanningSplits) spanning splits)")
        out.append("near-duplicates (dHash <= \(d.hammingThreshold)): \(d.nearGroups) groups, \(d.nearGroupsSpanningSplits) spanning splits, \(d.imagesInNearGroups) images")
        for (s, n) in d.evalImagesLeakingFromTrain.sorted(by: { $0.key < $1.key }) {
            out.append("  \(s): \(n) of \(r.images[s] ?? 0) images have a near-duplicate in train")
        }
        for g in d.groups.prefix(5) {
            out.append("  [\(g.splits.joined(separator: ","))] " + g.images.prefix(4).map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: " ") + (g.images.count > 4 ? " ..." : ""))
        }
        out.append(String(format: "checked in %.2f s with %d threads", r.seconds, r.jobs))
        return out.joined(separator: "\n")
    }
}

/// Runs a loader, turning ``DatasetError`` into a message on stderr and exit status 2.
func loadOrExit<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as DatasetError {
        FileHandle.standardError.write(Data("error: \(e)\n".utf8))
        throw ExitCode(2)
    }
}

/// `waycue dataset frames`.
struct DatasetFramesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frames",
        abstract: "Turn a folder of video frames into deduplicated frames to label.",
        discussion: """
            Reads the JPEG/PNG frames of INPUT in file-name order, keeps a frame only when its \
            8x8 difference hash is more than --hamming bits away from every frame kept so far, \
            and copies the kept files (bytes unchanged) into --out. MJPEG and Y4M streams are \
            not read yet: extract frames first (e.g. ffmpeg -i clip.mp4 frames/%06d.jpg).

            Examples:
              waycue dataset frames walk-frames/ --out to-label/
              waycue dataset frames walk-frames/ --out to-label/ --every 5 --hamming 10 --json
            """
    )

    @Argument(help: "Folder of frames (JPEG or PNG).")
    var input: String

    @Option(name: .long, help: "Output folder for the kept frames (created).")
    var out: String

    @Option(name: .long, help: "Consider only every N-th frame.")
    var every: Int = 1

    @Option(name: .long, help: "Frames within this many dHash bits of a kept frame are dropped.")
    var hamming: Int = 6

    @Option(name: .long, help: "Decoding threads.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard every >= 1 else { throw ValidationError("--every must be at least 1") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard (0...64).contains(hamming) else { throw ValidationError("--hamming must be between 0 and 64") }
    }

    func run() async throws {
        let start = Date()
        let probe = try? FileManager.default.contentsOfDirectory(atPath: input)
        let bar = ProgressBar(total: (probe?.count ?? 0) / every, label: "frames")
        let sel = try loadOrExit {
            try FrameDeduplicator.selectFrames(inFolder: input, every: every, threshold: hamming, jobs: jobs) { d, _ in bar.update(d) }
        }
        bar.finish()
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for p in sel.kept {
            let dest = (out as NSString).appendingPathComponent((p as NSString).lastPathComponent)
            if FileManager.default.fileExists(atPath: dest) { try FileManager.default.removeItem(atPath: dest) }
            try FileManager.default.copyItem(atPath: p, toPath: dest)
        }
        let secs = Date().timeIntervalSince(start)
        if json {
            let obj: [String: Any] = ["considered": sel.considered, "kept": sel.kept.count, "unreadable": sel.unreadable.count,
                                      "out": out, "seconds": secs]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print("kept \(sel.kept.count) of \(sel.considered) frames in \(out) (\(sel.unreadable.count) unreadable), \(String(format: "%.2f", secs)) s")
            for u in sel.unreadable.prefix(5) { print("  \(u.path): \(u.reason)") }
        }
    }
}

/// `waycue dataset distant`.
struct DatasetDistantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distant",
        abstract: "Build a deterministic validation set of far-away objects from a YOLO dataset's split.",
        discussion: """
            Shrinks each photo of --split so that the median longer side of its labelled boxes \
            lands at a seeded size in --min-size...--max-size canvas pixels (never enlarging a \
            photo, and never beyond the canvas), pastes it at a seeded position on a --width x \
            --height canvas whose background is the same photo reduced to coarse average colours \
            (smooth, so it holds no unlabelled object), and writes the labels scaled exactly, \
            with the source's class ids (polygons become boxes). Output: OUT/data.yaml (the \
            source's names), OUT/valid/images/*.jpg (JPEG quality --quality), OUT/valid/labels/*.txt; \
            images and labels already in OUT/valid are removed first. The same inputs and --seed \
            give byte-identical files. Evaluate it with `waycue eval --data OUT --split val \
            --mapping <the source's mapping>`.

            Unreadable images or label files are reported by name and skipped; the other images \
            are still written. Exit status: 0 when every image was written, 1 when some could not \
            be used, 2 on bad input (no dataset, no such split, nothing kept) or usage.

            Examples:
              waycue dataset distant --data ../shared/datasets/pedestrian-lights-crosswalks --keep-only ../shared/datasets/pedestrian-lights-crosswalks.valid-clean.txt --out datasets/generated/distant-ped
              waycue dataset distant --data ../shared/datasets/vehicle-traffic-lights --out datasets/generated/distant-vehicle
              waycue dataset distant --data my-set --split test --min-size 8 --max-size 16 --seed 3 --out /tmp/far --json
            """
    )

    @Option(name: .long, help: "YOLO dataset folder (with data.yaml) or its data.yaml.")
    var data: String

    @Option(name: .long, help: "Source split: val or test (the output is always the val split).")
    var split: String = "val"

    @Option(name: .long, help: "File of image file names to keep, one a line (e.g. a `dataset check --clean-lists` list).")
    var keepOnly: String?

    @Option(name: .long, help: "Output folder (created).")
    var out: String

    @Option(name: .long, help: "Canvas width in pixels.")
    var width: Int = 640

    @Option(name: .long, help: "Canvas height in pixels.")
    var height: Int = 480

    @Option(name: .long, help: "Smallest target for the median longer box side, in canvas pixels.")
    var minSize: Double = 4

    @Option(name: .long, help: "Largest target for the median longer box side, in canvas pixels.")
    var maxSize: Double = 30

    @Option(name: .long, help: "Seed of the sizes and positions.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "JPEG quality of the written images (1-100).")
    var quality: Int = 95

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard ["val", "valid", "validation", "test", "train"].contains(split.lowercased()) else {
            throw ValidationError("--split must be val, test or train")
        }
        guard width >= 16, height >= 16, width <= 8192, height <= 8192 else {
            throw ValidationError("--width and --height must be between 16 and 8192")
        }
        guard minSize > 0, minSize <= maxSize, maxSize.isFinite else {
            throw ValidationError("--min-size must be positive and at most --max-size")
        }
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be between 1 and 100") }
    }

    func run() async throws {
        var options = DistantSet.Options()
        options.split = split
        options.canvasWidth = width
        options.canvasHeight = height
        options.minSize = minSize
        options.maxSize = maxSize
        options.seed = seed
        options.jpegQuality = quality
        if let keepOnly { options.keepOnly = try loadOrExit { try DistantSet.readKeepList(path: keepOnly) } }
        let summary = try loadOrExit {
            try DistantSet.build(data: data, out: out, options: options) { done, total in
                // A plain line every 50 images (and the last), readable in logs as well as terminals.
                if done % 50 == 0 || done == total {
                    FileHandle.standardError.write(Data("distant: \(done)/\(total) images\n".utf8))
                }
            }
        }
        try reportBuild(summary, failed: summary.failed, json: json, text: Self.text(summary))
    }

    static func text(_ s: DistantSet.Summary) -> String {
        func pct(_ p: [String: Double]) -> String {
            ["p5", "p25", "p50", "p75", "p95"].map { "\($0) \(p[$0].map { String(format: "%.1f", $0) } ?? "-")" }
                .joined(separator: "  ")
        }
        var out = ["wrote \(s.images) images (\(s.imagesWithoutBoxes) without boxes) and \(s.boxes) boxes to \(s.out)"
                   + (s.droppedBoxes > 0 ? "; \(s.droppedBoxes) boxes with no area left out" : "")]
        out.append("box longer side px: " + pct(s.longerSidePercentiles))
        out.append("box shorter side px: " + pct(s.shorterSidePercentiles))
        out.append("box sizes (COCO area): small \(s.sizeBuckets["small"] ?? 0), medium \(s.sizeBuckets["medium"] ?? 0), large \(s.sizeBuckets["large"] ?? 0)")
        if !s.missingFromKeepList.isEmpty {
            out.append("\(s.missingFromKeepList.count) kept names are not images of the split: "
                       + s.missingFromKeepList.prefix(5).joined(separator: ", ") + (s.missingFromKeepList.count > 5 ? " ..." : ""))
        }
        if !s.failed.isEmpty { out.append("\(s.failed.count) images could not be used (listed on stderr)") }
        return out.joined(separator: "\n")
    }
}

/// `waycue dataset lamp-boxes`: moves traffic-light boxes from the housing to its lit lamp.
struct DatasetLampBoxesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lamp-boxes",
        abstract: "Copy a YOLO dataset with traffic-light boxes moved from the whole housing to its lit lamp.",
        discussion: """
            Street photographs (vehicle-lights-kr-street) box the lit lamp; close-up sets \
            (vehicle-traffic-lights) and WayCue's renderer box the whole housing. Trained on both, \
            a detector draws housing-sized boxes around distant lamps and matches none of them at \
            IoU 0.5. For every box of a --lamp class this splits the housing along its long side \
            into lamp cells (3, or 4 beyond a 3.5:1 side ratio) and keeps the cell that looks most \
            lit in the class's colour (brightness and saturation where the hue is the lamp's; \
            the colour's usual place breaks near-ties); a box closer to square than 1.3:1 is \
            taken as a lone lamp and kept. Other classes are copied. \
            Output: OUT/data.yaml (the source's names and splits), OUT/<split>/labels/*.txt and \
            OUT/<split>/images/* as links to the source images (nothing is copied). Conversions \
            whose best cell does not stand out (best/second score under --min-margin) are counted \
            as ambiguous.

            Exit status: 0 when every image was handled, 1 when some could not be read (named, \
            skipped), 2 on bad input.

            Examples:
              waycue dataset lamp-boxes --data ../shared/datasets/vehicle-traffic-lights --lamp red=red --lamp yellow=yellow --lamp green=green --out datasets/generated/vehicle-lamps
              waycue dataset lamp-boxes --data datasets/generated/synth-default --lamp vehicle_red=red --lamp vehicle_yellow=yellow --lamp vehicle_green=green --out datasets/generated/synth-default-lamps
            """
    )

    @Option(name: .long, help: "YOLO dataset folder (with data.yaml) or its data.yaml.")
    var data: String

    @Option(name: .long, help: "Output folder (created).")
    var out: String

    @Option(name: .long, help: "CLASS=red|yellow|green: a class (by the dataset's own name) whose boxes are housings (repeatable).")
    var lamp: [String] = []

    @Option(name: .long, help: "Best-to-second cell score under which a conversion counts as ambiguous.")
    var minMargin: Float = 1.25

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    func parsedColours() throws -> [String: LampBoxes.Colour] {
        var out: [String: LampBoxes.Colour] = [:]
        for item in lamp {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let c = LampBoxes.Colour(rawValue: parts[1]) else {
                throw ValidationError("--lamp takes CLASS=red|yellow|green, not '\(item)'")
            }
            out[parts[0]] = c
        }
        return out
    }

    func validate() throws {
        guard !lamp.isEmpty else { throw ValidationError("give at least one --lamp CLASS=COLOUR") }
        _ = try parsedColours()
        guard minMargin >= 1, minMargin.isFinite else { throw ValidationError("--min-margin must be at least 1") }
        guard URL(fileURLWithPath: out).standardizedFileURL.path != URL(fileURLWithPath: data).standardizedFileURL.path else {
            throw ValidationError("--out must not be the source dataset")
        }
    }

    func run() async throws {
        var options = LampBoxes.Options(colours: try parsedColours())
        options.minimumMargin = minMargin
        let summary = try loadOrExit {
            try LampBoxes.build(data: data, out: out, options: options) { done, total in
                if done % 200 == 0 || done == total {
                    FileHandle.standardError.write(Data("lamp-boxes: \(done)/\(total) images\n".utf8))
                }
            }
        }
        try reportBuild(summary, failed: summary.failed, json: json,
                        text: "\(summary.images) images: \(summary.converted) boxes moved to the lit lamp (\(summary.ambiguous) ambiguous), \(summary.keptAsLamp) kept as lone lamps, \(summary.copied) boxes of other classes copied; wrote \(out)")
    }
}

/// Ends a dataset-writing command: each failure on stderr, then the summary as one sorted-key
/// JSON object or as `text`, and exit status 1 when anything failed.
func reportBuild<S: Encodable>(_ summary: S, failed: [String], json: Bool, text: @autoclosure () -> String) throws {
    for f in failed { FileHandle.standardError.write(Data("error: \(f)\n".utf8)) }
    if json {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        print(String(decoding: try enc.encode(summary), as: UTF8.self))
    } else {
        print(text())
    }
    if !failed.isEmpty { throw ExitCode(1) }
}
