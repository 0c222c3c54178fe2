#if os(Linux)
import CWayCueV4L2
import Foundation
import Glibc

/// An in-memory V4L2 camera behind the ``V4L2DeviceIO`` seam, for tests.
///
/// It answers the ioctls a capture program uses (capabilities, format enumeration and
/// negotiation with size rounding like a real driver, frame rates, mmap buffers, streaming,
/// controls) and plays a script of ``Step``s: frames, short or damaged frames, poll timeouts,
/// EINTR, EAGAIN, EIO, unplug and replug (optionally with different formats). When the script
/// runs out it keeps producing good frames every ``frameInterval`` seconds.
public final class ScriptedV4L2Device: V4L2DeviceIO, @unchecked Sendable {
    /// A format the fake device offers.
    public struct Format: Sendable {
        /// The pixel format code.
        public var fourCC: FourCC
        /// The discrete sizes, in the order `VIDIOC_ENUM_FRAMESIZES` lists them.
        public var sizes: [(width: Int, height: Int)]
        /// The frame rates offered for every size.
        public var framesPerSecond: [Double]

        /// Creates a format.
        public init(_ format: SourcePixelFormat, sizes: [(width: Int, height: Int)], framesPerSecond: [Double] = [30, 15]) {
            fourCC = format.fourCC ?? FourCC("????")
            self.sizes = sizes
            self.framesPerSecond = framesPerSecond
        }

        /// Creates a format from a raw code (for formats WayCue cannot convert).
        public init(fourCC: FourCC, sizes: [(width: Int, height: Int)], framesPerSecond: [Double] = [30]) {
            self.fourCC = fourCC
            self.sizes = sizes
            self.framesPerSecond = framesPerSecond
        }
    }

    /// One scripted event, consumed in order by `poll` and `VIDIOC_DQBUF`.
    public enum Step: Sendable {
        /// A good frame.
        case frame
        /// A frame whose `bytesused` is only this many bytes.
        case shortFrame(bytes: Int)
        /// A frame the driver flags with `V4L2_BUF_FLAG_ERROR`.
        case damagedFrame
        /// `poll` times out.
        case pollTimeout
        /// `poll` fails with EINTR.
        case pollInterrupted
        /// `VIDIOC_DQBUF` fails with EAGAIN.
        case dequeueAgain
        /// `VIDIOC_DQBUF` fails with EINTR.
        case dequeueInterrupted
        /// `VIDIOC_DQBUF` fails with EIO.
        case ioError
        /// The device is unplugged: open descriptors fail with ENODEV and `open` with ENOENT
        /// until `reappearAfter` more open attempts have failed; it then comes back, offering
        /// `formats` if given.
        case unplug(reappearAfter: Int, formats: [Format]?)
    }

    /// Produces a frame's bytes for a format, size and frame number.
    public typealias Content = @Sendable (_ format: FourCC, _ width: Int, _ height: Int, _ sequence: UInt64) -> [UInt8]

    /// The device node this fake answers to.
    public let path: String
    /// Real seconds between frames when the script has nothing special.
    public let frameInterval: Double

    private let lock = NSLock()
    private var formats: [Format]
    private var script: [Step]
    private let content: Content
    private var present = true
    private var reappearCountdown = 0
    private var replugFormats: [Format]?
    private var liveFDs: Set<Int32> = []
    private var nextFD: Int32 = 100
    private var owner: Int32?
    private var current: (fourCC: FourCC, width: Int, height: Int)
    private var rate: Double
    private var buffers: [(address: UnsafeMutableRawPointer, length: Int)] = []
    private var retired: [UnsafeMutableRawPointer] = []
    private var queued: [Int] = []
    private var isStreaming = false
    private var frameNumber: UInt64 = 0
    private var controlValues: [UInt32: Int32] = [:]
    private let controlRanges: [CameraControl: ClosedRange<Int>]
    private var counters = Counters()

    /// What the fake has seen, for assertions.
    public struct Counters: Sendable, Equatable {
        /// Successful opens.
        public var opens = 0
        /// Open attempts refused (absent or busy).
        public var refusedOpens = 0
        /// Closes.
        public var closes = 0
        /// Successful `VIDIOC_STREAMON` calls.
        public var streamOns = 0
        /// Successful `VIDIOC_STREAMOFF` calls.
        public var streamOffs = 0
        /// Buffers mapped and not yet unmapped.
        public var liveMappings = 0
        /// Frames handed out by `VIDIOC_DQBUF`.
        public var framesDequeued = 0
        /// Last requested size in `VIDIOC_S_FMT`.
        public var lastRequestedSize: [Int] = []
    }

