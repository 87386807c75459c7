import Foundation
import HTTPTypes
import Hummingbird

extension Gateway {
    /// Which web origins a browser may call the gateway from (CORS); none by default.
    public enum CORSOrigins: Sendable, Hashable {
        /// No cross-origin calls: no `Access-Control-*` header is ever sent.
        case none
        /// Any origin (`Access-Control-Allow-Origin: *`); credentials are never allowed with it, and the API key
        /// travels in the `Authorization` header, which browsers send anyway once allowed.
        case any
        /// These origins (`scheme://host[:port]`, compared exactly).
        case list([String])

        /// Parses `MEMOS_CORS_ORIGINS`: empty for none, `*` for any, else origins separated by commas.
        /// - Returns: nil for an origin that is not `http(s)://host[:port]`.
        public init?(setting: String) {
            let trimmed = setting.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty {
                self = .none
                return
            }
            if trimmed == "*" {
                self = .any
                return
            }
            let origins = trimmed.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard origins.allSatisfy(Self.isOrigin) else { return nil }
            self = .list(origins)
        }

        static func isOrigin(_ text: String) -> Bool {
            guard let url = URLComponents(string: text), ["http", "https"].contains(url.scheme ?? ""),
                let host = url.host, !host.isEmpty, url.path.isEmpty, url.query == nil, url.fragment == nil
            else { return false }
            return true
        }
    }
}

/// CORS for the configured origins: Hummingbird's `CORSMiddleware` answers preflights and adds the headers, for
/// an allowed origin only; a request from another origin goes on without any `Access-Control-*` header, so the
/// browser refuses its answer to the page.
struct OriginCheckedCORS<Context: RequestContext>: RouterMiddleware {
    let origins: Gateway.CORSOrigins
    let cors: CORSMiddleware<Context>

    init(_ origins: Gateway.CORSOrigins) {
        self.origins = origins
        self.cors = CORSMiddleware(
            allowOrigin: origins == .any ? .all : .originBased,
            // The MCP headers let a browser agent hold a session at /mcp.
            allowHeaders: [.accept, .authorization, .contentType, .origin]
                + ["X-Request-Id", "Mcp-Session-Id", "MCP-Protocol-Version", "Last-Event-ID"].compactMap {
                    HTTPField.Name($0)
                },
            allowMethods: [.get, .post, .put, .delete, .head, .options],
            allowCredentials: false,
            exposedHeaders: ["X-Request-Id", "Retry-After", "Mcp-Session-Id"],
            maxAge: .seconds(600)
        )
    }

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        switch self.origins {
        case .none:
            return try await next(request, context)
        case .any:
            return try await self.withExposedHeaders(request, context: context, next: next)
        case .list(let allowed):
            guard let origin = request.headers[.origin], allowed.contains(origin) else {
                return try await next(request, context)
            }
            return try await self.withExposedHeaders(request, context: context, next: next)
        }
    }

    /// The CORS middleware's answer, with `Access-Control-Expose-Headers` on actual answers too (it puts it on
    /// preflights only, where browsers ignore it).
    private func withExposedHeaders(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await self.cors.handle(request, context: context, next: next)
        if request.method != .options, request.headers[.origin] != nil {
            response.headers[.accessControlExposeHeaders] = "X-Request-Id, Retry-After, Mcp-Session-Id"
        }
        return response
    }
}
