import Foundation

/// A training checkpoint: configuration, progress, weights, batch-norm statistics, optimiser
/// moments and EMA weights.
///
/// File layout: `WCTRAIN1`, header length (u64 little-endian), JSON header, then every array's
/// floats (little-endian) in the header's order. Written to a temporary file and renamed, so a
/// kill never leaves a half-written checkpoint.
public struct Checkpoint: Sendable {
    /// The JSON header.
    public struct Header: Sendable, Codable {
        /// Training configuration.
        public var train: TrainConfig
        /// Model architecture.
        public var model: ModelConfig
        /// Epochs completed.
        public var epoch: Int
        /// Optimiser steps taken.
        public var step: Int
        /// Best validation mAP50 so far.
        public var bestMap50: Double?
        /// Metrics of completed epochs.
        public var history: [EpochMetrics]
        /// Array names and element counts, in file order.
        public var arrays: [ArrayEntry]
    }
    /// Name and length of one stored array.
    public struct ArrayEntry: Sendable, Codable { public var name: String; public var count: Int }

    /// Header.
    public var header: Header
    /// Arrays by name.
    public var arrays: [String: [Float]]

    static let magic = Array("WCTRAIN1".utf8)

    /// Writes atomically.
    public func write(to path: String) throws {
        var h = header
        var order: [String] = []
        for e in h.arrays where arrays[e.name] != nil { order.append(e.name) }
        h.arrays = order.map { ArrayEntry(name: $0, count: arrays[$0]!.count) }
        let json = try JSONEncoder().encode(h)
        var data = Data(Checkpoint.magic)
        var len = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &len) { data.append(contentsOf: $0) }
        data.append(json)
        for name in order {
            arrays[name]!.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: UInt8.self), count: $0.count * 4)) }
        }
        let tmp = path + ".tmp"
        do {
            try data.write(to: URL(fileURLWithPath: tmp))
        } catch {
            throw TrainingError.writeFailed(file: path, reason: "\(error)")
        }
        // rename(2) replaces the old file atomically.
        guard rename(tmp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw TrainingError.writeFailed(file: path, reason: reason)
        }
    }

    /// Reads and checks a checkpoint.
    public static func read(path: String) throws -> Checkpoint {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrainingError.badCheckpoint(file: path, reason: "cannot read the file")
        }
        let bytes = [UInt8](data)
        guard bytes.count >= 16, Array(bytes[0..<8]) == magic else {
            throw TrainingError.badCheckpoint(file: path, reason: "not a WayCue training checkpoint (magic)")
        }
        var len: UInt64 = 0
        for i in 0..<8 { len |= UInt64(bytes[8 + i]) << (8 * UInt64(i)) }
        guard len <= UInt64(bytes.count - 16) else { throw TrainingError.badCheckpoint(file: path, reason: "header length past the end") }
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: Data(bytes[16..<(16 + Int(len))])) } catch {
            throw TrainingError.badCheckpoint(file: path, reason: "header: \(error)")
        }
        var off = 16 + Int(len)
        var arrays: [String: [Float]] = [:]
        for e in header.arrays {
            guard e.count >= 0, e.count <= (bytes.count - off) / 4 else {
                throw TrainingError.badCheckpoint(file: path, reason: "array \(e.name) is truncated")
            }
            var a = [Float](repeating: 0, count: e.count)
            a.withUnsafeMutableBytes { dst in bytes.withUnsafeBytes { src in dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[off..<(off + e.count * 4)])) } }
            arrays[e.name] = a
            off += e.count * 4
        }
        guard off == bytes.count else { throw TrainingError.badCheckpoint(file: path, reason: "\(bytes.count - off) trailing bytes") }
        return Checkpoint(header: header, arrays: arrays)
    }

    /// Captures a model and optimiser.
    static func capture(model: DetectorModel, optimizer: AdamW, header: Header) -> Checkpoint {
        var arrays: [String: [Float]] = [:]
        var order: [String] = []
        func put(_ n: String, _ a: [Float]) { arrays[n] = a; order.append(n) }
        for (k, (name, p)) in model.store.parameters.enumerated() {
            put("p:" + name, p.values)
            put("m:" + name, optimizer.m[k]); put("v:" + name, optimizer.v[k]); put("e:" + name, optimizer.ema[k])
        }
        for (k, (name, s)) in model.store.statistics.enumerated() {
            put("mean:" + name, s.mean); put("var:" + name, s.variance)
            put("emean:" + name, optimizer.emaMean[k]); put("evar:" + name, optimizer.emaVar[k])
        }
        var h = header
        h.arrays = order.map { ArrayEntry(name: $0, count: arrays[$0]!.count) }
        return Checkpoint(header: h, arrays: arrays)
    }

    /// Restores into a model built from `header.model` (and optionally its optimiser).
    /// - Parameter ema: Load the EMA weights as the live weights (for export and evaluation).
    func restore(into model: DetectorModel, optimizer: AdamW?, ema: Bool = false, file: String) throws {
        func get(_ n: String, _ count: Int) throws -> [Float] {
            guard let a = arrays[n], a.count == count else {
                throw TrainingError.badCheckpoint(file: file, reason: "array \(n) missing or of the wrong size")
            }
            return a
        }
        for (k, (name, p)) in model.store.parameters.enumerated() {
            p.setValues(try get((ema ? "e:" : "p:") + name, p.count))
            if let optimizer {
                optimizer.m[k] = try get("m:" + name, p.count)
                optimizer.v[k] = try get("v:" + name, p.count)
                optimizer.ema[k] = try get("e:" + name, p.count)
            }
        }
        for (k, (name, s)) in model.store.statistics.enumerated() {
            s.mean = try get((ema ? "emean:" : "mean:") + name, s.mean.count)
            s.variance = try get((ema ? "evar:" : "var:") + name, s.variance.count)
            if let optimizer {
                optimizer.emaMean[k] = try get("emean:" + name, s.mean.count)
                optimizer.emaVar[k] = try get("evar:" + name, s.mean.count)
            }
        }
        optimizer?.step = header.step
    }

    /// Loads a checkpoint's model with its EMA weights (what export and evaluation use).
    public static func loadModel(path: String, ema: Bool = true) throws -> DetectorModel {
        let c = try read(path: path)
        do { try c.header.model.validate() } catch {
            throw TrainingError.badCheckpoint(file: path, reason: "\(error)")
        }
        let model = DetectorModel(config: c.header.model, seed: c.header.train.seed)
        try c.restore(into: model, optimizer: nil, ema: ema, file: path)
        return model
    }
}
