#if os(Linux)
import CWayCueV4L2
import CV4L2
import Foundation
import Glibc

/// An `errno` value returned through the ``V4L2DeviceIO`` seam.
public struct SystemError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The `errno` code, such as `ENODEV`.
    public let code: Int32
    /// Wraps an `errno` code.
    public init(_ code: Int32) { self.code = code }
    public var description: String { "\(errnoName(code)) (errno \(code))" }
}

/// What `poll` saw on a device.
public enum V4L2PollResult: Sendable, Equatable {
    /// A buffer can be dequeued.
    case ready
    /// The timeout passed with nothing to read.
    case timedOut
    /// The device reported an error or hang-up (`POLLERR`/`POLLHUP`): the next ioctl says why.
    case error
}

/// The one seam through which WayCue touches V4L2 devices.
///
/// ``LibV4L2DeviceIO`` implements it with libv4l2 and the kernel; ``ScriptedV4L2Device``
/// implements it in memory for tests, scripting faults (EAGAIN, EINTR, EIO, unplug, replug,
/// format changes, short frames) the real hardware produces only occasionally.
/// Calls report failure as an `errno` value instead of setting the global `errno`.
public protocol V4L2DeviceIO: Sendable {
    /// The device nodes that may be video devices (`/dev/video*`), sorted.
    func deviceNodes() -> [String]
    /// Opens `path` read-write and non-blocking; returns the file descriptor.
    func open(_ path: String) -> Result<Int32, SystemError>
    /// Closes a descriptor returned by ``open(_:)``.
    func close(_ fd: Int32)
    /// Runs one V4L2 ioctl; returns 0 on success or the `errno` code.
    func ioctl(_ fd: Int32, _ request: UInt, _ argument: UnsafeMutableRawPointer) -> Int32
    /// Maps `length` bytes of a device buffer at `offset` for reading and writing.
    func mmap(_ fd: Int32, length: Int, offset: Int) -> Result<UnsafeMutableRawPointer, SystemError>
    /// Unmaps memory returned by ``mmap(_:length:offset:)``.
    func munmap(_ address: UnsafeMutableRawPointer, length: Int)
    /// Waits up to `timeoutMilliseconds` for a buffer to become readable.
    func poll(_ fd: Int32, timeoutMilliseconds: Int32) -> Result<V4L2PollResult, SystemError>
}

extension V4L2DeviceIO {
    /// Runs an ioctl on a Swift value in place.
    func control<T>(_ fd: Int32, _ request: UInt, _ value: inout T) -> Int32 {
        withUnsafeMutablePointer(to: &value) { ioctl(fd, request, UnsafeMutableRawPointer($0)) }
    }
}

/// The real ``V4L2DeviceIO``: libv4l2 on Linux device nodes.
public struct LibV4L2DeviceIO: V4L2DeviceIO {
    /// Creates the real device access.
    public init() {}

    public func deviceNodes() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? []
        let numbered = names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix("video"), let number = Int(name.dropFirst(5)) else { return nil }
            return (number, "/dev/" + name)
        }
        return numbered.sorted { $0.0 < $1.0 }.map(\.1)
    }

    public func open(_ path: String) -> Result<Int32, SystemError> {
        while true {
            let fd = wcv4l2_open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
            if fd >= 0 { return .success(fd) }
            if errno != EINTR { return .failure(SystemError(errno)) }
        }
    }

    public func close(_ fd: Int32) { _ = v4l2_close(fd) }

    public func ioctl(_ fd: Int32, _ request: UInt, _ argument: UnsafeMutableRawPointer) -> Int32 {
        wcv4l2_ioctl(fd, request, argument) == -1 ? errno : 0
    }

    public func mmap(_ fd: Int32, length: Int, offset: Int) -> Result<UnsafeMutableRawPointer, SystemError> {
        let address = v4l2_mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, Int64(offset))
        guard let address, address != MAP_FAILED else { return .failure(SystemError(errno)) }
        return .success(address)
    }

    public func munmap(_ address: UnsafeMutableRawPointer, length: Int) { _ = v4l2_munmap(address, length) }

    public func poll(_ fd: Int32, timeoutMilliseconds: Int32) -> Result<V4L2PollResult, SystemError> {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let count = Glibc.poll(&descriptor, 1, timeoutMilliseconds)
        if count < 0 { return .failure(SystemError(errno)) }
        if count == 0 { return .success(.timedOut) }
        if descriptor.revents & Int16(POLLIN) != 0 { return .success(.ready) }
        return .success(.error)
    }
}

/// The ioctl request numbers, from the C shim (Swift cannot expand `_IOWR`).
enum V4L2Request {
    static let querycap = wcv4l2_request_querycap()
    static let enumFormat = wcv4l2_request_enum_fmt()
    static let enumFrameSizes = wcv4l2_request_enum_framesizes()
    static let enumFrameIntervals = wcv4l2_request_enum_frameintervals()
    static let getFormat = wcv4l2_request_g_fmt()
    static let setFormat = wcv4l2_request_s_fmt()
    static let getParameters = wcv4l2_request_g_parm()
    static let setParameters = wcv4l2_request_s_parm()
    static let requestBuffers = wcv4l2_request_reqbufs()
    static let queryBuffer = wcv4l2_request_querybuf()
    static let queueBuffer = wcv4l2_request_qbuf()
    static let dequeueBuffer = wcv4l2_request_dqbuf()
    static let streamOn = wcv4l2_request_streamon()
    static let streamOff = wcv4l2_request_streamoff()
    static let queryControl = wcv4l2_request_queryctrl()
    static let getControl = wcv4l2_request_g_ctrl()
    static let setControl = wcv4l2_request_s_ctrl()
}

/// V4L2 constants Swift does not import because the C headers build them from macros.
enum V4L2Constant {
    static let captureType = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
    static let memoryMap = V4L2_MEMORY_MMAP.rawValue
    static let fieldNone = V4L2_FIELD_NONE.rawValue
    static let fieldAny = V4L2_FIELD_ANY.rawValue
    static let capVideoCapture: UInt32 = 0x0000_0001
    static let capStreaming: UInt32 = 0x0400_0000
    static let capDeviceCaps: UInt32 = 0x8000_0000
    static let formatFlagEmulated: UInt32 = 0x0002
    static let formatFlagCompressed: UInt32 = 0x0001
    static let bufferFlagError: UInt32 = 0x0040
    static let bufferFlagTimestampMask: UInt32 = 0xE000
    static let bufferFlagTimestampMonotonic: UInt32 = 0x2000
    static let controlFlagNext: UInt32 = 0x8000_0000
    static let controlFlagDisabled: UInt32 = 0x0001
    static let frameSizeDiscrete = V4L2_FRMSIZE_TYPE_DISCRETE.rawValue
    static let frameIntervalDiscrete = V4L2_FRMIVAL_TYPE_DISCRETE.rawValue
    static let capabilityTimePerFrame: UInt32 = 0x1000
}

/// Reads a fixed-size C character array (imported as a tuple) as a string.
func cString<T>(_ tuple: T) -> String {
    withUnsafeBytes(of: tuple) { raw in
        let bytes = raw.prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self)
    }
}
#endif
