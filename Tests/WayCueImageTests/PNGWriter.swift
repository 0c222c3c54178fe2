/// A tiny, deliberately plain PNG writer for tests: any colour type and bit depth, no
/// filtering, zlib "stored" blocks. It lets the tests build palette, alpha and 16-bit files
/// that WayCue's own encoder never writes.
enum PNGWriter {
    enum ColorType: UInt8 { case grey = 0, rgb = 2, palette = 3, greyAlpha = 4, rgba = 6 }

    static func channels(_ type: ColorType) -> Int {
        switch type {
        case .grey, .palette: return 1
        case .greyAlpha: return 2
        case .rgb: return 3
        case .rgba: return 4
        }
    }

    /// Builds a PNG. `samples` holds `width * height * channels` values, each below
    /// `1 << bitDepth`, row by row.
    static func make(width: Int, height: Int, type: ColorType, bitDepth: Int, samples: [Int],
                     palette: [(UInt8, UInt8, UInt8)] = [], transparency: [UInt8]? = nil,
                     extraChunks: [(String, [UInt8])] = []) -> [UInt8] {
        var raw: [UInt8] = []
        let perRow = width * channels(type)
        for y in 0..<height {
            raw.append(0)  // filter: none
            let row = samples[(y * perRow)..<((y + 1) * perRow)]
            if bitDepth == 16 {
                for v in row { raw += [UInt8(v >> 8), UInt8(v & 0xFF)] }
            } else if bitDepth == 8 {
                raw += row.map { UInt8($0) }
            } else {
                var byte = 0, used = 0
                for v in row {
                    byte = byte << bitDepth | v
                    used += bitDepth
                    if used == 8 { raw.append(UInt8(byte)); byte = 0; used = 0 }
                }
                if used > 0 { raw.append(UInt8(byte << (8 - used))) }
            }
        }
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr: [UInt8] = []
        ihdr += be32(UInt32(width)) + be32(UInt32(height))
        ihdr += [UInt8(bitDepth), type.rawValue, 0, 0, 0]
        out += chunk("IHDR", ihdr)
        for (name, body) in extraChunks { out += chunk(name, body) }
        if !palette.isEmpty { out += chunk("PLTE", palette.flatMap { [$0.0, $0.1, $0.2] }) }
        if let transparency { out += chunk("tRNS", transparency) }
        out += chunk("IDAT", zlibStored(raw))
        out += chunk("IEND", [])
        return out
    }

    static func be32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)) } }

    static func chunk(_ name: String, _ body: [UInt8]) -> [UInt8] {
        let typed = Array(name.utf8) + body
        return be32(UInt32(body.count)) + typed + be32(TestSupport.crc32(typed))
    }

    /// A zlib stream of stored (uncompressed) blocks.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let n = min(65535, data.count - offset)
            let final: UInt8 = offset + n == data.count ? 1 : 0
            out += [final, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += data[offset..<(offset + n)]
            offset += n
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return out + be32(b << 16 | a)
    }
}
