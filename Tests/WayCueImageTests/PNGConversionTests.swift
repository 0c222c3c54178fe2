import Testing
@testable import WayCueImage

/// PNG kinds WayCue's encoder never writes come back as 8-bit RGB or grey.
@Suite struct PNGConversionTests {
    @Test func ownWriterMatchesLibpng() throws {
        let data = PNGWriter.make(width: 3, height: 2, type: .rgb, bitDepth: 8, samples: Array(0..<18))
        let image = try Image.decode(data, source: "plain.png")
        #expect(image.format == .rgb8 && image.pixels == (0..<18).map { UInt8($0) })
    }

    @Test func palettesExpandToRGB() throws {
        let palette: [(UInt8, UInt8, UInt8)] = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (10, 20, 30)]
        // 4-bit indices, odd width so rows end mid-byte, with a tRNS entry (alpha is dropped).
        let data = PNGWriter.make(width: 3, height: 2, type: .palette, bitDepth: 4,
                                  samples: [0, 1, 2, 3, 3, 0], palette: palette, transparency: [0, 128])
        let image = try Image.decode(data, source: "palette.png")
        #expect(image.format == .rgb8)
        #expect(image.pixels == [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 10, 20, 30, 255, 0, 0])
        #expect(try Image.readHeader(data) == ImageHeader(fileFormat: .png, width: 3, height: 2, naturalFormat: .rgb8))
    }

    @Test func alphaIsDroppedKeepingColour() throws {
        let rgba = PNGWriter.make(width: 2, height: 1, type: .rgba, bitDepth: 8,
                                  samples: [200, 100, 50, 255, 90, 80, 70, 0])
        #expect(try Image.decode(rgba).pixels == [200, 100, 50, 90, 80, 70])
        let ga = PNGWriter.make(width: 3, height: 1, type: .greyAlpha, bitDepth: 8, samples: [10, 255, 20, 128, 30, 0])
        let grey = try Image.decode(ga)
        #expect(grey.format == .grey8 && grey.pixels == [10, 20, 30])
    }

    @Test func sixteenBitIsRescaledNotGammaShifted() throws {
        let samples = [0x0000, 0x8000, 0xFFFF, 0x1234, 0xABCD, 0x7F7F]
        let rgb16 = PNGWriter.make(width: 2, height: 1, type: .rgb, bitDepth: 16, samples: samples)
        let image = try Image.decode(rgb16)
        #expect(image.format == .rgb8)
        for (value, decoded) in zip(samples, image.pixels) {
            #expect(abs(Int(decoded) - (value * 255 + 32767) / 65535) <= 1, "\(value) -> \(decoded)")
        }
        let rgba16 = PNGWriter.make(width: 1, height: 1, type: .rgba, bitDepth: 16, samples: [0xFFFF, 0x8000, 0, 0x8000])
        let withAlpha = try Image.decode(rgba16)
        #expect(abs(Int(withAlpha.pixels[0]) - 255) <= 1 && abs(Int(withAlpha.pixels[1]) - 128) <= 1 && withAlpha.pixels[2] == 0)
    }

    @Test func lowBitDepthGreyIsScaled() throws {
        let oneBit = PNGWriter.make(width: 9, height: 1, type: .grey, bitDepth: 1, samples: [1, 0, 1, 1, 0, 0, 0, 1, 1])
        #expect(try Image.decode(oneBit).pixels == [255, 0, 255, 255, 0, 0, 0, 255, 255])
        let twoBit = PNGWriter.make(width: 4, height: 1, type: .grey, bitDepth: 2, samples: [0, 1, 2, 3])
        #expect(try Image.decode(twoBit).pixels == [0, 85, 170, 255])
    }

    @Test func badCRCIsCorrupt() {
        var data = PNGWriter.make(width: 2, height: 2, type: .grey, bitDepth: 8, samples: [1, 2, 3, 4])
        data[16] ^= 0x01  // width byte inside IHDR, CRC now wrong
        #expect {
            try Image.decode(data, source: "crc.png")
        } throws: { error in
            guard case .corrupt(source: "crc.png", let reason)? = error as? ImageError else { return false }
            return !reason.isEmpty
        }
    }
}
