import MCP

/// Refuses (403) a request whose `Origin` header, which browsers send, names an origin not allowed; a request
/// without one (every client that is not a browser) passes.
///
/// It replaces the SDK's default `OriginValidator.localhost()`, which also requires a `Host` of localhost and so
/// refuses a server reached by any other name; the API key each request must carry is the first line of defence.
struct BrowserOriginValidator: HTTPRequestValidator {
    let isAllowed: @Sendable (String) -> Bool

    func validate(_ request: HTTPRequest, context: HTTPValidationContext) -> HTTPResponse? {
        guard let origin = request.header(HTTPHeaderName.origin), !self.isAllowed(origin) else { return nil }
        return .error(
            statusCode: 403,
            .invalidRequest("Forbidden: origin '\(origin.prefix(128))' may not call this server"),
            sessionID: context.sessionID
        )
    }
}
