import Foundation
import WayCueImage

/// Reads an image's pixel size from its header (JPEG SOF marker, PNG IHDR) without decoding
/// it; falls back to a full decode for anything else.
public enum ImageHeader {
    /// The size of the image file at `path`.
    ///
    /// - Throws: The decoder's error when the header cannot be read and the file does not decode.
    public static func size(path: String) throws -> (width: Int, height: Int) {
        guard let fh = FileHandle(forReadingAtPath: path) else {
            throw LabelStoreError.unknownFrame(path)
        }
        let head = [UInt8](fh.readData(ofLength: 65_536))
        try? fh.close()
        if let s = size(header: head) { return s }
        let img = try Image(contentsOfFile: path, as: .grey8)
        return (img.width, img.height)
    }

    /// The size read from the first bytes of a JPEG or PNG file, or `nil`.
    public static func size(header b: [UInt8]) -> (width: Int, height: Int)? {
        if b.count >= 24, b[0] == 0x89, b[1] == 0x50, b[2] == 0x4E, b[3] == 0x47, b[12...15].elementsEqual([0x49, 0x48, 0x44, 0x52]) {
            let w = Int(b[16]) << 24 | Int(b[17]) << 16 | Int(b[18]) << 8 | Int(b[19])
            let h = Int(b[20]) << 24 | Int(b[21]) << 16 | Int(b[22]) << 8 | Int(b[23])
            return w > 0 && h > 0 ? (w, h) : nil
        }
        guard b.count >= 4, b[0] == 0xFF, b[1] == 0xD8 else { return nil }
        var i = 2
        while i + 9 < b.count {
            guard b[i] == 0xFF else { return nil }
            let marker = b[i + 1]
            if marker == 0xFF { i += 1; continue }
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }
            let len = Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard len >= 2 else { return nil }
            // SOF0...SOF15, except DHT (C4), JPG (C8) and DAC (CC).
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                let h = Int(b[i + 5]) << 8 | Int(b[i + 6])
                let w = Int(b[i + 7]) << 8 | Int(b[i + 8])
                return w > 0 && h > 0 ? (w, h) : nil
            }
            i += 2 + len
        }
        return nil
    }
}
