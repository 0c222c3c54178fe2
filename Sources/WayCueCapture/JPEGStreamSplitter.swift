/// Finds the JPEG images in a byte stream of concatenated JPEGs (an MJPEG file) by walking the
/// marker structure, so thumbnails inside APP segments and stuffed bytes in the entropy-coded
/// data are not mistaken for frame boundaries.
enum JPEGStreamSplitter {
    /// What the next search found.
    enum Outcome: Equatable {
        /// A whole JPEG from SOI to EOI.
        case frame(Range<Int>)
        /// No further SOI marker.
        case end
        /// A JPEG starts at `start` but its structure is broken or cut off.
        case damaged(start: Int, reason: String)
    }

    /// Looks for the next JPEG at or after `offset`.
    static func next(in bytes: UnsafeRawBufferPointer, from offset: Int) -> Outcome {
        let n = bytes.count
        var i = max(offset, 0)
        while i + 1 < n && !(bytes[i] == 0xFF && bytes[i + 1] == 0xD8) { i += 1 }
        guard i + 1 < n else { return .end }
        let start = i
        i += 2
        while true {
            guard i < n else { return .damaged(start: start, reason: "cut off before the end-of-image marker") }
            guard bytes[i] == 0xFF else {
                return .damaged(start: start, reason: "expected a marker at byte \(i), found 0x\(String(bytes[i], radix: 16))")
            }
            while i < n && bytes[i] == 0xFF { i += 1 }  // fill bytes
            guard i < n else { return .damaged(start: start, reason: "cut off inside a marker") }
            let marker = bytes[i]
            i += 1
            switch marker {
            case 0xD9:
                return .frame(start..<i)
            case 0xD8:
                return .damaged(start: start, reason: "a new image starts at byte \(i - 2) before this one ended")
            case 0x00:
                return .damaged(start: start, reason: "invalid marker 0xFF00 at byte \(i - 2)")
            case 0x01, 0xD0...0xD7:
                continue
            default:
                guard i + 1 < n else { return .damaged(start: start, reason: "cut off inside a segment header") }
                let length = Int(bytes[i]) << 8 | Int(bytes[i + 1])
                guard length >= 2 else {
                    return .damaged(start: start, reason: "segment 0xFF\(String(marker, radix: 16)) at byte \(i - 2) has length \(length)")
                }
                i += length
                if marker == 0xDA {
                    // Entropy-coded data runs until a marker that is neither a stuffed 0xFF00
                    // nor a restart marker.
                    while true {
                        guard i + 1 < n else { return .damaged(start: start, reason: "cut off inside the image data") }
                        if bytes[i] == 0xFF {
                            let next = bytes[i + 1]
                            if next == 0x00 || (0xD0...0xD7).contains(next) {
                                i += 2
                                continue
                            }
                            if next == 0xFF {
                                i += 1
                                continue
                            }
                            break
                        }
                        i += 1
                    }
                }
            }
        }
    }
}
