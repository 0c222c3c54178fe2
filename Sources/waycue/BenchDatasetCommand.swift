import ArgumentParser
import Foundation
import WayCueTraining

/// `waycue bench dataset`: speed of the dataset checker's image scan (read, decode to grey,
/// dHash) and of the near-duplicate grouping, per thread count, as medians.
struct BenchDataset: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Time the dataset check image scan (decode + dHash) and duplicate grouping.",
        discussion: """
            Loads DIR once, then for each --jobs value scans every image --runs times and \
            reports the median wall time and images per second, then times near-duplicate \
            grouping on the hashes.

            Examples:
              waycue bench dataset ../shared/datasets/pedestrian-lights-crosswalks
              waycue bench dataset ../shared/datasets/vehicle-traffic-lights --jobs 1 --jobs 2 --runs 5 --json
            """
    )

    @Argument(help: "The dataset folder.")
    var dir: String

    @Option(name: .long, help: "Thread counts to compare (repeatable).")
    var jobs: [Int] = [1, 2]

    @Option(name: .long, help: "Runs per thread count.")
    var runs: Int = 3

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard runs >= 1, jobs.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--runs and --jobs must be at least 1") }
    }

    func run() async throws {
        let dataset = try loadOrExit { try DatasetLoader.load(path: dir) }
        let paths = dataset.samples.map(\.imagePath)
        var rows: [[String: Any]] = []
        var hashes: [DifferenceHash] = []
        for j in jobs {
            var times: [Double] = []
            for _ in 0..<runs {
                let t0 = Date()
                let scans = ImageScan.scan(paths: paths, jobs: j)
                times.append(Date().timeIntervalSince(t0))
                hashes = scans.compactMap(\.dHash)
            }
            let med = times.sorted().sortedMedian
            rows.append(["jobs": j, "median_s": med, "images_per_s": Double(paths.count) / med, "runs": times])
        }
        var gtimes: [Double] = []
        var groups = 0
        for _ in 0..<runs {
            let t0 = Date()
            groups = NearDuplicates.groups(hashes, threshold: 6).count
            gtimes.append(Date().timeIntervalSince(t0))
        }
        let gmed = gtimes.sorted().sortedMedian
        if json {
            let obj: [String: Any] = ["images": paths.count, "scan": rows, "grouping_median_s": gmed, "groups": groups]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print("\(paths.count) images in \(dir)")
            for r in rows {
                print(String(format: "scan (read + decode grey + dHash), %d thread(s): median %.3f s, %.0f images/s",
                             r["jobs"] as! Int, r["median_s"] as! Double, r["images_per_s"] as! Double))
            }
            print(String(format: "near-duplicate grouping (Hamming <= 6): median %.4f s, %d groups", gmed, groups))
        }
    }
}
