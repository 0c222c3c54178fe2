import Foundation
import WayCueImage

/// The image bytes of a request: the raw body (`image/jpeg`, `image/png`, or anything whose
/// bytes start like one), or the part named `image` of a `multipart/form-data` body.
public struct ImageUpload: Sendable, Equatable {
    /// The image file's bytes.
    public var bytes: [UInt8]
    /// The format found from the first bytes.
    public var format: Format

    /// Image file formats the service reads.
    public enum Format: String, Sendable, Equatable {
        /// JPEG (starts with `FF D8 FF`).
        case jpeg
        /// PNG (starts with the 8-byte PNG signature).
        case png
    }

    /// Finds the image in a request body.
    ///
    /// - Parameters:
    ///   - body: The whole request body.
    ///   - contentType: The `Content-Type` header, if any.
    /// - Throws: ``APIError`` 400 (`empty_body`, `invalid_multipart`, `missing_image_part`) or
    ///   415 (`unsupported_media_type`) naming what was wrong.
    public static func extract(body: [UInt8], contentType: String?) throws(APIError) -> ImageUpload {
        var bytes = body
        if let contentType, contentType.lowercased().hasPrefix("multipart/form-data") {
            guard let boundary = MultipartForm.boundary(fromContentType: contentType) else {
                throw .badRequest("invalid_multipart", "multipart/form-data without a boundary parameter")
            }
            let parts: [MultipartForm.Part]
            do { parts = try MultipartForm.parse(body, boundary: boundary) } catch {
                throw .badRequest("invalid_multipart", "multipart body: \(error)")
            }
            guard let part = parts.first(where: { $0.name == "image" }) else {
                throw .badRequest("missing_image_part", "the multipart body has no part named 'image'")
            }
            bytes = part.body
        }
        guard !bytes.isEmpty else { throw .badRequest("empty_body", "the request carries no image bytes") }
        guard let format = sniff(bytes) else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type",
                           "the body is neither a JPEG nor a PNG file (checked its first bytes)")
        }
        return ImageUpload(bytes: bytes, format: format)
    }

    /// The format told by the file's magic number.
    public static func sniff(_ b: [UInt8]) -> Format? {
        if b.count >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF { return .jpeg }
        if b.count >= 8 && b[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            return .png
        }
        return nil
    }

    /// Reads the header and checks the pixel count against `maxPixels`.
    ///
    /// - Throws: ``APIError`` 422 `invalid_image` when the header cannot be read, 413
    ///   `too_many_pixels` when the image is too large.
    public func checkSize(maxPixels: Int) throws(APIError) -> (width: Int, height: Int) {
        let header: ImageHeader
        do { header = try Image.readHeader(bytes, source: "request body") } catch {
            throw APIError(.unprocessableContent, "invalid_image", "cannot read the image header: \(error)")
        }
        let (w, h) = (header.width, header.height)
        guard w > 0, h > 0 else {
            throw APIError(.unprocessableContent, "invalid_image", "the image header says \(w)x\(h)")
        }
        if w.multipliedReportingOverflow(by: h).overflow || w * h > maxPixels {
            throw .tooManyPixels(width: w, height: h, limit: maxPixels)
        }
        return (w, h)
    }

    /// Decodes the image to RGB.
    ///
    /// - Throws: ``APIError`` 422 `invalid_image` with the decoder's reason.
    public func decode(maxPixels: Int) throws(APIError) -> Image {
        do {
            return try Image.decode(bytes, source: "request body", as: .rgb8,
                                    limits: ImageDecodingLimits(maxPixels: maxPixels))
        } catch {
            throw APIError(.unprocessableContent, "invalid_image", "cannot decode the image: \(error)")
        }
    }
}

/// A minimal `multipart/form-data` reader (RFC 7578): parts with their `name` and bytes.
public enum MultipartForm {
    /// One part.
    public struct Part: Sendable, Equatable {
        /// The `name` of its `Content-Disposition`, if any.
        public var name: String?
        /// Its `Content-Type`, if any.
        public var contentType: String?
        /// Its bytes.
        public var body: [UInt8]
    }

