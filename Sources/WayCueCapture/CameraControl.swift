/// Camera controls WayCue knows by name; devices offer any subset of them.
public enum CameraControl: String, CaseIterable, Sendable, Codable {
    /// Picture brightness.
    case brightness
    /// Picture contrast.
    case contrast
    /// Colour saturation.
    case saturation
    /// Sensor gain.
    case gain
    /// Exposure (relative, driver units).
    case exposure
    /// Exposure mode: 0 auto, 1 manual, 2 shutter priority, 3 aperture priority (V4L2 menu).
    case exposureMode
    /// Exposure time in units of 100 µs.
    case exposureTime
    /// Automatic white balance on (1) or off (0).
    case autoWhiteBalance
    /// White balance colour temperature in kelvin (with automatic white balance off).
    case whiteBalanceTemperature

    /// The V4L2 control id (`V4L2_CID_*`).
    public var id: UInt32 {
        switch self {
        case .brightness: return 0x0098_0900
        case .contrast: return 0x0098_0901
        case .saturation: return 0x0098_0902
        case .gain: return 0x0098_0913
        case .exposure: return 0x0098_0911
        case .exposureMode: return 0x009A_0901
        case .exposureTime: return 0x009A_0902
        case .autoWhiteBalance: return 0x0098_090C
        case .whiteBalanceTemperature: return 0x0098_091A
        }
    }

    /// The control with this V4L2 id, if WayCue knows it.
    public init?(id: UInt32) {
        guard let match = CameraControl.allCases.first(where: { $0.id == id }) else { return nil }
        self = match
    }
}

/// A control a device offers, with its range and current value.
public struct CameraControlInfo: Sendable, Codable, Equatable {
    /// Which control.
    public var control: CameraControl
    /// The driver's name for it.
    public var name: String
    /// Smallest value.
    public var minimum: Int
    /// Largest value.
    public var maximum: Int
    /// Step between values.
    public var step: Int
    /// The driver's default.
    public var defaultValue: Int
    /// The current value.
    public var value: Int
}
