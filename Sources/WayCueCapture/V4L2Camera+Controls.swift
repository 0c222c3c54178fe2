#if os(Linux)
import CWayCueV4L2

extension V4L2Camera {
    /// The known controls (``CameraControl``) the device offers now, with ranges and values.
    public func controls() -> [CameraControlInfo] {
        withDevice { fd, io in
            CameraControl.allCases.compactMap { control -> CameraControlInfo? in
                guard fd >= 0 else { return nil }
                var query = v4l2_queryctrl()
                query.id = control.id
                guard io.control(fd, V4L2Request.queryControl, &query) == 0,
                    query.flags & V4L2Constant.controlFlagDisabled == 0
                else { return nil }
                var current = v4l2_control()
                current.id = control.id
                let value = io.control(fd, V4L2Request.getControl, &current) == 0
                    ? Int(current.value) : Int(query.default_value)
                return CameraControlInfo(
                    control: control, name: cString(query.name), minimum: Int(query.minimum),
                    maximum: Int(query.maximum), step: Int(query.step), defaultValue: Int(query.default_value),
                    value: value)
            }
        }
    }

    /// Sets a control, such as ``CameraControl/gain``.
    ///
    /// - Throws: ``CaptureError/controlUnavailable(path:control:reason:)`` when the device lacks
    ///   the control, the value is out of range, or the device is reconnecting.
    public func setControl(_ control: CameraControl, to value: Int) throws {
        try withDevice { fd, io in
            guard fd >= 0 else {
                throw CaptureError.controlUnavailable(path: path, control: control.rawValue, reason: "device is not connected")
            }
            var query = v4l2_queryctrl()
            query.id = control.id
            guard io.control(fd, V4L2Request.queryControl, &query) == 0,
                query.flags & V4L2Constant.controlFlagDisabled == 0
            else {
                throw CaptureError.controlUnavailable(path: path, control: control.rawValue, reason: "the device does not offer it")
            }
            guard value >= Int(query.minimum), value <= Int(query.maximum) else {
                throw CaptureError.controlUnavailable(
                    path: path, control: control.rawValue,
                    reason: "value \(value) outside \(query.minimum)...\(query.maximum)")
            }
            var setting = v4l2_control()
            setting.id = control.id
            setting.value = Int32(value)
            let code = io.control(fd, V4L2Request.setControl, &setting)
            guard code == 0 else {
                throw CaptureError.controlUnavailable(
                    path: path, control: control.rawValue, reason: "VIDIOC_S_CTRL failed: \(errnoName(code))")
            }
        }
    }

    /// The current value of a control, or `nil` when the device lacks it.
    public func value(of control: CameraControl) -> Int? {
        controls().first { $0.control == control }?.value
    }
}
#endif
