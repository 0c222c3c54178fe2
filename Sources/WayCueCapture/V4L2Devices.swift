#if os(Linux)
import CWayCueV4L2

/// Lists V4L2 capture devices and what they offer.
public enum V4L2Devices {
    /// Every video capture device with streaming I/O among the device nodes.
    ///
    /// Nodes that cannot be opened (busy, no permission) or are not capture devices (a UVC
    /// camera's metadata node, an output device) are left out; use ``describe(_:io:)`` on a
    /// specific node to learn why.
    public static func list(io: any V4L2DeviceIO = LibV4L2DeviceIO()) -> [V4L2DeviceInfo] {
        scan(io: io).devices
    }

    /// Every device node: the capture devices described, and the other nodes with the reason
    /// each was left out (busy, permission, not a capture device).
    public static func scan(io: any V4L2DeviceIO = LibV4L2DeviceIO()) -> V4L2Scan {
        var scan = V4L2Scan(devices: [], skipped: [])
        for node in io.deviceNodes() {
            do {
                scan.devices.append(try describe(node, io: io))
            } catch {
                scan.skipped.append(V4L2SkippedNode(path: node, reason: "\(error)"))
            }
        }
        return scan
    }

    /// Opens one device node and describes its formats, sizes and frame rates.
    ///
    /// - Throws: ``CaptureError`` when the node does not exist, cannot be opened, or is not a
    ///   video capture device with streaming I/O.
    public static func describe(_ path: String, io: any V4L2DeviceIO = LibV4L2DeviceIO()) throws -> V4L2DeviceInfo {
        let fd = try V4L2Query.open(path, io: io)
        defer { io.close(fd) }
        let capability = try V4L2Query.captureCapability(fd, path: path, io: io)
        var formats: [V4L2FormatInfo] = []
        for description in V4L2Query.formats(fd, io: io) where !description.emulated {
            var info = V4L2FormatInfo(
                fourCC: description.fourCC.description, description: description.name,
                compressed: description.compressed,
                usable: SourcePixelFormat(fourCC: description.fourCC) != nil,
                sizes: [], sizeRange: nil)
            let sizes = V4L2Query.frameSizes(fd, fourCC: description.fourCC, io: io)
            info.sizeRange = sizes.range
            info.sizes = sizes.sizes.map { size in
                V4L2FrameSize(
                    width: size.width, height: size.height,
                    framesPerSecond: V4L2Query.frameRates(
                        fd, fourCC: description.fourCC, width: size.width, height: size.height, io: io))
            }
            formats.append(info)
        }
        return V4L2DeviceInfo(
            path: path, driver: cString(capability.driver), card: cString(capability.card),
            busInfo: cString(capability.bus_info), formats: formats)
    }
}

/// A format as `VIDIOC_ENUM_FMT` describes it.
struct V4L2FormatDescription {
    var fourCC: FourCC
    var name: String
    var compressed: Bool
    var emulated: Bool
}

/// The V4L2 queries shared by device listing and the camera source.
enum V4L2Query {
    /// Opens a node, mapping `errno` to a clear ``CaptureError``.
    static func open(_ path: String, io: any V4L2DeviceIO) throws -> Int32 {
        switch io.open(path) {
        case .success(let fd): return fd
        case .failure(let error): throw openError(path: path, code: error.code)
        }
    }

    /// The ``CaptureError`` for a failed `open` or a setup ioctl.
    static func openError(path: String, code: Int32, operation: String = "open") -> CaptureError {
        switch code {
        case 2, 6, 19: return .notFound(path: path)  // ENOENT, ENXIO, ENODEV
        case 16: return .busy(path: path)
        case 1, 13: return .permissionDenied(path: path)
        default: return .deviceFailure(path: path, operation: operation, code: code)
        }
    }

