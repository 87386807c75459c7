import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import MCP
import MemOSCore
import MemOSMCP
import NIOCore

/// `/mcp`: the memory tools over MCP's Streamable HTTP transport, with sessions (`StatefulHTTPServerTransport`, one
/// MCP server per session, see ``MCPHTTPSessions``).
///
/// Every request carries `Authorization: Bearer <api key>` and is authenticated like any other route (401 without a
/// valid key, 429 past the key's rate limit) before the transport sees it. A session belongs to the user whose key
/// opened it: a request with another user's key is answered 404, as if the session did not exist. Tool calls reach
/// the services with the key of the request they came in. A `POST` is answered with one JSON body, a `GET` with the
/// session's event stream, a `DELETE` closes the session. Browsers may call from the origins of
/// `MEMOS_CORS_ORIGINS` only; clients that send no `Origin` (every client that is not a browser) pass.
extension Gateway {
    func addMCPRoutes(to router: Router<GatewayRequestContext>) {
        let origins = self.configuration.corsOrigins
        let sessions = MCPHTTPSessions(
            configuration: .init(isAllowedOrigin: { origin in
                switch origins {
                case .none: false
                case .any: true
                case .list(let allowed): allowed.contains(origin)
                }
            }),
            logger: self.logger
        )
        router.post("/mcp") { request, context in await self.mcp(request, context, sessions: sessions) }
        router.get("/mcp") { request, context in await self.mcp(request, context, sessions: sessions) }
        router.delete("/mcp") { request, context in await self.mcp(request, context, sessions: sessions) }
    }

    func mcp(
        _ request: HummingbirdCore.Request,
        _ context: GatewayRequestContext,
        sessions: MCPHTTPSessions
    ) async -> HummingbirdCore.Response {
        do {
            let caller = try await self.caller(request, context)
            let body = request.method == .post ? try await self.body(of: request) : nil
            let answer = await sessions.handle(
                MCP.HTTPRequest(
                    method: request.method.rawValue,
                    headers: Self.mcpHeaders(request, context),
                    body: body,
                    path: request.uri.path
                ),
                userID: caller.principal.userID.uuidString
            ) {
                let tools = MemoryTools(
                    ingest: self.clients.ingest,
                    retrieval: self.clients.retrieval,
                    accounts: self.accounts.client,
                    credentials: MemoryTools.credentialsOfCurrentHTTPRequest(fallback: caller.metadata),
                    logger: self.logger
                )
                return await MCPServerFactory.makeServer(tools: tools)
            }
            return Self.response(answer)
        } catch {
            var response = self.errorResponse(error, logger: context.logger)
            if response.status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
            return response
        }
    }

    /// The request's headers as the transport reads them (names in lower case, repeated ones joined with `, `),
    /// with the request id the gateway gave the request, which tool calls pass on to the services.
    static func mcpHeaders(_ request: HummingbirdCore.Request, _ context: GatewayRequestContext) -> [String: String] {
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
        }
        headers[HTTPField.Name.requestID.canonicalName] = context.requestID
        return headers
    }

    /// The transport's answer as a Hummingbird response; an event stream is written as it comes.
    static func response(_ answer: MCP.HTTPResponse) -> HummingbirdCore.Response {
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let name = HTTPField.Name(name) { headers[name] = value }
        }
        let status = HTTPTypes.HTTPResponse.Status(code: answer.statusCode)
        if case .stream(let events, _) = answer {
            return HummingbirdCore.Response(
                status: status,
                headers: headers,
                body: ResponseBody(asyncSequence: events.map { ByteBuffer(bytes: $0) })
            )
        }
        return HummingbirdCore.Response(
            status: status,
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.bodyData ?? Data()))
        )
    }
}
