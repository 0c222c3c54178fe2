import Foundation

/// Formats the reviewed labels can be exported to.
public enum LabelExportFormat: String, Sendable, CaseIterable, Codable {
    /// A YOLO dataset: `images/` (hard links or copies), `labels/`, `data.yaml`.
    case yolo
    /// One COCO detection JSON beside the images, Roboflow's layout:
    /// `train/_annotations.coco.json` and `train/<frames>`.
    case coco
    /// Pascal VOC: `Annotations/<stem>.xml` and `JPEGImages/`.
    case voc
}

/// What an export wrote.
public struct LabelExportResult: Sendable, Codable, Equatable {
    /// The format.
    public var format: LabelExportFormat
    /// The output folder.
    public var folder: String
    /// Frames exported.
    public var frames: Int
    /// Boxes exported.
    public var boxes: Int
    /// Frames left out, with the reason (an image whose size cannot be read).
    public var skipped: [String]
}

extension LabelStore {
    /// Exports every frame and its current labels to `folder` (created; existing files of the
    /// same names are replaced). Frames with unreadable label lines are exported with the
    /// lines that could be read. Images are hard-linked when the file system allows, else copied.
    ///
    /// - Parameter reviewedOnly: Export only frames a person reviewed.
    public func export(_ format: LabelExportFormat, to folder: String, reviewedOnly: Bool = false) throws -> LabelExportResult {
        let fm = FileManager.default
        let imagesDir: String
        switch format {
        case .yolo: imagesDir = folder + "/images"
        case .coco: imagesDir = folder + "/train"
        case .voc: imagesDir = folder + "/JPEGImages"
        }
        do {
            try fm.createDirectory(atPath: imagesDir, withIntermediateDirectories: true)
            if format == .yolo { try fm.createDirectory(atPath: folder + "/labels", withIntermediateDirectories: true) }
            if format == .voc { try fm.createDirectory(atPath: folder + "/Annotations", withIntermediateDirectories: true) }
        } catch {
            throw LabelStoreError.notWritable(folder, (error as NSError).localizedDescription)
        }
        var result = LabelExportResult(format: format, folder: folder, frames: 0, boxes: 0, skipped: [])
        var cocoImages: [[String: Any]] = [], cocoAnns: [[String: Any]] = []
        for f in frames {
            let r = try record(f.index)
            if reviewedOnly && !r.reviewed { continue }
            let size: (width: Int, height: Int)
            do { size = try ImageHeader.size(path: imagePath(f)) } catch {
                result.skipped.append("\(f.file): \(error)")
                continue
            }
            let dest = imagesDir + "/" + f.file
            try? fm.removeItem(atPath: dest)
            do {
                do { try fm.linkItem(atPath: imagePath(f), toPath: dest) } catch { try fm.copyItem(atPath: imagePath(f), toPath: dest) }
            } catch {
                throw LabelStoreError.notWritable(dest, (error as NSError).localizedDescription)
            }
            result.frames += 1
            result.boxes += r.boxes.count
            switch format {
            case .yolo:
                try AtomicFile.write(Data(LabelText.format(r.boxes).utf8), to: folder + "/labels/" + f.stem + ".txt")
            case .coco:
                let id = cocoImages.count + 1
                cocoImages.append(["id": id, "file_name": f.file, "width": size.width, "height": size.height])
                for b in r.boxes {
                    let c = b.corners
                    let x = c.x1 * Double(size.width), y = c.y1 * Double(size.height)
                    let w = b.w * Double(size.width), h = b.h * Double(size.height)
                    cocoAnns.append(["id": cocoAnns.count + 1, "image_id": id, "category_id": b.classID + 1,
                                     "bbox": [round2(x), round2(y), round2(w), round2(h)], "area": round2(w * h), "iscrowd": 0])
                }
            case .voc:
                try AtomicFile.write(Data(vocXML(f, r.boxes, size).utf8), to: folder + "/Annotations/" + f.stem + ".xml")
            }
        }
        switch format {
        case .yolo:
            let yaml = "# Exported by waycue label\ntrain: images\nnc: \(classNames.count)\nnames:\n"
                + classNames.map { "  - \($0)\n" }.joined()
            try AtomicFile.write(Data(yaml.utf8), to: folder + "/data.yaml")
        case .coco:
            let cats = classNames.enumerated().map { ["id": $0.offset + 1, "name": $0.element, "supercategory": "waycue"] as [String: Any] }
            let doc: [String: Any] = ["info": ["description": "Exported by waycue label"], "images": cocoImages,
                                      "annotations": cocoAnns, "categories": cats]
            try AtomicFile.write(try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys]), to: folder + "/train/_annotations.coco.json")
        case .voc: break
        }
        return result
    }

    private func vocXML(_ f: Frame, _ boxes: [ReviewBox], _ size: (width: Int, height: Int)) -> String {
        var s = "<annotation>\n  <folder>JPEGImages</folder>\n  <filename>\(xmlEscape(f.file))</filename>\n"
        s += "  <size><width>\(size.width)</width><height>\(size.height)</height><depth>3</depth></size>\n"
        for b in boxes {
            let c = b.corners
            // VOC pixel coordinates are 1-based and inclusive.
            let x1 = max(1, Int((c.x1 * Double(size.width)).rounded()) + 1)
            let y1 = max(1, Int((c.y1 * Double(size.height)).rounded()) + 1)
            let x2 = max(x1, min(size.width, Int((c.x2 * Double(size.width)).rounded())))
            let y2 = max(y1, min(size.height, Int((c.y2 * Double(size.height)).rounded())))
            s += "  <object>\n    <name>\(xmlEscape(classNames[b.classID]))</name>\n    <difficult>0</difficult>\n"
            s += "    <bndbox><xmin>\(x1)</xmin><ymin>\(y1)</ymin><xmax>\(x2)</xmax><ymax>\(y2)</ymax></bndbox>\n  </object>\n"
        }
        return s + "</annotation>\n"
    }
}

private func round2(_ v: Double) -> Double { (v * 100).rounded() / 100 }

func xmlEscape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
