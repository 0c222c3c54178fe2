import Foundation
import Testing
@testable import WayCueImage

/// Real photographs from the shared datasets, read in place (never copied).
@Suite(.enabled(if: TestSupport.datasetsDirectory != nil,
                "the shared datasets folder (../shared/datasets beside the package) is not present"))
struct DatasetImageTests {
    /// Up to `perSet` JPEGs from each dataset, first in sorted order, so runs are repeatable.
    static func samplePaths(perSet: Int = 2) -> [String] {
        guard let root = TestSupport.datasetsDirectory else { return [] }
        let sets = ["pedestrian-lights-crosswalks/valid/images", "vehicle-traffic-lights/test/images", "tactile-tiles/train"]
        return sets.flatMap { set -> [String] in
            let folder = root + "/" + set
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            return names.filter { $0.lowercased().hasSuffix(".jpg") }.sorted().prefix(perSet).map { folder + "/" + $0 }
        }
    }

    @Test func realPhotosDecodeAndSurviveARoundTrip() throws {
        let paths = Self.samplePaths()
        #expect(paths.count >= 4, "found only \(paths.count) dataset JPEGs")
        for path in paths {
            let header = try Image.readHeader(path: path)
            let image = try Image.load(path: path)
            #expect(image.width == header.width && image.height == header.height && image.format == .rgb8)
            // A real photo is not flat: the luma spread is wide.
            let grey = image.converted(to: .grey8).pixels
            let lo = grey.min() ?? 0, hi = grey.max() ?? 0
            #expect(Int(hi) - Int(lo) > 60, "\(path) looks flat (\(lo)...\(hi))")
            // Re-encoding at quality 90 stays close (PSNR above 30 dB).
            let again = try Image.decode(try image.jpegData(quality: 90))
            var squared = 0.0
            for (a, b) in zip(image.pixels, again.pixels) { squared += Double((Int(a) - Int(b)) * (Int(a) - Int(b))) }
            let psnr = 10 * log10(255 * 255 / max(1e-9, squared / Double(image.pixels.count)))
            #expect(psnr > 30, "\(path): PSNR \(psnr)")
            // Grey decoding (the JPEG's own Y channel) matches the RGB decode's luma on
            // average; single pixels differ more where saturated colours were clamped.
            let direct = try Image.load(path: path, as: .grey8)
            let luma = image.converted(to: .grey8)
            let meanDifference = zip(direct.pixels, luma.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
            #expect(Double(meanDifference) / Double(luma.pixels.count) < 1.0, "\(path)")
            #expect(TestSupport.maxDifference(direct, luma) <= 32, "\(path)")
        }
    }

    @Test func realPhotosCutShortAreRefusedUnlessSalvaging() throws {
        for path in Self.samplePaths(perSet: 1) {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let cut = Array(bytes.prefix(bytes.count * 3 / 4))
            #expect {
                try Image.decode(cut, source: path)
            } throws: { error in
                guard case .corrupt(let source, _)? = error as? ImageError else { return false }
                return source == path
            }
            let salvaged = try Image.decode(cut, source: path, limits: ImageDecodingLimits(acceptsCorruptJPEGData: true))
            let header = try Image.readHeader(bytes)
            #expect(salvaged.width == header.width && salvaged.height == header.height)
        }
    }

    @Test func annotatedPreviewOfRealPhotos() throws {
        let images = try Self.samplePaths(perSet: 2).map { try Image.load(path: $0) }
        let tiles = images.enumerated().map { i, image in
            var annotated = image.letterboxed(to: 320).image
            annotated.drawLabeledBox(Box(x1: 40, y1: 60, x2: 200, y2: 220), label: "test \(i)", color: .palette(i))
            return (image: annotated, caption: "photo \(i) \(image.width)x\(image.height)")
        }
        let sheet = ContactSheet(columns: 3, cellWidth: 160, cellHeight: 160).render(tiles)
        let back = try Image.decode(try sheet.pngData())
        #expect(back == sheet)
    }
}