    /// Whether another program holds the device: `VIDIOC_S_FMT` and `VIDIOC_REQBUFS` fail with
    /// EBUSY, as a UVC camera does.
    public var busy: Bool {
        get { lock.withLock { _busy } }
        set { lock.withLock { _busy = newValue } }
    }
    private var _busy = false

    /// Creates a fake camera.
    ///
    /// - Parameters:
    ///   - path: Its device node.
    ///   - formats: What it offers; the first format and size are its initial format.
    ///   - script: Steps to play before steady frames.
    ///   - frameInterval: Real seconds between frames.
    ///   - controls: Controls it offers, with their ranges (the default is the range's middle).
    ///   - content: Frame bytes; the default draws a moving grey ramp for raw formats and
    ///     needs replacing for MJPEG.
    public init(
        path: String = "/dev/video0", formats: [Format], script: [Step] = [], frameInterval: Double = 0.002,
        controls: [CameraControl: ClosedRange<Int>] = [:], content: Content? = nil
    ) {
        precondition(!formats.isEmpty && !formats[0].sizes.isEmpty, "a fake device needs a format and a size")
        self.path = path
        self.formats = formats
        self.script = script
        self.frameInterval = frameInterval
        self.content = content ?? ScriptedV4L2Device.ramp
        controlRanges = controls
        for (control, range) in controls { controlValues[control.id] = Int32((range.lowerBound + range.upperBound) / 2) }
        current = (formats[0].fourCC, formats[0].sizes[0].width, formats[0].sizes[0].height)
        rate = formats[0].framesPerSecond.first ?? 30
    }

    deinit {
        for buffer in buffers { buffer.address.deallocate() }
        for address in retired { address.deallocate() }
    }

    /// Appends steps to the script.
    public func play(_ steps: [Step]) { lock.withLock { script.append(contentsOf: steps) } }

    /// Steps not yet played.
    public var remainingSteps: Int { lock.withLock { script.count } }

    /// What the fake has seen so far.
    public var counts: Counters { lock.withLock { counters } }

    /// Whether the device is plugged in.
    public var isPresent: Bool { lock.withLock { present } }

    /// Unplugs the device now (see ``Step/unplug(reappearAfter:formats:)``).
    public func unplug(reappearAfter attempts: Int = Int.max, formats: [Format]? = nil) {
        lock.withLock { doUnplug(reappearAfter: attempts, formats: formats) }
    }

    /// Plugs the device back in now.
    public func replug(formats: [Format]? = nil) {
        lock.withLock {
            present = true
            if let formats { self.formats = formats }
        }
    }

    private func doUnplug(reappearAfter attempts: Int, formats: [Format]?) {
        present = false
        reappearCountdown = attempts
        replugFormats = formats
        liveFDs.removeAll()
        owner = nil
        isStreaming = false
        queued.removeAll()
        // The application still has these mapped; keep the memory until the fake goes away.
        retired.append(contentsOf: buffers.map(\.address))
        buffers.removeAll()
    }

    /// The default frame content: a ramp that moves by one level per frame.
    public static let ramp: Content = { format, width, height, sequence in
        let shift = UInt8(truncatingIfNeeded: sequence)
        switch format {
        case FourCC("YUYV"):
            var bytes = [UInt8](repeating: 128, count: width * height * 2)
            for y in 0..<height {
                for x in 0..<width { bytes[(y * width + x) * 2] = UInt8(truncatingIfNeeded: x + y) &+ shift }
            }
            return bytes
        case FourCC("NV12"):
            var bytes = [UInt8](repeating: 128, count: width * height + width * ((height + 1) / 2))
            for y in 0..<height {
                for x in 0..<width { bytes[y * width + x] = UInt8(truncatingIfNeeded: x + y) &+ shift }
            }
            return bytes
        default:
            return [UInt8](repeating: shift, count: width * height)
        }
    }

    // MARK: V4L2DeviceIO

    public func deviceNodes() -> [String] { lock.withLock { present ? [path] : [] } }

    public func open(_ path: String) -> Result<Int32, SystemError> {
        lock.withLock {
            guard path == self.path else { return .failure(SystemError(ENOENT)) }
            if !present {
                if reappearCountdown > 0 {
                    reappearCountdown -= 1
                    counters.refusedOpens += 1
                    return .failure(SystemError(ENOENT))
                }
                present = true
                if let replugFormats {
                    formats = replugFormats
                    let first = replugFormats[0]
                    current = (first.fourCC, first.sizes[0].width, first.sizes[0].height)
                }
            }
            let fd = nextFD
            nextFD += 1
            liveFDs.insert(fd)
            counters.opens += 1
            return .success(fd)
        }
    }

