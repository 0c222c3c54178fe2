import Foundation
import WayCueDetector

/// Why the pool did not run a job.
public enum InferencePoolError: Error, Sendable, Equatable {
    /// The queue already holds `capacity` waiting jobs.
    case queueFull
    /// The job's deadline passed while it waited in the queue.
    case timedOut
    /// The pool is shutting down and takes no new job.
    case shuttingDown
}

/// A fixed set of worker threads, each owning one detector, fed by a bounded FIFO queue.
///
/// A job that finds the queue full fails at once with ``InferencePoolError/queueFull``: the
/// queue never grows past its capacity. A job whose deadline passes while it waits is not run.
/// Detectors are not thread-safe, so each instance is used by exactly one worker thread.
public final class InferencePool: @unchecked Sendable {
    /// The model identifier reported by the detectors.
    public let modelID: String
    /// The classes the detectors can report.
    public let classes: [ObjectClass]
    /// Number of worker threads (and detector instances).
    public let workers: Int
    /// Most jobs that may wait beyond those that idle workers are about to take.
    public let capacity: Int

    private let condition = NSCondition()
    private var queue: [Job] = []
    private var head = 0
    private var running = 0
    private var stopping = false
    private var alive = 0
    private let clock = ContinuousClock()

    final class Job: @unchecked Sendable {
        let deadline: ContinuousClock.Instant?
        let enqueued: ContinuousClock.Instant
        let body: (any ObjectDetecting) -> Void
        let fail: (any Error) -> Void
        var cancelled = false
        init(deadline: ContinuousClock.Instant?, enqueued: ContinuousClock.Instant,
             body: @escaping (any ObjectDetecting) -> Void, fail: @escaping (any Error) -> Void) {
            self.deadline = deadline
            self.enqueued = enqueued
            self.body = body
            self.fail = fail
        }
    }

    /// Creates `workers` detectors with `makeDetector` (on the calling thread, so that a model
    /// that fails to load fails here) and starts one thread per detector.
    public init(workers: Int, capacity: Int,
                makeDetector: () throws -> any ObjectDetecting) throws {
        guard workers >= 1 else { throw ServerSetupError.invalidSetting("threads", "must be at least 1") }
        guard capacity >= 0 else { throw ServerSetupError.invalidSetting("queue", "must be 0 or more") }
        var detectors: [any ObjectDetecting] = []
        for _ in 0..<workers { detectors.append(try makeDetector()) }
        modelID = detectors[0].modelID
        classes = detectors[0].classes
        self.workers = workers
        self.capacity = capacity
        alive = workers
        for (i, detector) in detectors.enumerated() {
            let box = DetectorBox(detector)
            let thread = Thread { [self] in self.workerLoop(box.detector) }
            thread.name = "waycue-infer-\(i)"
            thread.start()
        }
    }

    private final class DetectorBox: @unchecked Sendable {
        let detector: any ObjectDetecting
        init(_ d: any ObjectDetecting) { detector = d }
    }

    /// Jobs waiting in the queue.
    public var queueDepth: Int {
        condition.lock(); defer { condition.unlock() }
        return queue.count - head
    }

    /// Jobs being run now.
    public var busyWorkers: Int {
        condition.lock(); defer { condition.unlock() }
        return running
    }

    /// Runs `work` on a worker's detector and returns its result and the seconds it waited.
    ///
    /// - Throws: ``InferencePoolError`` (queue full, deadline passed, shutting down), the
    ///   error `work` threw, or `CancellationError` when the calling task is cancelled before a
    ///   worker took the job.
    public func run<T: Sendable>(
        deadline: ContinuousClock.Instant? = nil,
        _ work: @escaping @Sendable (any ObjectDetecting) throws -> T
    ) async throws -> (value: T, queueSeconds: Double) {
        let once = Once<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                once.set(continuation)
                let enqueued = clock.now
                let job = Job(
                    deadline: deadline, enqueued: enqueued,
                    body: { [clock] detector in
                        let waited = (clock.now - enqueued).seconds
                        once.resume(Result { (value: try work(detector), queueSeconds: waited) })
                    },
                    fail: { once.resume(.failure($0)) })
                condition.lock()
                once.job = job
                if stopping {
                    condition.unlock()
                    once.resume(.failure(InferencePoolError.shuttingDown))
                } else if queue.count - head >= capacity + (workers - running) {
                    condition.unlock()
                    once.resume(.failure(InferencePoolError.queueFull))
                } else if once.isCancelled {
                    condition.unlock()
                    once.resume(.failure(CancellationError()))
                } else {
                    queue.append(job)
                    condition.signal()
                    condition.unlock()
                }
            }
        } onCancel: {
            condition.lock()
            once.job?.cancelled = true
            condition.unlock()
            once.cancel()
        }
    }

    /// Stops taking jobs, lets the workers finish every queued job, and waits for them to end.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while alive > 0 { condition.wait() }
        condition.unlock()
    }

    private func workerLoop(_ detector: any ObjectDetecting) {
        while true {
            condition.lock()
            while queue.count == head && !stopping { condition.wait() }
            if queue.count == head {
                alive -= 1
                condition.broadcast()
                condition.unlock()
                return
            }
            let job = queue[head]
            head += 1
            if head > 64 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            let cancelled = job.cancelled
            running += 1
            condition.unlock()
            if cancelled {
                job.fail(CancellationError())
            } else if let deadline = job.deadline, clock.now > deadline {
                job.fail(InferencePoolError.timedOut)
            } else {
                job.body(detector)
            }
            condition.lock()
            running -= 1
            condition.unlock()
        }
    }
}

/// A continuation resumed exactly once, from whichever side gets there first.
final class Once<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<(value: T, queueSeconds: Double), any Error>?
    private var done = false
    private var cancelledFlag = false
    /// The queued job (guarded by the pool's lock).
    var job: InferencePool.Job?

    init() {}

    var isCancelled: Bool {
        lock.lock(); defer { lock.unlock() }
        return cancelledFlag
    }

    func set(_ c: CheckedContinuation<(value: T, queueSeconds: Double), any Error>) {
        lock.lock()
        continuation = c
        lock.unlock()
    }

    func resume(_ result: Result<(value: T, queueSeconds: Double), any Error>) {
        lock.lock()
        guard !done, let c = continuation else { lock.unlock(); return }
        done = true
        continuation = nil
        lock.unlock()
        c.resume(with: result)
    }

    func cancel() {
        lock.lock()
        cancelledFlag = true
        lock.unlock()
        resume(.failure(CancellationError()))
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}
