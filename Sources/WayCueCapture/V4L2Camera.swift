#if os(Linux)
import CWayCueV4L2
import Foundation

/// One frame's raw bytes, copied out of the driver's buffer.
struct RawFrame {
    var bytes: [UInt8]
    var format: V4L2StreamFormat
    var timestamp: Double
    var sequence: UInt64
    var receivedAt: Double
}

/// A V4L2 camera streaming through mmap buffers, delivering the newest frame.
///
/// A capture thread owns the device: it polls with a timeout, dequeues each buffer, copies the
/// bytes out, queues the buffer again at once, and keeps only the newest frame. ``next()``
/// takes that frame and converts it to RGB on the consumer's thread, so a slow consumer always
/// gets a fresh frame, older ones are counted in ``statistics`` as dropped, and no queue grows.
///
/// Faults: EINTR and EAGAIN are retried. Timeouts, I/O errors and unplugs (ENODEV) are
/// reported as ``CaptureEvent``s; the camera then closes the device and reopens it with
/// exponential back-off until it comes back, while ``next()`` waits.
///
/// Call ``close()`` when done: the capture thread keeps the camera alive until then.
public final class V4L2Camera: FrameSource, @unchecked Sendable {
    /// The device node.
    public let path: String
    /// The negotiation and fault-handling settings.
    public let configuration: V4L2CaptureConfiguration
    public var name: String { path }

    private let io: any V4L2DeviceIO
    private let eventHandler: (@Sendable (CaptureEvent) -> Void)?

    // Owned by whoever holds `deviceLock` (the capture thread once running).
    private let deviceLock = NSLock()
    private var fd: Int32 = -1
    private var buffers: [(address: UnsafeMutableRawPointer, length: Int)] = []
    private var deviceStreaming = false
    private var currentFormat: V4L2StreamFormat

    // Shared with consumers; guarded by `state`.
    private let state = NSCondition()
    private var latest: RawFrame?
    private var closed = false
    private var threadFinished = false
    private var wantStreaming = true
    private var isStreaming = false
    private var terminalError: CaptureError?
    private var stats = CaptureStatistics()
    private var events: [CaptureEvent] = []
    private var sequence: UInt64 = 0

    /// Opens the device, negotiates a format and starts streaming.
    ///
    /// - Parameters:
    ///   - path: The device node, such as `/dev/video0`.
    ///   - configuration: Size, formats, frame rate, buffers and fault handling.
    ///   - io: The device access; ``LibV4L2DeviceIO`` unless testing.
    ///   - eventHandler: Called for each ``CaptureEvent`` on the capture thread (or, for a frame
    ///     that fails to decode, on the thread calling ``next()``); keep it short and do not call
    ///     ``close()`` from it.
    /// - Throws: ``CaptureError/notFound(path:)``, ``CaptureError/busy(path:)``,
    ///   ``CaptureError/permissionDenied(path:)``, ``CaptureError/notACaptureDevice(path:reason:)``,
    ///   ``CaptureError/noUsableFormat(path:offered:)`` or ``CaptureError/deviceFailure(path:operation:code:)``.
    public init(
        path: String, configuration: V4L2CaptureConfiguration = V4L2CaptureConfiguration(),
        io: any V4L2DeviceIO = LibV4L2DeviceIO(), eventHandler: (@Sendable (CaptureEvent) -> Void)? = nil
    ) throws {
        self.path = path
        self.configuration = configuration
        self.io = io
        self.eventHandler = eventHandler
        currentFormat = V4L2StreamFormat(pixelFormat: .mjpeg, width: 0, height: 0, bytesPerLine: 0, sizeImage: 0)
        currentFormat = try connect()
        isStreaming = true
        report(.started(currentFormat))
        let thread = Thread { [self] in captureLoop() }
        thread.name = "waycue.capture \(path)"
        thread.start()
    }

    deinit {
        // The capture thread holds a strong reference until it finishes, so reaching here means
        // it has already torn the device down.
    }

    /// The format the device streams now, as read back from the driver.
    public var format: V4L2StreamFormat {
        deviceLock.lock()
        defer { deviceLock.unlock() }
        return currentFormat
    }

    /// Counters so far: frames captured, delivered, dropped, faults and reconnections.
    public var statistics: CaptureStatistics {
        state.lock()
        defer { state.unlock() }
        return stats
    }

    /// The last (up to 100) events, oldest first.
    public var recentEvents: [CaptureEvent] {
        state.lock()
        defer { state.unlock() }
        return events
    }

