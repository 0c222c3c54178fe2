import Foundation
import WayCueDetector
import WayCueImage
import WayCueNN

/// The files of one training run:
/// `config.json`, `metrics.jsonl` (one ``EpochMetrics`` a line), `loss.png`, `map.png`,
/// `samples.png` (predictions on validation images), `last.ckpt`, `best.ckpt`, `MODEL_CARD.md`.
public struct RunFolder: Sendable {
    /// Folder path.
    public var path: String
    /// Creates the description of a folder.
    public init(path: String) { self.path = path }

    /// Latest checkpoint (written every epoch).
    public var lastCheckpoint: String { path + "/last.ckpt" }
    /// Checkpoint with the best validation mAP50.
    public var bestCheckpoint: String { path + "/best.ckpt" }
    /// Metrics file.
    public var metricsFile: String { path + "/metrics.jsonl" }

    func write(_ text: String, to name: String) throws {
        let file = path + "/" + name
        do { try text.write(toFile: file, atomically: true, encoding: .utf8) } catch {
            throw TrainingError.writeFailed(file: file, reason: "\(error)")
        }
    }

    func writeConfig(_ c: TrainConfig, model: ModelConfig, parameters: Int) throws {
        struct Both: Codable { var train: TrainConfig; var model: ModelConfig; var parameters: Int }
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try write(String(decoding: try enc.encode(Both(train: c, model: model, parameters: parameters)), as: UTF8.self) + "\n",
                  to: "config.json")
    }

    /// Rewrites the metrics file from the history (so a resumed run never duplicates lines).
    func appendMetrics(_ m: EpochMetrics) throws {
        let existing = (try? String(contentsOfFile: metricsFile, encoding: .utf8)) ?? ""
        var lines = existing.split(separator: "\n").map(String.init)
        let dec = JSONDecoder()
        lines.removeAll { l in (try? dec.decode(EpochMetrics.self, from: Data(l.utf8)))?.epoch ?? 0 >= m.epoch }
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        lines.append(String(decoding: try enc.encode(m), as: UTF8.self))
        try write(lines.joined(separator: "\n") + "\n", to: "metrics.jsonl")
    }

    /// A line chart of series over epochs.
    static func chart(title: String, series: [(name: String, color: PixelColor, values: [Double])]) -> Image {
        let W = 640, H = 400, left = 60, right = 20, top = 40, bottom = 50
        var img = Image(width: W, height: H, format: .rgb8, fill: 255)
        img.drawText(title, x: left, y: 12, color: .black, scale: 2)
        let all = series.flatMap(\.values).filter(\.isFinite)
        let n = series.map(\.values.count).max() ?? 0
        let lo = min(all.min() ?? 0, 0), hi = max(all.max() ?? 1, lo + 1e-6)
        let pw = W - left - right, ph = H - top - bottom
        img.drawLine(x0: left, y0: top, x1: left, y1: top + ph, color: .black)
        img.drawLine(x0: left, y0: top + ph, x1: left + pw, y1: top + ph, color: .black)
        for k in 0...4 {
            let v = lo + (hi - lo) * Double(k) / 4
            let y = top + ph - Int(Double(ph) * Double(k) / 4)
            img.drawText(String(format: "%.3g", v), x: 4, y: y - 4, color: .black)
            img.drawLine(x0: left - 4, y0: y, x1: left, y1: y, color: .black)
        }
        img.drawText("epoch (1...\(n))", x: left + pw / 2 - 40, y: H - 20, color: .black)
        func pt(_ i: Int, _ v: Double) -> (x: Float, y: Float) {
            let x = Float(left) + (n > 1 ? Float(pw) * Float(i) / Float(n - 1) : Float(pw) / 2)
            let y = Float(top + ph) - Float(ph) * Float((v - lo) / (hi - lo))
            return (x, y)
        }
        for (k, s) in series.enumerated() {
            for i in 0..<s.values.count {
                let p = pt(i, s.values[i])
                if i > 0 { img.drawLine(from: pt(i - 1, s.values[i - 1]), to: p, color: s.color, thickness: 2) }
                img.drawCircle(centerX: Int(p.x), centerY: Int(p.y), radius: 3, color: s.color)
            }
            img.drawText(s.name, x: left + 10 + 120 * k, y: top + 6, color: s.color)
        }
        return img
    }

    func writeCurves(_ h: [EpochMetrics]) throws {
        let loss = RunFolder.chart(title: "training loss", series: [
            ("total", .black, h.map { $0.loss.total }), ("qfl", .red, h.map { $0.loss.qfl }),
            ("dfl", .blue, h.map { $0.loss.dfl }), ("giou", .orange, h.map { $0.loss.giou }),
        ])
        try loss.write(to: path + "/loss.png")
        let map = RunFolder.chart(title: "validation mAP (EMA weights)", series: [
            ("mAP50", .blue, h.map { $0.map50 ?? .nan }), ("mAP50-95", .red, h.map { $0.map50_95 ?? .nan }),
        ])
        try map.write(to: path + "/map.png")
    }

