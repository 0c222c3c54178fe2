import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGINT and SIGTERM into a call on a dispatch queue (through `DispatchSource` signal
/// sources, so the handler may do anything, unlike a C signal handler), for a clean shutdown:
///
/// ```swift
/// let signals = ShutdownSignals { _, _ in pipeline.stop() }
/// let report = try pipeline.run()
/// signals.cancel()
/// ```
///
/// While installed, the signals' default actions are ignored; ``cancel()`` restores them.
public final class ShutdownSignals: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let signals: [Int32]

    /// Installs the handler for `signals` (SIGINT and SIGTERM by default). `handler` gets the
    /// signal number and how many signals arrived so far (1 for the first).
    public init(signals: [Int32] = [SIGINT, SIGTERM], queue: DispatchQueue = .global(),
                handler: @escaping @Sendable (_ signal: Int32, _ count: Int) -> Void) {
        self.signals = signals
        let counter = SignalCounter()
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number, counter.increment()) }
            // Registration is asynchronous: wait for it, so a signal sent right after `init`
            // returns is not lost to SIG_IGN.
            let registered = DispatchSemaphore(value: 0)
            source.setRegistrationHandler { registered.signal() }
            source.resume()
            _ = registered.wait(timeout: .now() + 2)
            sources.append(source)
        }
    }

    /// Removes the handlers and restores the default actions.
    public func cancel() {
        for source in sources { source.cancel() }
        sources.removeAll()
        for number in signals { signal(number, SIG_DFL) }
    }

    deinit { for source in sources { source.cancel() } }
}

private final class SignalCounter: @unchecked Sendable {
    private var count = 0
    private let lock = DispatchQueue(label: "waycue.signals.count")
    func increment() -> Int { lock.sync { count += 1; return count } }
}