    /// `VIDIOC_QUERYCAP`, checking for video capture with streaming I/O.
    static func captureCapability(_ fd: Int32, path: String, io: any V4L2DeviceIO) throws -> v4l2_capability {
        var capability = v4l2_capability()
        let code = io.control(fd, V4L2Request.querycap, &capability)
        if code == 25 || code == 22 {  // ENOTTY, EINVAL: not a V4L2 node
            throw CaptureError.notACaptureDevice(path: path, reason: "not a V4L2 device")
        }
        if code != 0 { throw openError(path: path, code: code, operation: "VIDIOC_QUERYCAP") }
        let caps = capability.capabilities & V4L2Constant.capDeviceCaps != 0
            ? capability.device_caps : capability.capabilities
        guard caps & V4L2Constant.capVideoCapture != 0 else {
            throw CaptureError.notACaptureDevice(path: path, reason: "no single-planar video capture")
        }
        guard caps & V4L2Constant.capStreaming != 0 else {
            throw CaptureError.notACaptureDevice(path: path, reason: "no streaming I/O")
        }
        return capability
    }

    /// `VIDIOC_ENUM_FMT` until the driver says there are no more.
    static func formats(_ fd: Int32, io: any V4L2DeviceIO) -> [V4L2FormatDescription] {
        var result: [V4L2FormatDescription] = []
        for index in 0..<128 {
            var description = v4l2_fmtdesc()
            description.index = UInt32(index)
            description.type = V4L2Constant.captureType
            guard io.control(fd, V4L2Request.enumFormat, &description) == 0 else { break }
            result.append(V4L2FormatDescription(
                fourCC: FourCC(rawValue: description.pixelformat),
                name: cString(description.description),
                compressed: description.flags & V4L2Constant.formatFlagCompressed != 0,
                emulated: description.flags & V4L2Constant.formatFlagEmulated != 0))
        }
        return result
    }

    /// `VIDIOC_ENUM_FRAMESIZES`: discrete sizes, or the ends of a stepwise range.
    static func frameSizes(_ fd: Int32, fourCC: FourCC, io: any V4L2DeviceIO)
        -> (sizes: [(width: Int, height: Int)], range: V4L2SizeRange?)
    {
        var sizes: [(width: Int, height: Int)] = []
        for index in 0..<256 {
            var size = v4l2_frmsizeenum()
            size.index = UInt32(index)
            size.pixel_format = fourCC.rawValue
            guard io.control(fd, V4L2Request.enumFrameSizes, &size) == 0 else { break }
            if size.type == V4L2Constant.frameSizeDiscrete {
                sizes.append((Int(size.discrete.width), Int(size.discrete.height)))
            } else {
                let step = size.stepwise
                let range = V4L2SizeRange(
                    minWidth: Int(step.min_width), maxWidth: Int(step.max_width), stepWidth: Int(step.step_width),
                    minHeight: Int(step.min_height), maxHeight: Int(step.max_height),
                    stepHeight: Int(step.step_height))
                return ([(range.minWidth, range.minHeight), (range.maxWidth, range.maxHeight)], range)
            }
        }
        return (sizes, nil)
    }

    /// `VIDIOC_ENUM_FRAMEINTERVALS` as frames per second, highest first.
    static func frameRates(_ fd: Int32, fourCC: FourCC, width: Int, height: Int, io: any V4L2DeviceIO) -> [Double] {
        var rates: [Double] = []
        for index in 0..<64 {
            var interval = v4l2_frmivalenum()
            interval.index = UInt32(index)
            interval.pixel_format = fourCC.rawValue
            interval.width = UInt32(width)
            interval.height = UInt32(height)
            guard io.control(fd, V4L2Request.enumFrameIntervals, &interval) == 0 else { break }
            if interval.type == V4L2Constant.frameIntervalDiscrete {
                let fraction = interval.discrete
                if fraction.numerator > 0 { rates.append(Double(fraction.denominator) / Double(fraction.numerator)) }
            } else {
                let step = interval.stepwise
                if step.min.numerator > 0 { rates.append(Double(step.min.denominator) / Double(step.min.numerator)) }
                if step.max.numerator > 0 { rates.append(Double(step.max.denominator) / Double(step.max.numerator)) }
                break
            }
        }
        return rates.sorted(by: >)
    }
}
#endif