    /// A malformed body.
    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The first boundary line is missing.
        case noOpeningBoundary
        /// A part's header block does not end with an empty line.
        case unterminatedHeaders(part: Int)
        /// The closing boundary (`--boundary--`) is missing.
        case noClosingBoundary
        /// Too many parts.
        case tooManyParts(Int)

        public var description: String {
            switch self {
            case .noOpeningBoundary: "the body does not start with the boundary"
            case .unterminatedHeaders(let i): "part \(i + 1): headers not followed by an empty line"
            case .noClosingBoundary: "the closing boundary is missing"
            case .tooManyParts(let n): "more than \(n) parts"
            }
        }
    }

    /// The `boundary` parameter of a `Content-Type` header.
    public static func boundary(fromContentType value: String) -> String? {
        for param in value.split(separator: ";").dropFirst() {
            let kv = param.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else {
                continue
            }
            var b = kv[1].trimmingCharacters(in: .whitespaces)
            if b.hasPrefix("\""), b.hasSuffix("\""), b.count >= 2 { b = String(b.dropFirst().dropLast()) }
            return b.isEmpty || b.utf8.count > 200 ? nil : b
        }
        return nil
    }

    /// Splits `body` into parts.
    public static func parse(_ body: [UInt8], boundary: String, maxParts: Int = 16) throws(ParseError) -> [Part] {
        let dash = Array("--\(boundary)".utf8)
        let delimiter = Array("\r\n--\(boundary)".utf8)
        guard let first = find(dash, in: body, from: 0) else { throw .noOpeningBoundary }
        var pos = first + dash.count
        var parts: [Part] = []
        while true {
            // After a boundary: "--" ends the body, otherwise CRLF then headers.
            if pos + 2 <= body.count && body[pos] == 0x2D && body[pos + 1] == 0x2D { return parts }
            // Skip transport padding and the CRLF.
            while pos < body.count && (body[pos] == 0x20 || body[pos] == 0x09) { pos += 1 }
            guard pos + 2 <= body.count, body[pos] == 0x0D, body[pos + 1] == 0x0A else {
                throw .noClosingBoundary
            }
            pos += 2
            guard parts.count < maxParts else { throw .tooManyParts(maxParts) }
            guard let headerEnd = find([0x0D, 0x0A, 0x0D, 0x0A], in: body, from: pos - 2) else {
                throw .unterminatedHeaders(part: parts.count)
            }
            let headerText = headerEnd > pos ? String(decoding: body[pos..<headerEnd], as: UTF8.self) : ""
            var part = Part(name: nil, contentType: nil, body: [])
            for line in headerText.split(separator: "\r\n") {
                let kv = line.split(separator: ":", maxSplits: 1)
                guard kv.count == 2 else { continue }
                let key = kv[0].trimmingCharacters(in: .whitespaces).lowercased()
                let value = kv[1].trimmingCharacters(in: .whitespaces)
                if key == "content-type" { part.contentType = value }
                if key == "content-disposition" { part.name = dispositionName(value) }
            }
            let start = headerEnd + 4
            guard let end = find(delimiter, in: body, from: start) else { throw .noClosingBoundary }
            part.body = Array(body[start..<end])
            parts.append(part)
            pos = end + delimiter.count
        }
    }

    static func dispositionName(_ value: String) -> String? {
        for param in value.split(separator: ";").dropFirst() {
            let kv = param.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces).lowercased() == "name" else {
                continue
            }
            var v = kv[1].trimmingCharacters(in: .whitespaces)
            if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { v = String(v.dropFirst().dropLast()) }
            return v
        }
        return nil
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, start >= 0, haystack.count >= needle.count else { return nil }
        var i = start
        let last = haystack.count - needle.count
        let first = needle[0]
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
