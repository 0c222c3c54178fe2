import ArgumentParser
import Foundation
import WayCueCapture
import WayCueImage

/// `waycue devices`: the V4L2 cameras on this machine with their formats, sizes and frame rates.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List V4L2 cameras with their pixel formats, frame sizes and frame rates.",
        discussion: """
            Looks at every /dev/video* node. Nodes that are not video capture devices (a UVC \
            camera's metadata node, for example) or cannot be opened are listed as skipped, with \
            the reason. With no camera the command says so and exits 0.

            Examples:
              waycue devices
              waycue devices --json
            """)

    @Flag(help: "Print JSON: {\"devices\": [...], \"skipped\": [{\"path\", \"reason\"}]}.")
    var json = false

    func run() throws {
        #if os(Linux)
        let scan = V4L2Devices.scan()
        #else
        let scan = V4L2Scan(devices: [], skipped: [])
        #endif
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(scan), as: UTF8.self))
            return
        }
        #if !os(Linux)
        print("No V4L2 devices: V4L2 cameras are only supported on Linux.")
        return
        #else
        if scan.devices.isEmpty {
            print("No V4L2 capture devices found (looked at /dev/video*).")
        }
        for device in scan.devices {
            print("\(device.path): \(device.card) (driver \(device.driver), \(device.busInfo))")
            var previous: V4L2FormatInfo?
            for format in device.formats {
                let note = format.usable ? "" : " [not usable by WayCue]"
                print("  \(format.fourCC) \(format.description)\(note)")
                if let previous, previous.sizes == format.sizes, previous.sizeRange == format.sizeRange, !format.sizes.isEmpty {
                    print("    same sizes and frame rates as \(previous.fourCC)")
                    continue
                }
                previous = format
                if let range = format.sizeRange {
                    print("    sizes \(range.minWidth)x\(range.minHeight) to \(range.maxWidth)x\(range.maxHeight), step \(range.stepWidth)x\(range.stepHeight)")
                }
                for size in format.sizes {
                    let rates = size.framesPerSecond.map { rate in
                        rate == rate.rounded() ? String(Int(rate)) : String(format: "%.2f", rate)
                    }
                    let rateText = rates.isEmpty ? "" : " @ " + rates.joined(separator: ", ") + " fps"
                    print("    \(size.width)x\(size.height)\(rateText)")
                }
            }
        }
        for node in scan.skipped { print("skipped \(node.path): \(node.reason)") }
        #endif
    }
}
