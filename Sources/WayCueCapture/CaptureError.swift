/// Errors from frame sources and recorders. Each names the device or file and the reason.
public enum CaptureError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No device or file at this path.
    case notFound(path: String)
    /// The device is in use by another program.
    case busy(path: String)
    /// The process lacks permission to open the device or file.
    case permissionDenied(path: String)
    /// The device is not a V4L2 video capture device with streaming I/O.
    case notACaptureDevice(path: String, reason: String)
    /// The device offers no pixel format WayCue can convert; `offered` lists what it has.
    case noUsableFormat(path: String, offered: [String])
    /// A system call on the device failed; `operation` names it and `code` is the `errno`.
    case deviceFailure(path: String, operation: String, code: Int32)
    /// No frame arrived within the time the caller allowed.
    case frameTimeout(path: String, seconds: Double)
    /// The device disappeared (unplugged) and reconnection was not allowed or gave up.
    case disconnected(path: String)
    /// The camera control does not exist on this device or rejected the value.
    case controlUnavailable(path: String, control: String, reason: String)
    /// Recorded footage is malformed; `reason` says where and why.
    case invalidFootage(path: String, reason: String)
    /// A frame could not be decoded or converted.
    case decodeFailed(source: String, reason: String)
    /// A file could not be read or written.
    case io(path: String, reason: String)
    /// An external tool (ffmpeg) is not installed or failed.
    case toolFailed(tool: String, reason: String)
    /// The operation needs V4L2, which exists only on Linux.
    case unsupportedPlatform(String)

    public var description: String {
        switch self {
        case .notFound(let path): return "\(path): no such device or file"
        case .busy(let path): return "\(path): device is busy (another program is using it)"
        case .permissionDenied(let path): return "\(path): permission denied"
        case .notACaptureDevice(let path, let reason): return "\(path): not a usable capture device: \(reason)"
        case .noUsableFormat(let path, let offered):
            let list = offered.isEmpty ? "none" : offered.joined(separator: ", ")
            return "\(path): no usable pixel format (device offers: \(list); WayCue needs MJPG, YUYV or NV12)"
        case .deviceFailure(let path, let operation, let code):
            return "\(path): \(operation) failed: \(errnoName(code)) (errno \(code))"
        case .frameTimeout(let path, let seconds): return "\(path): no frame within \(seconds) s"
        case .disconnected(let path): return "\(path): device disconnected"
        case .controlUnavailable(let path, let control, let reason): return "\(path): control \(control): \(reason)"
        case .invalidFootage(let path, let reason): return "\(path): \(reason)"
        case .decodeFailed(let source, let reason): return "\(source): cannot decode frame: \(reason)"
        case .io(let path, let reason): return "\(path): \(reason)"
        case .toolFailed(let tool, let reason): return "\(tool): \(reason)"
        case .unsupportedPlatform(let what): return "\(what) needs Linux (V4L2)"
        }
    }
}

/// A short symbolic name for the errno values capture code meets.
func errnoName(_ code: Int32) -> String {
    switch code {
    case 1: return "EPERM"
    case 2: return "ENOENT"
    case 4: return "EINTR"
    case 5: return "EIO"
    case 6: return "ENXIO"
    case 11: return "EAGAIN"
    case 12: return "ENOMEM"
    case 13: return "EACCES"
    case 16: return "EBUSY"
    case 19: return "ENODEV"
    case 22: return "EINVAL"
    case 25: return "ENOTTY"
    case 110: return "ETIMEDOUT"
    default: return "error"
    }
}