    /// Whether the device is streaming now (false while stopped or reconnecting).
    public var streaming: Bool {
        state.lock()
        defer { state.unlock() }
        return isStreaming
    }

    // MARK: Consumer side

    public func next() throws -> Frame? { try next(timeout: nil) }

    /// Like ``next()``, but waits at most `timeout` seconds for a frame.
    ///
    /// - Throws: ``CaptureError/frameTimeout(path:seconds:)`` when no frame arrives in time, and
    ///   ``CaptureError/disconnected(path:)`` once reconnection has given up.
    public func next(timeout: Double?) throws -> Frame? {
        let deadline = timeout.map { Date().addingTimeInterval($0) }
        while true {
            state.lock()
            while latest == nil && !closed && terminalError == nil {
                if let deadline {
                    if !state.wait(until: deadline) && latest == nil && !closed && terminalError == nil {
                        state.unlock()
                        throw CaptureError.frameTimeout(path: path, seconds: timeout ?? 0)
                    }
                } else {
                    state.wait()
                }
            }
            if closed {
                latest = nil
                state.unlock()
                return nil
            }
            if let raw = latest {
                latest = nil
                state.unlock()
                do {
                    let frame = try decode(raw)
                    state.lock()
                    stats.framesDelivered += 1
                    state.unlock()
                    return frame
                } catch {
                    state.lock()
                    stats.badFrames += 1
                    state.unlock()
                    report(.badFrame(reason: "\(error)"))
                    continue
                }
            }
            let error = terminalError
            state.unlock()
            if let error { throw error }
            return nil
        }
    }

    private func decode(_ raw: RawFrame) throws -> Frame {
        let format = raw.format
        let image = try raw.bytes.withUnsafeBytes { bytes in
            try FrameDecoding.rgbImage(
                bytes, format: format.pixelFormat, width: format.width, height: format.height,
                bytesPerLine: format.bytesPerLine, source: "\(path) frame \(raw.sequence)")
        }
        let compressed = format.pixelFormat == .mjpeg || format.pixelFormat == .jpeg
        return Frame(
            image: image, timestamp: raw.timestamp, sequence: raw.sequence, sourceFormat: format.pixelFormat,
            jpegData: compressed ? raw.bytes : nil, receivedAt: raw.receivedAt)
    }

    /// Stops streaming (`VIDIOC_STREAMOFF`) but keeps the device open; blocks until done.
    public func stopStreaming() { setStreaming(false) }

    /// Starts streaming again after ``stopStreaming()``; blocks until done (or until the device
    /// has to be reconnected first).
    public func startStreaming() { setStreaming(true) }

    private func setStreaming(_ on: Bool) {
        state.lock()
        wantStreaming = on
        if !on { latest = nil }
        state.broadcast()
        let deadline = Date().addingTimeInterval(5)
        while isStreaming != on && !closed && !threadFinished && terminalError == nil {
            if !state.wait(until: deadline) { break }
        }
        state.unlock()
    }

    public func close() {
        state.lock()
        closed = true
        state.broadcast()
        while !threadFinished { state.wait() }
        state.unlock()
    }

    /// Runs `body` with the open descriptor (-1 while reconnecting), holding the device lock.
    func withDevice<T>(_ body: (Int32, any V4L2DeviceIO) throws -> T) rethrows -> T {
        deviceLock.lock()
        defer { deviceLock.unlock() }
        return try body(fd, io)
    }

    // MARK: Events

    private func report(_ event: CaptureEvent) {
        state.lock()
        events.append(event)
        if events.count > 100 { events.removeFirst(events.count - 100) }
        state.unlock()
        eventHandler?(event)
    }

    private func count(_ update: (inout CaptureStatistics) -> Void) {
        state.lock()
        update(&stats)
        state.unlock()
    }

    // MARK: Capture thread

