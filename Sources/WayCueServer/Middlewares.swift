import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Records every answer in ``ServerMetrics`` (by route template and status) and logs one line
/// per request (method, route, status, milliseconds; never headers or tokens).
struct ObservingMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics
    let logger: Logger

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            let seconds = (ContinuousClock.now - start).seconds
            let route = context.endpointPath ?? "unmatched"
            metrics.recordRequest(route: route, method: request.method.rawValue, status: status,
                                  seconds: seconds)
            logger.debug("request", metadata: [
                "method": "\(request.method.rawValue)", "route": "\(route)", "status": "\(status)",
                "ms": "\(Int((seconds * 1000).rounded()))",
            ])
        }
        do {
            let response = try await next(request, context)
            status = response.status.code
            return response
        } catch let e as any HTTPResponseError {
            status = e.status.code
            throw e
        }
    }
}

/// Requires `Authorization: Bearer <token>` on every path but ``WayCueServer/publicPaths``
/// when tokens are configured. Missing and wrong tokens answer 401 with distinct codes.
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokens: AccessTokens

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        if tokens.isEmpty || WayCueServer.publicPaths.contains(request.uri.path) {
            return try await next(request, context)
        }
        guard let value = request.headers[.authorization] else { throw APIError.missingToken }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw APIError.missingToken }
        guard tokens.accepts(String(parts[1]).trimmingCharacters(in: .whitespaces)) else {
            throw APIError.invalidToken
        }
        return try await next(request, context)
    }
}
