import Dispatch
import Foundation
import WayCueImage

extension LabeledDataset {
    /// Fills in ``LabeledSample/size`` for samples without one by reading only the image
    /// headers (no pixel decoding). Returns the problems for images whose header could not be
    /// read; their size stays nil.
    @discardableResult
    public mutating func readImageSizes(jobs: Int = ProcessInfo.processInfo.activeProcessorCount) -> [DatasetError] {
        let todo = samples.indices.filter { samples[$0].size == nil }
        let paths = todo.map { samples[$0].imagePath }
        let results = HeaderBox(count: paths.count)
        let workers = max(1, min(jobs, paths.count))
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var i = w
            while i < paths.count {
                do {
                    let h = try Image.readHeader(path: paths[i])
                    results.set(i, .success(ImageSize(width: h.width, height: h.height)))
                } catch {
                    results.set(i, .failure(DatasetError(.io, file: paths[i], reason: "\(error)")))
                }
                i += workers
            }
        }
        var problems: [DatasetError] = []
        for (k, i) in todo.enumerated() {
            switch results.values[k] {
            case .success(let s): samples[i].size = s
            case .failure(let e): problems.append(e)
            case nil: break
            }
        }
        return problems
    }
}

private final class HeaderBox: @unchecked Sendable {
    let lock = NSLock()
    var values: [Result<ImageSize, DatasetError>?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ v: Result<ImageSize, DatasetError>) {
        lock.lock()
        values[i] = v
        lock.unlock()
    }
}