    private func captureLoop() {
        var delay = configuration.reconnectInitialDelay
        var attempt = 0
        var waited = 0.0
        var consecutiveTimeouts = 0
        let slice = min(configuration.frameTimeout, 0.05)
        while true {
            state.lock()
            let stop = closed
            let want = wantStreaming
            state.unlock()
            if stop { break }

            deviceLock.lock()
            let connected = fd >= 0
            deviceLock.unlock()
            if !connected {
                guard configuration.reconnects else {
                    giveUp(CaptureError.disconnected(path: path), reason: "reconnection is disabled")
                    break
                }
                attempt += 1
                let previous = currentFormat
                do {
                    let format = try connect()
                    count { $0.reconnects += 1 }
                    report(.reconnected(format))
                    if format != previous { report(.formatChanged(from: previous, to: format)) }
                    setPublishedStreaming(deviceStreaming)
                    delay = configuration.reconnectInitialDelay
                    attempt = 0
                    waited = 0
                    consecutiveTimeouts = 0
                } catch {
                    if let limit = configuration.maxReconnectAttempts, attempt >= limit {
                        giveUp(CaptureError.disconnected(path: path), reason: "\(attempt) reconnection attempts failed: \(error)")
                        break
                    }
                    report(.reconnectFailed(attempt: attempt, reason: "\(error)", retryIn: delay))
                    pause(delay)
                    delay = min(delay * 2, configuration.reconnectMaxDelay)
                }
                continue
            }

            if want != deviceStreaming {
                deviceLock.lock()
                let code = want ? streamOn() : streamOff()
                deviceLock.unlock()
                if code != 0 {
                    fault(operation: want ? "VIDIOC_STREAMON" : "VIDIOC_STREAMOFF", code: code)
                } else {
                    // A frame from before the stop is stale once streaming stops or restarts.
                    state.lock()
                    latest = nil
                    state.unlock()
                    report(want ? .streamRestarted : .streamStopped)
                    setPublishedStreaming(want)
                    waited = 0
                }
                continue
            }
            if !deviceStreaming {
                state.lock()
                if wantStreaming == false && !closed { _ = state.wait(until: Date().addingTimeInterval(0.1)) }
                state.unlock()
                continue
            }

            switch io.poll(fd, timeoutMilliseconds: Int32(slice * 1000)) {
            case .failure(let error):
                if error.code == EINTR || error.code == EAGAIN {
                    count { $0.retries += 1 }
                } else {
                    fault(operation: "poll", code: error.code)
                }
            case .success(.timedOut):
                waited += slice
                if waited >= configuration.frameTimeout {
                    waited = 0
                    consecutiveTimeouts += 1
                    count { $0.timeouts += 1 }
                    report(.timeout(seconds: configuration.frameTimeout))
                    if consecutiveTimeouts >= configuration.timeoutsBeforeRestart {
                        consecutiveTimeouts = 0
                        restart()
                    }
                }
            case .success(.ready), .success(.error):
                if dequeue() {
                    waited = 0
                    consecutiveTimeouts = 0
                }
            }
        }
        deviceLock.lock()
        teardown()
        deviceLock.unlock()
        state.lock()
        threadFinished = true
        isStreaming = false
        state.broadcast()
        state.unlock()
    }

    private func setPublishedStreaming(_ on: Bool) {
        state.lock()
        isStreaming = on
        state.broadcast()
        state.unlock()
    }

    private func giveUp(_ error: CaptureError, reason: String) {
        report(.gaveUp(reason: reason))
        state.lock()
        terminalError = error
        state.broadcast()
        state.unlock()
    }

    /// Waits `seconds`, or less when the camera is closed meanwhile.
    private func pause(_ seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        state.lock()
        while !closed && Date() < deadline { _ = state.wait(until: deadline) }
        state.unlock()
    }