    func writeSampleSheet(_ items: [(Image?, [Detection])], names: [String]) throws {
        var tiles: [(image: Image, caption: String)] = []
        for ((img, dets), name) in zip(items, names) {
            guard var im = img else { continue }
            for d in dets {
                im.drawLabeledBox(d.box, label: "\(d.objectClass.rawValue) \(String(format: "%.2f", d.score))",
                                  color: RunFolder.color(d.objectClass), thickness: max(2, im.width / 200), textScale: max(1, im.width / 400))
            }
            tiles.append((im.resized(width: 240, height: max(1, 240 * im.height / max(im.width, 1))),
                          String((name as NSString).lastPathComponent.prefix(38))))
        }
        guard !tiles.isEmpty else { return }
        let sheet = ContactSheet(columns: 4, cellWidth: 240, cellHeight: 240)
        try sheet.render(tiles).write(to: path + "/samples.png")
    }

    static func color(_ c: ObjectClass) -> PixelColor {
        switch c {
        case .pedRed, .vehicleRed: .red
        case .pedGreen, .vehicleGreen: .green
        case .vehicleYellow, .tactileGuide, .tactileWarning: .yellow
        case .crosswalk: .cyan
        default: .orange
        }
    }

    /// Credits of the shared datasets (from `../shared/datasets/README.md`).
    static let credits: [String: String] = [
        "pedestrian-lights-crosswalks": "\"pedestrian-light-crosswalk\" by chanyoung, Roboflow Universe, CC BY 4.0",
        "vehicle-traffic-lights": "\"cinta_v2\" by wawan-pradana, Roboflow Universe, CC BY 4.0",
        "tactile-tiles": "\"block\" by braille-block, Roboflow Universe, MIT",
    ]

    func writeModelCard(recipe: Recipe, model: ModelConfig, parameters: Int, history: [EpochMetrics], trainImages: Int,
                        latencyMs: Double? = nil) throws {
        var s = "# WayCue detector: \(recipe.name)\n\n"
        s += "Trained with `waycue train` (WayCue's own trainer, CPU). Architecture: ShuffleNetV2 backbone "
        s += "(stages \(model.stageChannels)), PAN neck (\(model.neckChannels) channels), anchor-free DFL head at strides "
        s += "\(model.strides), input \(model.inputSize)x\(model.inputSize), \(parameters) parameters.\n\n"
        s += "Classes: \(model.classNames.joined(separator: ", ")).\n\n## Data\n\n| dataset | path | weight | credit |\n|---|---|---|---|\n"
        for e in recipe.entries {
            s += "| \(e.name) | `\(e.path)` | \(e.weight) | \(RunFolder.credits[e.name] ?? "see the dataset's own licence") |\n"
        }
        s += "\n\(trainImages) training images.\n\n## Results (validation, EMA weights)\n\n"
        if let last = history.last {
            s += "Epoch \(last.epoch): mAP50 \(last.map50.map { String(format: "%.3f", $0) } ?? "n/a"), "
            s += "mAP50-95 \(last.map50_95.map { String(format: "%.3f", $0) } ?? "n/a") on \(last.evalImages) images.\n\n"
            s += "| class | AP50 | boxes |\n|---|---|---|\n"
            for c in last.perClassAP50.keys.sorted() {
                s += "| \(c) | \(String(format: "%.3f", last.perClassAP50[c]!)) | \(last.perClassCount[c] ?? 0) |\n"
            }
            s += "\n## Speed\n\nTraining: \(String(format: "%.1f", last.imagesPerSecond)) images/s (last epoch). "
            s += "Total training time so far: \(String(format: "%.1f", history.reduce(0) { $0 + $1.seconds } / 60)) min.\n"
            if let latencyMs {
                s += "Inference latency (WayCueNN fp32, batch 1, measured on the training machine while training): "
                s += "\(String(format: "%.1f", latencyMs)) ms median.\n"
            }
        }
        s += "\nValidation figures are on the recipe's `val` split after its keep/exclude lists; the raw splits of the "
        s += "shared pedestrian set leak near-duplicates, so use the clean list for honest figures.\n"
        try write(s, to: "MODEL_CARD.md")
    }
}

/// Charts of training curves, as the run folders' `loss.png` and `map.png` draw them.
public enum TrainingCharts {
    /// A 640x400 line chart of series over epochs (non-finite values are skipped).
    public static func lineChart(title: String, series: [(name: String, color: PixelColor, values: [Double])]) -> Image {
        RunFolder.chart(title: title, series: series)
    }
}