    public func close(_ fd: Int32) {
        lock.withLock {
            counters.closes += 1
            if liveFDs.remove(fd) != nil, owner == fd {
                owner = nil
                isStreaming = false
                queued.removeAll()
                releaseBuffers()
            }
        }
    }

    private func releaseBuffers() {
        if counters.liveMappings == 0 {
            for buffer in buffers { buffer.address.deallocate() }
        } else {
            retired.append(contentsOf: buffers.map(\.address))
        }
        buffers.removeAll()
    }

    public func mmap(_ fd: Int32, length: Int, offset: Int) -> Result<UnsafeMutableRawPointer, SystemError> {
        lock.withLock {
            guard liveFDs.contains(fd) else { return .failure(SystemError(ENODEV)) }
            let index = offset / Self.offsetStep
            guard offset % Self.offsetStep == 0, index < buffers.count, length <= buffers[index].length else {
                return .failure(SystemError(EINVAL))
            }
            counters.liveMappings += 1
            return .success(buffers[index].address)
        }
    }

    public func munmap(_ address: UnsafeMutableRawPointer, length: Int) {
        lock.withLock { counters.liveMappings -= 1 }
    }

    public func poll(_ fd: Int32, timeoutMilliseconds: Int32) -> Result<V4L2PollResult, SystemError> {
        lock.lock()
        guard liveFDs.contains(fd), isStreaming else {
            lock.unlock()
            return .success(.error)
        }
        switch script.first {
        case .pollTimeout?:
            script.removeFirst()
            lock.unlock()
            return .success(.timedOut)
        case .pollInterrupted?:
            script.removeFirst()
            lock.unlock()
            return .failure(SystemError(EINTR))
        case .unplug(let attempts, let formats)?:
            script.removeFirst()
            doUnplug(reappearAfter: attempts, formats: formats)
            lock.unlock()
            return .success(.error)
        default:
            let ready = !queued.isEmpty
            lock.unlock()
            if ready {
                MonotonicClock.sleep(frameInterval)
                return .success(.ready)
            }
            MonotonicClock.sleep(min(Double(timeoutMilliseconds) / 1000, 0.01))
            return .success(.timedOut)
        }
    }

    static let offsetStep = 1 << 24

    public func ioctl(_ fd: Int32, _ request: UInt, _ argument: UnsafeMutableRawPointer) -> Int32 {
        lock.withLock {
            guard liveFDs.contains(fd) else { return ENODEV }
            return handle(fd, request, argument)
        }
    }

    private func format(_ code: FourCC) -> Format? { formats.first { $0.fourCC == code } }

    private func fill(_ pix: inout v4l2_pix_format) {
        pix.width = UInt32(current.width)
        pix.height = UInt32(current.height)
        pix.pixelformat = current.fourCC.rawValue
        pix.field = V4L2Constant.fieldNone
        switch current.fourCC {
        case FourCC("YUYV"):
            pix.bytesperline = UInt32(current.width * 2)
            pix.sizeimage = UInt32(current.width * current.height * 2)
        case FourCC("NV12"):
            pix.bytesperline = UInt32(current.width)
            pix.sizeimage = UInt32(current.width * current.height + current.width * ((current.height + 1) / 2))
        default:
            pix.bytesperline = 0
            pix.sizeimage = UInt32(current.width * current.height * 2)
        }
    }