    /// Dequeues one buffer; returns whether a frame (good or bad) came out.
    private func dequeue() -> Bool {
        deviceLock.lock()
        var buffer = v4l2_buffer()
        buffer.type = V4L2Constant.captureType
        buffer.memory = V4L2Constant.memoryMap
        let code = io.control(fd, V4L2Request.dequeueBuffer, &buffer)
        if code == EAGAIN || code == EINTR {
            deviceLock.unlock()
            count { $0.retries += 1 }
            return false
        }
        if code != 0 {
            deviceLock.unlock()
            fault(operation: "VIDIOC_DQBUF", code: code)
            return false
        }
        let index = Int(buffer.index)
        guard index < buffers.count else {
            deviceLock.unlock()
            fault(operation: "VIDIOC_DQBUF", code: EINVAL)
            return false
        }
        let used = min(Int(buffer.bytesused), buffers[index].length)
        let format = currentFormat
        var problem: String?
        var bytes: [UInt8] = []
        if buffer.flags & V4L2Constant.bufferFlagError != 0 {
            problem = "driver flagged buffer \(index) as damaged"
        } else if used == 0 {
            problem = "empty buffer"
        } else if let needed = YUVConversion.frameBytes(
            format.pixelFormat, width: format.width, height: format.height,
            bytesPerLine: max(format.bytesPerLine, 1)), used < needed
        {
            problem = "short frame: \(used) of \(needed) bytes"
        } else {
            bytes = Array(UnsafeRawBufferPointer(start: buffers[index].address, count: used))
        }
        // Read the timestamp before queueing the buffer again: VIDIOC_QBUF rewrites the struct.
        let timestamp: Double
        if buffer.flags & V4L2Constant.bufferFlagTimestampMask == V4L2Constant.bufferFlagTimestampMonotonic,
            buffer.timestamp.tv_sec != 0 || buffer.timestamp.tv_usec != 0
        {
            timestamp = Double(buffer.timestamp.tv_sec) + Double(buffer.timestamp.tv_usec) / 1e6
        } else {
            timestamp = MonotonicClock.now()
        }
        let requeue = io.control(fd, V4L2Request.queueBuffer, &buffer)
        deviceLock.unlock()
        if let problem {
            count { $0.badFrames += 1 }
            report(.badFrame(reason: problem))
        } else {
            state.lock()
            if latest != nil { stats.framesDropped += 1 }
            latest = RawFrame(
                bytes: bytes, format: format, timestamp: timestamp, sequence: sequence, receivedAt: MonotonicClock.now())
            sequence += 1
            stats.framesCaptured += 1
            state.signal()
            state.unlock()
        }
        if requeue != 0 { fault(operation: "VIDIOC_QBUF", code: requeue) }
        return true
    }

    /// Reports a device fault and closes the device so the loop reopens it.
    private func fault(operation: String, code: Int32) {
        if code == ENODEV || code == ENXIO {
            count { $0.disconnects += 1 }
            report(.disconnected)
        } else {
            count { $0.ioErrors += 1 }
            report(.ioError(operation: operation, code: code))
        }
        restart()
    }

    /// Closes the device; the capture loop reopens it.
    private func restart() {
        deviceLock.lock()
        teardown()
        deviceLock.unlock()
        setPublishedStreaming(false)
    }

    // MARK: Device setup (call with `deviceLock` held, or before the thread starts)

    /// Opens the device, negotiates the format and frame rate, maps buffers and starts
    /// streaming if wanted. On failure the device is closed again.
    private func connect() throws -> V4L2StreamFormat {
        deviceLock.lock()
        defer { deviceLock.unlock() }
        let fd = try V4L2Query.open(path, io: io)
        self.fd = fd
        do {
            let capability = try V4L2Query.captureCapability(fd, path: path, io: io)
            _ = capability
            let format = try negotiate()
            try mapBuffers()
            state.lock()
            let want = wantStreaming
            state.unlock()
            if want {
                let code = streamOn()
                if code != 0 { throw V4L2Query.openError(path: path, code: code, operation: "VIDIOC_STREAMON") }
            }
            currentFormat = format
            return format
        } catch {
            teardown()
            throw error
        }
    }

    private func negotiate() throws -> V4L2StreamFormat {
        let offered = V4L2Query.formats(fd, io: io).filter { !$0.emulated }
        let candidates = configuration.preferredFormats.filter { wanted in
            offered.contains { $0.fourCC == wanted.fourCC }
        }
        guard !candidates.isEmpty else {
            throw CaptureError.noUsableFormat(path: path, offered: offered.map { $0.fourCC.description })
        }
        for wanted in candidates {
            var format = v4l2_format()
            format.type = V4L2Constant.captureType
            format.fmt.pix.width = UInt32(max(configuration.width, 1))
            format.fmt.pix.height = UInt32(max(configuration.height, 1))
            format.fmt.pix.pixelformat = wanted.fourCC!.rawValue
            format.fmt.pix.field = V4L2Constant.fieldAny
            let code = io.control(fd, V4L2Request.setFormat, &format)
            if code == EINVAL { continue }
            if code != 0 { throw V4L2Query.openError(path: path, code: code, operation: "VIDIOC_S_FMT") }
            // Read back what the driver actually chose: it may change the size or the format.
            var actual = v4l2_format()
            actual.type = V4L2Constant.captureType
            if io.control(fd, V4L2Request.getFormat, &actual) != 0 { actual = format }
            let pix = actual.fmt.pix
            guard let pixelFormat = SourcePixelFormat(fourCC: FourCC(rawValue: pix.pixelformat)),
                configuration.preferredFormats.contains(pixelFormat), pix.width > 0, pix.height > 0
            else { continue }
            var bytesPerLine = Int(pix.bytesperline)
            if bytesPerLine == 0 {
                bytesPerLine = Int(pix.width) * (pixelFormat == .yuyv ? 2 : pixelFormat == .rgb24 ? 3 : 1)
            }
            return V4L2StreamFormat(
                pixelFormat: pixelFormat, width: Int(pix.width), height: Int(pix.height),
                bytesPerLine: bytesPerLine, sizeImage: Int(pix.sizeimage), framesPerSecond: negotiateFrameRate())
        }
        throw CaptureError.noUsableFormat(path: path, offered: offered.map { $0.fourCC.description })
    }

