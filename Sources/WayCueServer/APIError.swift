import Foundation
import HTTPTypes
import Hummingbird

/// An error answered to a client as JSON: `{"error": {"code": "...", "message": "..."}}`.
///
/// `code` is a stable machine-readable word (documented in `openapi.yaml`); `message` says
/// what was wrong in words and never contains a token or other secret.
public struct APIError: Error, HTTPResponseError, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A stable code such as `queue_full` or `invalid_image`.
    public var code: String
    /// A human-readable explanation.
    public var message: String
    /// Seconds for a `Retry-After` header (503 and 429 answers).
    public var retryAfterSeconds: Int?
    /// Whether to add `WWW-Authenticate: Bearer` (401 answers).
    public var challenge: Bool

    /// Creates an error.
    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String,
                retryAfterSeconds: Int? = nil, challenge: Bool = false) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
        self.challenge = challenge
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    /// The JSON body.
    public var jsonBody: String {
        struct Body: Encodable {
            struct Inner: Encodable { var code: String; var message: String }
            var error: Inner
        }
        let data = (try? JSONEncoder.sorted.encode(Body(error: .init(code: code, message: message))))
            ?? Data("{\"error\":{\"code\":\"internal\",\"message\":\"\"}}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Builds the HTTP response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        if challenge { headers[.wwwAuthenticate] = "Bearer realm=\"waycue\"" }
        return Response(status: status, headers: headers,
                        body: .init(byteBuffer: ByteBuffer(string: jsonBody)))
    }

    // MARK: The errors the service answers

    static func badRequest(_ code: String, _ message: String) -> APIError {
        APIError(.badRequest, code, message)
    }
    static let missingToken = APIError(
        .unauthorized, "missing_token", "this server requires 'Authorization: Bearer <token>'",
        challenge: true)
    static let invalidToken = APIError(
        .unauthorized, "invalid_token", "the bearer token is not accepted", challenge: true)
    static func bodyTooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, "body_too_large", "the request body is larger than \(limit) bytes")
    }
    static func tooManyPixels(width: Int, height: Int, limit: Int) -> APIError {
        APIError(.contentTooLarge, "too_many_pixels",
                 "the image is \(width)x\(height) = \(width * height) pixels; the limit is \(limit)")
    }
    static func queueFull(retryAfter: Int) -> APIError {
        APIError(.serviceUnavailable, "queue_full",
                 "the inference queue is full; retry after \(retryAfter) s",
                 retryAfterSeconds: retryAfter)
    }
    static let timedOut = APIError(
        .gatewayTimeout, "timeout", "the request did not finish within the server's time limit")
    static let shuttingDown = APIError(
        .serviceUnavailable, "shutting_down", "the server is shutting down", retryAfterSeconds: 5)
    static func streamNotFound(_ id: String) -> APIError {
        APIError(.notFound, "stream_not_found", "no stream '\(id)' (it may have expired)")
    }
}

extension JSONEncoder {
    /// A JSON encoder with sorted keys (stable output for clients and tests).
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}
