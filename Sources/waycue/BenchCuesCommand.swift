import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WayCueCues
import WayCueDetector
import WayCueImage
import WayCueSynth

/// `waycue bench cues`: cue-engine cost per frame with many tracked objects.
struct BenchCuesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cues",
        abstract: "Cue-engine cost per frame (tracking, geometry, rules, arbitration) with N tracked objects.",
        discussion: """
            Feeds a synthetic scene of N moving objects (obstacles, signal heads, vehicle lights, \
            paving, a crosswalk) with jitter at 15 frames per second and times each feed, after a \
            warm-up. Reports wall-clock median, 90th and 99th percentiles and mean, and the \
            calling thread's CPU time (median, p90), which other processes on a busy machine \
            do not inflate. Build in \
            release mode for meaningful figures.

            Examples:
              swift build -c release --product waycue && .build/release/waycue bench cues
              waycue bench cues --objects 50 --frames 3000 --json
              waycue bench cues --masks     # also paving masks: times the paving tracer too
            """
    )

    @Option(name: .long, help: "Objects in the scene (each becomes a track).")
    var objects: Int = 50

    @Option(name: .long, help: "Timed frames.")
    var frames: Int = 3000

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @Flag(name: .long, help: "Also feed 80x60 paving and warning-tile masks (a swaying strip with a branch and a warning band), as a model with a mask head does, so the paving tracer is timed too.")
    var masks = false

    func validate() throws {
        guard objects >= 1, objects <= 1000, frames >= 10, frames <= 1_000_000 else {
            throw ValidationError("--objects must be 1...1000 and --frames 10...1000000")
        }
    }

    func run() async throws {
        var rng = SynthRandom(seed: 1)  // seeded: the same scene on every run
        let classes: [ObjectClass] = [.person, .pole, .car, .bicycle, .bollard, .cone, .pedRed, .pedGreen,
                                      .vehicleRed, .vehicleGreen, .tactileGuide, .crosswalk, .tactileWarning]
        // Objects spread over a grid so they stay distinct tracks; each drifts slowly.
        let scene = (0..<objects).map { i -> (ObjectClass, Box, Float, Float) in
            let col = i % 10, row = i / 10
            let box = Box(x1: Float(col * 62 + 10), y1: Float(row * 45 + 20), x2: Float(col * 62 + 50), y2: Float(row * 45 + 60))
            return (classes[i % classes.count], box, Float(rng.unit() - 0.5) * 8, Float(rng.unit() - 0.5) * 4)
        }
        let engine = try CueEngine(language: "en")
        func frame(_ k: Int) -> [Detection] {
            let t = Float(k) / 15
            return scene.map { cls, box, vx, vy in
                let jx = Float(rng.unit() - 0.5) * 2, jy = Float(rng.unit() - 0.5) * 2
                let dx = vx * sin(t) + jx, dy = vy * sin(t) + jy
                return Detection(objectClass: cls, score: 0.6 + Float(rng.unit()) * 0.35,
                                 box: Box(x1: box.x1 + dx, y1: box.y1 + dy, x2: box.x2 + dx, y2: box.y2 + dy))
            }
        }
        // 30 mask variants at 1/8 of 640x480: a strip widening towards the walker, swaying, with
        // a branch to the right and a warning band ahead.
        let maskVariants: [[ObjectClass: CueMask]] = (0..<30).map { v in
            let w = 80, h = 60
            var guide = [UInt8](repeating: 0, count: w * h), warn = guide
            for row in 24..<h {
                let half = 1 + (row - 24) / 6
                let centre = 40 + Int(6 * sin(Double(v) / 5) + Double(h - row) * 0.3 * sin(Double(v) / 7))
                for col in max(0, centre - half)...min(w - 1, centre + half) { guide[row * w + col] = 1 }
                if row == 34 { for col in centre..<min(w, centre + 30) { guide[row * w + col] = 1 } }
                if row >= 25 && row <= 27 { for col in max(0, centre - 4)...min(w - 1, centre + 4) { warn[row * w + col] = 1 } }
            }
            return [.tactileGuide: CueMask(width: w, height: h, values: guide), .tactileWarning: CueMask(width: w, height: h, values: warn)]
        }
        let warmup = 100
        var times: [Double] = []
        var cpuTimes: [Double] = []
        times.reserveCapacity(frames)
        cpuTimes.reserveCapacity(frames)
        let clock = ContinuousClock()
        var emitted = 0
        for k in 0..<(warmup + frames) {
            let dets = frame(k)
            let cpuStart = threadCPUMicroseconds()
            let start = clock.now
            let cueFrame = CueFrame(timestamp: Double(k) / 15, detections: dets, masks: masks ? maskVariants[k % maskVariants.count] : [:])
            emitted += try engine.feed(cueFrame).count
            let elapsed = clock.now - start
            let cpu = threadCPUMicroseconds() - cpuStart
            if k >= warmup {
                times.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
                cpuTimes.append(cpu)
            }
        }
        cpuTimes.sort()
        let cpuMedian = cpuTimes.sortedMedian
        let cpuP90 = cpuTimes.sortedQuantile(0.9)
        let tracks = engine.tracker.tracks.count
        times.sort()
        let median = times.sortedMedian
        let p90 = times.sortedQuantile(0.9)
        let mean = times.reduce(0, +) / Double(times.count)
        let p99 = times.sortedQuantile(0.99)
        if json {
            print(String(format: "{\"objects\": %d, \"tracks\": %d, \"frames\": %d, \"masks\": %@, \"median_us\": %.1f, \"p90_us\": %.1f, \"p99_us\": %.1f, \"mean_us\": %.1f, \"cpu_median_us\": %.1f, \"cpu_p90_us\": %.1f, \"cues\": %d}",
                         objects, tracks, frames, (masks ? "true" : "false") as NSString, median, p90, p99, mean, cpuMedian, cpuP90, emitted))
        } else {
            print("cue engine, \(objects) objects (\(tracks) live tracks)\(masks ? " and paving masks" : ""), \(frames) frames after \(warmup) warm-up")
            print(String(format: "wall per frame: median %.1f us, p90 %.1f us, p99 %.1f us, mean %.1f us (%d cues emitted)",
                         median, p90, p99, mean, emitted))
            print(String(format: "thread CPU per frame: median %.1f us, p90 %.1f us (unaffected by other processes)",
                         cpuMedian, cpuP90))
        }
    }
}

/// CPU time consumed by the calling thread, in microseconds.
func threadCPUMicroseconds() -> Double { cpuMicroseconds(CLOCK_THREAD_CPUTIME_ID) }

/// CPU time consumed by all threads of the process (workers spinning or computing included), in
/// microseconds.
func processCPUMicroseconds() -> Double { cpuMicroseconds(CLOCK_PROCESS_CPUTIME_ID) }

private func cpuMicroseconds(_ clock: clockid_t) -> Double {
    var ts = timespec()
    clock_gettime(clock, &ts)
    return Double(ts.tv_sec) * 1e6 + Double(ts.tv_nsec) / 1e3
}
