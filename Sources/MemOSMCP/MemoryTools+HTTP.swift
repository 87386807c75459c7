import GRPCCore
import MCP

extension MemoryTools {
    /// The credentials of the HTTP request a tool call came in: its `Authorization` header (which the server has
    /// authenticated, and matched to the session's user) and `X-Request-Id`, so that each call uses the key the
    /// client sent with it. `fallback` outside an HTTP request.
    public static func credentialsOfCurrentHTTPRequest(fallback: GRPCCore.Metadata) -> Credentials {
        {
            guard let request = Server.currentHandlerContext?.httpContext,
                let authorization = request.header(HTTPHeaderName.authorization)
            else { return fallback }
            var metadata: GRPCCore.Metadata = ["authorization": .string(authorization)]
            if let requestID = request.header("X-Request-Id") {
                metadata.addString(requestID, forKey: "x-request-id")
            }
            return metadata
        }
    }
}