    /// Asks for the configured frame rate if the driver supports it; returns the rate it reports.
    private func negotiateFrameRate() -> Double? {
        var parameters = v4l2_streamparm()
        parameters.type = V4L2Constant.captureType
        guard io.control(fd, V4L2Request.getParameters, &parameters) == 0 else { return nil }
        if let rate = configuration.framesPerSecond, rate > 0,
            parameters.parm.capture.capability & V4L2Constant.capabilityTimePerFrame != 0
        {
            parameters.parm.capture.timeperframe.numerator = 1000
            parameters.parm.capture.timeperframe.denominator = UInt32((rate * 1000).rounded())
            if io.control(fd, V4L2Request.setParameters, &parameters) != 0 {
                parameters.type = V4L2Constant.captureType
                _ = io.control(fd, V4L2Request.getParameters, &parameters)
            }
        }
        let interval = parameters.parm.capture.timeperframe
        guard interval.numerator > 0, interval.denominator > 0 else { return nil }
        return Double(interval.denominator) / Double(interval.numerator)
    }

    private func mapBuffers() throws {
        var request = v4l2_requestbuffers()
        request.count = UInt32(min(max(configuration.bufferCount, 2), 32))
        request.type = V4L2Constant.captureType
        request.memory = V4L2Constant.memoryMap
        let code = io.control(fd, V4L2Request.requestBuffers, &request)
        if code != 0 { throw V4L2Query.openError(path: path, code: code, operation: "VIDIOC_REQBUFS") }
        guard request.count > 0 else {
            throw CaptureError.deviceFailure(path: path, operation: "VIDIOC_REQBUFS (no buffers granted)", code: ENOMEM)
        }
        for index in 0..<Int(request.count) {
            var buffer = v4l2_buffer()
            buffer.index = UInt32(index)
            buffer.type = V4L2Constant.captureType
            buffer.memory = V4L2Constant.memoryMap
            let code = io.control(fd, V4L2Request.queryBuffer, &buffer)
            if code != 0 { throw V4L2Query.openError(path: path, code: code, operation: "VIDIOC_QUERYBUF") }
            switch io.mmap(fd, length: Int(buffer.length), offset: Int(buffer.m.offset)) {
            case .success(let address): buffers.append((address, Int(buffer.length)))
            case .failure(let error): throw V4L2Query.openError(path: path, code: error.code, operation: "mmap")
            }
        }
    }

    /// Queues every buffer and starts streaming; returns 0 or the errno.
    private func streamOn() -> Int32 {
        for index in buffers.indices {
            var buffer = v4l2_buffer()
            buffer.index = UInt32(index)
            buffer.type = V4L2Constant.captureType
            buffer.memory = V4L2Constant.memoryMap
            let code = io.control(fd, V4L2Request.queueBuffer, &buffer)
            if code != 0 { return code }
        }
        var type = Int32(bitPattern: V4L2Constant.captureType)
        let code = io.control(fd, V4L2Request.streamOn, &type)
        if code == 0 { deviceStreaming = true }
        return code
    }

    /// Stops streaming; the driver returns every buffer to the application.
    private func streamOff() -> Int32 {
        var type = Int32(bitPattern: V4L2Constant.captureType)
        let code = io.control(fd, V4L2Request.streamOff, &type)
        if code == 0 { deviceStreaming = false }
        return code
    }

    /// Stops streaming, unmaps the buffers and closes the device; ignores errors (the device
    /// may already be gone).
    private func teardown() {
        guard fd >= 0 else { return }
        if deviceStreaming { _ = streamOff() }
        deviceStreaming = false
        for buffer in buffers { io.munmap(buffer.address, length: buffer.length) }
        buffers.removeAll()
        var release = v4l2_requestbuffers()
        release.count = 0
        release.type = V4L2Constant.captureType
        release.memory = V4L2Constant.memoryMap
        _ = io.control(fd, V4L2Request.requestBuffers, &release)
        io.close(fd)
        fd = -1
    }
}
#endif
