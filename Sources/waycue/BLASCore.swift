import Foundation
import WayCueNN
#if canImport(Glibc)
import Glibc
#endif

/// Re-executes with `OPENBLAS_CORETYPE` set when OpenBLAS picked a weaker kernel set than this
/// CPU supports (the core type can only be chosen before the library loads).
///
/// Debian's OpenBLAS 0.3.21 does not recognise Zen 4 and falls back to SSE3 kernels, about
/// 4.5x slower than its SkylakeX kernels on the same core. `waycue` calls this once at start,
/// before any subcommand runs, so every command (detect, eval, run, serve, bench, train...)
/// gets the better kernels. Setting `OPENBLAS_CORETYPE` yourself, or `--keep-blas-core`
/// (`waycue bench engine`), turns it off.
func reexecWithBetterBLASCore() {
    #if os(Linux)
    guard getenv("OPENBLAS_CORETYPE") == nil, !CommandLine.arguments.contains("--keep-blas-core"),
        let core = BLASInfo.recommendedCoreType else { return }
    setenv("OPENBLAS_CORETYPE", core, 1)
    var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) }
    argv.append(nil)
    execv("/proc/self/exe", argv) // returns only on failure: then run with what we have
    #endif
}