    private func handle(_ fd: Int32, _ request: UInt, _ argument: UnsafeMutableRawPointer) -> Int32 {
        switch request {
        case V4L2Request.querycap:
            let cap = argument.assumingMemoryBound(to: v4l2_capability.self)
            cap.pointee = v4l2_capability()
            withUnsafeMutableBytes(of: &cap.pointee.driver) { copy("scripted", into: $0) }
            withUnsafeMutableBytes(of: &cap.pointee.card) { copy("Scripted camera", into: $0) }
            withUnsafeMutableBytes(of: &cap.pointee.bus_info) { copy("platform:scripted", into: $0) }
            let caps = V4L2Constant.capVideoCapture | V4L2Constant.capStreaming
            cap.pointee.capabilities = caps | V4L2Constant.capDeviceCaps
            cap.pointee.device_caps = caps
            return 0
        case V4L2Request.enumFormat:
            let desc = argument.assumingMemoryBound(to: v4l2_fmtdesc.self)
            let index = Int(desc.pointee.index)
            guard index < formats.count else { return EINVAL }
            desc.pointee.pixelformat = formats[index].fourCC.rawValue
            desc.pointee.flags = formats[index].fourCC == FourCC("MJPG") ? V4L2Constant.formatFlagCompressed : 0
            withUnsafeMutableBytes(of: &desc.pointee.description) { copy(formats[index].fourCC.description, into: $0) }
            return 0
        case V4L2Request.enumFrameSizes:
            let size = argument.assumingMemoryBound(to: v4l2_frmsizeenum.self)
            guard let format = format(FourCC(rawValue: size.pointee.pixel_format)),
                Int(size.pointee.index) < format.sizes.count
            else { return EINVAL }
            let entry = format.sizes[Int(size.pointee.index)]
            size.pointee.type = V4L2Constant.frameSizeDiscrete
            size.pointee.discrete.width = UInt32(entry.width)
            size.pointee.discrete.height = UInt32(entry.height)
            return 0
        case V4L2Request.enumFrameIntervals:
            let interval = argument.assumingMemoryBound(to: v4l2_frmivalenum.self)
            guard let format = format(FourCC(rawValue: interval.pointee.pixel_format)),
                format.sizes.contains(where: { $0.width == Int(interval.pointee.width) && $0.height == Int(interval.pointee.height) }),
                Int(interval.pointee.index) < format.framesPerSecond.count
            else { return EINVAL }
            interval.pointee.type = V4L2Constant.frameIntervalDiscrete
            interval.pointee.discrete.numerator = 1000
            interval.pointee.discrete.denominator = UInt32(format.framesPerSecond[Int(interval.pointee.index)] * 1000)
            return 0
        case V4L2Request.getFormat:
            let f = argument.assumingMemoryBound(to: v4l2_format.self)
            guard f.pointee.type == V4L2Constant.captureType else { return EINVAL }
            fill(&f.pointee.fmt.pix)
            return 0
        case V4L2Request.setFormat:
            let f = argument.assumingMemoryBound(to: v4l2_format.self)
            guard f.pointee.type == V4L2Constant.captureType else { return EINVAL }
            if _busy || (owner != nil && owner != fd) || !buffers.isEmpty { return EBUSY }
            let wanted = f.pointee.fmt.pix
            counters.lastRequestedSize = [Int(wanted.width), Int(wanted.height)]
            // Like real drivers: an unknown format falls back to the first, sizes snap to the nearest.
            let chosen = format(FourCC(rawValue: wanted.pixelformat)) ?? formats[0]
            let size = chosen.sizes.min { a, b in
                abs(a.width - Int(wanted.width)) + abs(a.height - Int(wanted.height))
                    < abs(b.width - Int(wanted.width)) + abs(b.height - Int(wanted.height))
            }!
            current = (chosen.fourCC, size.width, size.height)
            fill(&f.pointee.fmt.pix)
            return 0
        case V4L2Request.getParameters, V4L2Request.setParameters:
            let p = argument.assumingMemoryBound(to: v4l2_streamparm.self)
            guard p.pointee.type == V4L2Constant.captureType else { return EINVAL }
            if request == V4L2Request.setParameters {
                let interval = p.pointee.parm.capture.timeperframe
                if interval.numerator > 0 {
                    let wanted = Double(interval.denominator) / Double(interval.numerator)
                    let offered = format(current.fourCC)?.framesPerSecond ?? [rate]
                    rate = offered.min { abs($0 - wanted) < abs($1 - wanted) } ?? rate
                }
            }
            p.pointee.parm.capture.capability = V4L2Constant.capabilityTimePerFrame
            p.pointee.parm.capture.timeperframe.numerator = 1000
            p.pointee.parm.capture.timeperframe.denominator = UInt32(rate * 1000)
            return 0
        case V4L2Request.requestBuffers:
            let r = argument.assumingMemoryBound(to: v4l2_requestbuffers.self)
            guard r.pointee.memory == V4L2Constant.memoryMap else { return EINVAL }
            if isStreaming { return EBUSY }
            if r.pointee.count == 0 {
                if owner == fd { owner = nil }
                releaseBuffers()
                return 0
            }
            if _busy || (owner != nil && owner != fd) { return EBUSY }
            releaseBuffers()
            owner = fd
            var pix = v4l2_pix_format()
            fill(&pix)
            let count = min(Int(r.pointee.count), 8)
            for _ in 0..<count {
                let length = Int(pix.sizeimage)
                let address = UnsafeMutableRawPointer.allocate(byteCount: length, alignment: 64)
                address.initializeMemory(as: UInt8.self, repeating: 0, count: length)
                buffers.append((address, length))
            }
            r.pointee.count = UInt32(count)
            return 0
        case V4L2Request.queryBuffer, V4L2Request.queueBuffer:
            let b = argument.assumingMemoryBound(to: v4l2_buffer.self)
            let index = Int(b.pointee.index)
            guard owner == fd, index < buffers.count else { return EINVAL }
            if request == V4L2Request.queryBuffer {
                b.pointee.length = UInt32(buffers[index].length)
                b.pointee.m.offset = UInt32(index * Self.offsetStep)
                return 0
            }
            guard !queued.contains(index) else { return EINVAL }
            queued.append(index)
            // Like the kernel, QBUF writes the buffer's state back: no data, no timestamp yet.
            b.pointee.bytesused = 0
            b.pointee.timestamp = timeval()
            b.pointee.flags = V4L2Constant.bufferFlagTimestampMonotonic | 0x0002  // V4L2_BUF_FLAG_QUEUED
            return 0
        case V4L2Request.dequeueBuffer:
            return dequeue(fd, argument.assumingMemoryBound(to: v4l2_buffer.self))
        case V4L2Request.streamOn:
            guard owner == fd, !buffers.isEmpty else { return EINVAL }
            if !isStreaming { counters.streamOns += 1 }
            isStreaming = true
            return 0
        case V4L2Request.streamOff:
            guard owner == fd else { return EINVAL }
            if isStreaming { counters.streamOffs += 1 }
            isStreaming = false
            queued.removeAll()
            return 0
        case V4L2Request.queryControl:
            let q = argument.assumingMemoryBound(to: v4l2_queryctrl.self)
            guard let control = CameraControl(id: q.pointee.id), let range = controlRanges[control] else { return EINVAL }
            q.pointee.minimum = Int32(range.lowerBound)
            q.pointee.maximum = Int32(range.upperBound)
            q.pointee.step = 1
            q.pointee.default_value = Int32((range.lowerBound + range.upperBound) / 2)
            q.pointee.flags = 0
            withUnsafeMutableBytes(of: &q.pointee.name) { copy(control.rawValue, into: $0) }
            return 0
        case V4L2Request.getControl, V4L2Request.setControl:
            let c = argument.assumingMemoryBound(to: v4l2_control.self)
            guard let value = controlValues[c.pointee.id], let control = CameraControl(id: c.pointee.id) else { return EINVAL }
            if request == V4L2Request.getControl {
                c.pointee.value = value
            } else {
                guard controlRanges[control]!.contains(Int(c.pointee.value)) else { return ERANGE }
                controlValues[c.pointee.id] = c.pointee.value
            }
            return 0
        default:
            return ENOTTY
        }
    }

