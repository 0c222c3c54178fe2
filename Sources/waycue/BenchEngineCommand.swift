import ArgumentParser
import CWayCueAllocCounter
import WayCueNN
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `waycue bench engine`: times a whole network in WayCueNN (random weights), with allocation
/// counts and peak memory, so that it can be compared with ncnn running the same graph.
struct BenchEngineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Time a network graph in the WayCueNN engine (median/p90 ms, allocations, RSS).",
        discussion: """
            The graph is read from a peer's ncnn .param layer list and given seeded random weights.
            Allocations are counted by a malloc interposer linked into this executable (glibc):
            every malloc/calloc/realloc/posix_memalign/aligned_alloc/memalign call in the process
            during the timed runs, divided by the number of runs.

            Examples:
              waycue bench engine --graph nanodet-m --size 320 --threads 1 --precision fp32 --runs 100 --json
              waycue bench engine --graph nanodet-m --precision int8 --per-op
            """)

    @Option(help: "Graph name (nanodet-m, yolo-fastestv2, ...) resolved to <peers>/ncnn/<name>.param.")
    var graph = "nanodet-m"
    @Option(help: "Path of the .param file (overrides --graph lookup).")
    var param: String?
    @Option(help: "A .wcm model to time instead of a peer graph (e.g. one imported from ONNX).")
    var model: String?
    @Option(help: "Input size (square); must match the graph's input.")
    var size = 320
    @Option(help: "Threads (pool and BLAS).")
    var threads = 1
    @Option(help: "fp32 or int8.")
    var precision = "fp32"
    @Option(help: "Timed runs (after warm-up).")
    var runs = 100
    @Option(help: "Warm-up runs.")
    var warmup = 10
    @Flag(help: "Print one JSON object.")
    var json = false
    @Flag(help: "Keep OpenBLAS's own kernel choice even when it under-uses this CPU.")
    var keepBlasCore = false
    @Flag(name: .customLong("gemm-compare"), help: "Compare each pointwise/dense conv shape with raw sgemm (GFLOP/s).")
    var gemmCompare = false
    @Flag(name: .customLong("per-op"), help: "Print the per-op table (ms, GFLOP/s) of one profiled run.")
    var perOp = false
    @Option(help: ArgumentHelp("Start timed runs at this rate, as frames from a camera arrive (0: back to back). With cpu_ms_per_run it shows what idle workers cost between frames.",
                               valueName: "fps"))
    var paceFps = 0.0

    func resolveParam() throws -> String { try Self.resolve(graph: graph, param: param) }

    /// The .param path for a peer graph name (or `param` itself when given).
    static func resolve(graph: String, param: String?) throws -> String {
        if let param { return param }
        let file = String(graph.map { $0 == "-" ? "_" : $0 }) + ".param"
        var dirs: [String] = []
        if let env = getenv("WAYCUE_PEERS") { dirs.append(String(cString: env) + "/ncnn") }
        dirs += ["../shared/peers/ncnn", "/work/shared/peers/ncnn"]
        for d in dirs where access(d + "/" + file, R_OK) == 0 { return d + "/" + file }
        throw ValidationError("cannot find \(file); pass --param PATH or set WAYCUE_PEERS")
    }

    func run() throws {
        // The better OpenBLAS core is chosen in `WayCueCommand.main` (before BLAS loads), which
        // honours --keep-blas-core.
        guard let prec = Precision(rawValue: precision) else { throw ValidationError("--precision must be fp32 or int8") }
        guard runs > 0, threads > 0 else { throw ValidationError("--runs and --threads must be positive") }
        guard paceFps >= 0, paceFps <= 1000 else { throw ValidationError("--pace-fps must be within 0...1000") }
        let g = try model.map { try ModelFile.load(path: $0) } ?? NCNNParamImporter.importGraph(path: resolveParam(), seed: 42)
        guard let inShape = g.values.first(where: { g.inputs.contains($0.id) })?.shape,
              inShape.h == size, inShape.w == size else {
            throw ValidationError("graph input does not match --size \(size)")
        }
        var sample = Tensor(shape: inShape)
        sample.fillRandom(in: -1...1, seed: 7)
        var quantized = 0
        var int8Error = ""
        if prec == .int8 {
            let calib = try GraphRunner(graph: g, threads: 1, precision: .fp32)
            let samples = (0..<4).map { i -> Tensor in
                let t = Tensor(shape: inShape)
                t.fillRandom(in: -1...1, seed: 100 + UInt64(i))
                return t
            }
            quantized = try calib.calibrateInt8(samples: samples)
            try calib.run(sample)
            let ref = calib.outputs.map { Array(UnsafeBufferPointer(start: $0.data, count: $0.shape.count)) }
            let q = try GraphRunner(graph: g, threads: 1, precision: .int8)
            try q.run(sample)
            // Largest |int8 - fp32| over all outputs, relative to the largest |fp32| output.
            var maxDiff: Float = 0, maxRef: Float = 0
            for (o, r) in zip(q.outputs, ref) {
                for i in 0..<r.count { maxDiff = max(maxDiff, abs(o.data[i] - r[i])); maxRef = max(maxRef, abs(r[i])) }
            }
            int8Error = ",\"int8_max_rel_error_vs_fp32\":\(format3(Double(maxDiff / max(maxRef, 1e-12))))"
        }
        let runner = try GraphRunner(graph: g, threads: threads, precision: prec)
        try runner.run(sample)
        for _ in 0..<warmup { runner.run() }
        var times: [Double] = []
        times.reserveCapacity(runs)
        let cpu0 = processCPUMicroseconds()
        let a0 = wc_alloc_count()
        for _ in 0..<runs {
            let t0 = monotonicSeconds()
            runner.run()
            let t1 = monotonicSeconds()
            times.append((t1 - t0) * 1000)
            if paceFps > 0 {
                let rest = 1 / paceFps - (t1 - t0)
                if rest > 0 { usleep(UInt32(rest * 1e6)) }
            }
        }
        let a1 = wc_alloc_count()
        // CPU seconds of every thread of the process (workers spinning or computing) per run.
        let cpuPerRun = (processCPUMicroseconds() - cpu0) / Double(runs) / 1000
        times.sort()
        let median = times.sortedMedian
        let p90 = times.sortedQuantile(0.9)
        var ru = rusage()
        #if canImport(Glibc)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &ru)
        #else
        getrusage(RUSAGE_SELF, &ru)
        #endif
        let rssMB = Double(ru.ru_maxrss) / 1024
        let allocs = a0 < 0 ? -1 : Double(a1 - a0) / Double(runs)
        let gflop = g.flops / 1e9
        sample = Tensor(shape: TensorShape(c: 1, h: 1, w: 1))
        if perOp {
            var allocAt = [Int](repeating: 0, count: runner.graph.nodes.count + 1)
            var last = wc_alloc_count()
            runner.run { i in
                let now = wc_alloc_count()
                if i > 0 { allocAt[i - 1] = now - last }
                last = now
            }
            allocAt[runner.graph.nodes.count - 1] = wc_alloc_count() - last
            for (i, a) in allocAt.enumerated() where a > 0 {
                print("allocations in \(runner.graph.nodes[i].name) (\(runner.graph.nodes[i].op.name)): \(a)")
            }
            // Per-op medians over 15 profiled runs (single runs are noisy on a shared machine).
            runner.profiling = true
            var samples: [[Double]] = []
            for _ in 0..<15 {
                runner.run()
                samples.append(runner.profileTable().map(\.ms))
            }
            runner.profiling = false
            print(pad("node", 28) + pad("op", 14) + pad("output", 16) + pad("ms", 9) + "GFLOP/s")
            var opTotals: [String: Double] = [:]
            for (i, var r) in runner.profileTable().enumerated() {
                let ms = samples.map { $0[i] }.sorted().sortedMedian
                if let g = r.gflops { r.gflops = g * r.ms / max(ms, 1e-9) }
                r.ms = ms
                opTotals[r.op, default: 0] += ms
                if r.ms <= 0.0005 { continue }
                print(pad(r.name, 28) + pad(r.op, 14) + pad(r.shape, 16) + pad(String(format3(r.ms)), 9)
                      + (r.gflops.map { format3($0) } ?? ""))
            }
            print("per-op-type totals (sum of per-op medians, ms):")
            for (op, ms) in opTotals.sorted(by: { $0.value > $1.value }) where ms > 0.0005 {
                print("  " + pad(op, 14) + format3(ms))
            }
        }
        if gemmCompare {
            // Each distinct conv shape: our conv (median of profiled runs) vs raw sgemm M x N x K.
            runner.profiling = true
            var samples: [[Double]] = []
            for _ in 0..<21 { runner.run(); samples.append(runner.profileTable().map(\.ms)) }
            runner.profiling = false
            var seen = Set<String>()
            var oursTotal = 0.0, blasTotal = 0.0
            print(pad("conv (M x N x K)", 24) + pad("ours GFLOP/s", 14) + pad("sgemm GFLOP/s", 15) + "ratio")
            for (i, n) in runner.graph.nodes.enumerated() {
                guard case .conv(let c) = n.op, c.config.groups == 1 else { continue }
                let out = runner.graph.values[n.output].shape
                let m = c.config.outChannels, nn = out.plane, k = c.config.weightCount / m
                let key = "\(m)x\(nn)x\(k)"
                let ms = samples.map { $0[i] }.sorted().sortedMedian
                let flop = 2 * Double(m * nn * k)
                let blas = measureSGEMM(m: m, n: nn, k: k, runs: 21)
                oursTotal += ms / 1000; blasTotal += blas
                if seen.insert(key).inserted {
                    print(pad(key + (c.config.kernelH > 1 ? " (\(c.config.kernelH)x\(c.config.kernelW))" : ""), 24)
                          + pad(format3(flop / (ms / 1000) / 1e9), 14) + pad(format3(flop / blas / 1e9), 15)
                          + format3(blas / (ms / 1000)))
                }
            }
            print("all ungrouped convs: ours \(format3(oursTotal * 1000)) ms, raw sgemm \(format3(blasTotal * 1000)) ms, "
                  + "ours reaches \(format3(blasTotal / oursTotal * 100))% of sgemm GFLOP/s")
        }
        // What was timed: the model file when one was given, else the peer graph.
        let timed = model.map { $0.split(separator: "/").last.map(String.init) ?? $0 } ?? graph
        if json {
            print("""
                {"engine":"waycue","graph":"\(timed)","size":\(size),"threads":\(threads),"precision":"\(precision)",\
                "runs":\(runs),"median_ms":\(format3(median)),"p90_ms":\(format3(p90)),"min_ms":\(format3(times[0])),\
                "allocations_per_run":\(allocs),"peak_rss_mb":\(format3(rssMB)),"gflop":\(format3(gflop)),\
                "planned_mb":\(format3(Double(runner.plannedBytes) / 1048576)),"int8_convs":\(quantized),\
                "int8_kernel":"\(Int8Kernels.name)","blas_core":"\(BLASInfo.coreName)",\
                "cpu_ms_per_run":\(format3(cpuPerRun)),"pace_fps":\(format3(paceFps))\(int8Error)}
                """)
        } else {
            print("\(timed) \(size)x\(size) \(precision) \(threads) thread(s): median \(format3(median)) ms, p90 \(format3(p90)) ms, "
                  + "\(allocs) allocations/run, peak RSS \(format3(rssMB)) MB, \(format3(gflop)) GFLOP, "
                  + "CPU \(format3(cpuPerRun)) ms/run" + (paceFps > 0 ? " (\(format3(paceFps)) runs/s)" : ""))
        }
    }
}

private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
private func format3(_ v: Double) -> String {
    let r = (v * 1000).rounded() / 1000
    return "\(r)"
}
