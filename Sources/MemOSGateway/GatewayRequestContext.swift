import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MemOSCore

/// The context of one gateway request: Hummingbird's core values and the request id.
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The `X-Request-Id` the client sent, or one made for the request; set by ``RequestIDMiddleware``.
    public var requestID: String = ""

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`: names one request in the logs of the gateway and of every service it calls.
    public static let requestID = HTTPField.Name("X-Request-Id")!
}

/// Accepts the client's `X-Request-Id` (1 to 128 visible ASCII characters) or makes one, puts it in the
/// logger metadata (`request_id`) of every log line about the request and in the response's `X-Request-Id`, and
/// turns errors thrown outside the route handlers (unknown route) into the gateway's error body; then counts the
/// request in `metrics`.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    let errorResponse: @Sendable (any Error, Logger) -> Response
    let metrics: RequestMetrics

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        let id = request.headers[.requestID].flatMap(Self.accepted) ?? UUID.random().lowercasedString
        context.requestID = id
        context.logger[metadataKey: "request_id"] = .string(id)
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = self.errorResponse(error, context.logger)
        }
        response.headers[.requestID] = id
        let elapsed = (ContinuousClock.now - start).components
        self.metrics.record(
            method: request.method.rawValue,
            route: context.endpointPath,
            status: response.status.code,
            seconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        )
        context.logger.debug(
            "request",
            metadata: [
                "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)",
            ]
        )
        return response
    }

    static func accepted(_ value: String) -> String? {
        let valid = (1...128).contains(value.utf8.count) && value.utf8.allSatisfy { (0x21...0x7E).contains($0) }
        return valid ? value : nil
    }
}