    private func dequeue(_ fd: Int32, _ b: UnsafeMutablePointer<v4l2_buffer>) -> Int32 {
        guard owner == fd, isStreaming else { return EINVAL }
        var step = Step.frame
        var consume = false
        if let first = script.first {
            switch first {
            case .dequeueAgain: script.removeFirst(); return EAGAIN
            case .dequeueInterrupted: script.removeFirst(); return EINTR
            case .ioError: script.removeFirst(); return EIO
            case .frame, .shortFrame, .damagedFrame: step = first; consume = true
            case .pollTimeout, .pollInterrupted, .unplug: break
            }
        }
        guard !queued.isEmpty else { return EAGAIN }
        if consume { script.removeFirst() }
        let index = queued.removeFirst()
        let bytes = content(current.fourCC, current.width, current.height, frameNumber)
        let buffer = buffers[index]
        let count = min(bytes.count, buffer.length)
        bytes.withUnsafeBytes { buffer.address.copyMemory(from: $0.baseAddress!, byteCount: count) }
        var used = count
        if case .shortFrame(let short) = step { used = min(short, count) }
        b.pointee.index = UInt32(index)
        b.pointee.bytesused = UInt32(used)
        b.pointee.sequence = UInt32(truncatingIfNeeded: frameNumber)
        b.pointee.flags = V4L2Constant.bufferFlagTimestampMonotonic
        if case .damagedFrame = step { b.pointee.flags |= V4L2Constant.bufferFlagError }
        let time = 1000.0 + Double(frameNumber) / rate
        b.pointee.timestamp.tv_sec = Int(time)
        b.pointee.timestamp.tv_usec = Int((time - Double(Int(time))) * 1e6)
        frameNumber += 1
        counters.framesDequeued += 1
        return 0
    }
}

private func copy(_ text: String, into buffer: UnsafeMutableRawBufferPointer) {
    let bytes = Array(text.utf8.prefix(buffer.count - 1))
    buffer.copyBytes(from: bytes)
    buffer[bytes.count] = 0
}
#endif
