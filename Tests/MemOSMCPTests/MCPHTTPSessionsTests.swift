import Foundation
import GRPCCore
import GRPCInProcessTransport
import MCP
import MemOSMCP
import MemOSProto
import Synchronization
import Testing

/// Streamable HTTP sessions without an HTTP server: requests as the gateway hands them over, after it has
/// authenticated the caller.
@Suite("MCP over HTTP sessions")
struct MCPHTTPSessionsTests {
    /// Runs `body` with sessions whose servers offer the tools over the fake services.
    static func withSessions(
        _ configuration: MCPHTTPSessions.Configuration = .init(),
        _ body:
            @Sendable (MCPHTTPSessions, _ makeServer: @escaping @Sendable () async -> Server, FakeBackend) async throws
            -> Void
    ) async throws {
        let backend = FakeBackend()
        let transport = InProcessTransport()
        try await withGRPCServer(
            transport: transport.server,
            services: FakeServices.all(backend),
            interceptors: [FakeBackend.Authentication(backend: backend)]
        ) { _ in
            try await withGRPCClient(transport: transport.client) { grpc in
                let tools = MemoryTools(
                    ingest: Memos_Ingest_V1_IngestService.Client(wrapping: grpc),
                    retrieval: Memos_Retrieval_V1_RetrievalService.Client(wrapping: grpc),
                    accounts: Memos_Accounts_V1_AccountsService.Client(wrapping: grpc),
                    credentials: MemoryTools.credentialsOfCurrentHTTPRequest(
                        fallback: ["authorization": "Bearer mk_fallback"]
                    )
                )
                let sessions = MCPHTTPSessions(configuration: configuration)
                try await body(sessions, { await MCPServerFactory.makeServer(tools: tools) }, backend)
                await sessions.closeAll()
            }
        }
    }

    static func request(
        method: String = "POST",
        session: String? = nil,
        key: String = FakeBackend.aliceKey,
        headers extra: [String: String] = [:],
        _ message: [String: Any]? = nil
    ) -> HTTPRequest {
        var headers = [
            "accept": "application/json, text/event-stream", "content-type": "application/json",
            "mcp-protocol-version": "2025-06-18", "authorization": "Bearer \(key)",
        ]
        if let session { headers["mcp-session-id"] = session }
        headers.merge(extra) { $1 }
        let body = message.map { try! JSONSerialization.data(withJSONObject: $0) }
        return HTTPRequest(method: method, headers: headers, body: body, path: "/mcp")
    }

    static var initialize: [String: Any] {
        [
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": [
                "protocolVersion": "2025-06-18", "capabilities": [:] as [String: Any],
                "clientInfo": ["name": "test", "version": "1"],
            ],
        ]
    }

    static func call(_ id: Int, _ method: String, _ params: [String: Any] = [:]) -> [String: Any] {
        ["jsonrpc": "2.0", "id": id, "method": method, "params": params]
    }

    static func json(_ response: HTTPResponse) -> [String: Any] {
        response.bodyData.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
    }

    /// Opens a session for `user`; returns its id.
    static func open(
        _ sessions: MCPHTTPSessions,
        user: String = "alice",
        now: ContinuousClock.Instant = .now,
        makeServer: @escaping @Sendable () async -> Server
    ) async throws -> String {
        let response = await sessions.handle(
            Self.request(Self.initialize),
            userID: user,
            now: now,
            makeServer: makeServer
        )
        #expect(response.statusCode == 200)
        let id = try #require(response.headers[HTTPHeaderName.sessionID])
        let initialized = await sessions.handle(
            Self.request(session: id, ["jsonrpc": "2.0", "method": "notifications/initialized"]),
            userID: user,
            now: now,
            makeServer: makeServer
        )
        #expect(initialized.statusCode == 202)
        return id
    }

    @Test("initialize opens a session answered in JSON; its requests are answered in JSON")
    func session() async throws {
        try await Self.withSessions { sessions, makeServer, backend in
            let opened = await sessions.handle(Self.request(Self.initialize), userID: "alice", makeServer: makeServer)
            #expect(opened.statusCode == 200)
            #expect(opened.headers[HTTPHeaderName.contentType] == "application/json")
            let result = try #require(Self.json(opened)["result"] as? [String: Any])
            #expect((result["serverInfo"] as? [String: Any])?["name"] as? String == "memos-swift")
            let id = try #require(opened.headers[HTTPHeaderName.sessionID])

            let listed = await sessions.handle(
                Self.request(session: id, Self.call(2, "tools/list")),
                userID: "alice",
                makeServer: makeServer
            )
            #expect(listed.statusCode == 200)
            let tools = ((Self.json(listed)["result"] as? [String: Any])?["tools"] as? [[String: Any]]) ?? []
            #expect(tools.count == 8)

            let called = await sessions.handle(
                Self.request(session: id, Self.call(3, "tools/call", ["name": "list_cubes", "arguments": [:]])),
                userID: "alice",
                makeServer: makeServer
            )
            let content = (Self.json(called)["result"] as? [String: Any])?["content"] as? [[String: Any]]
            #expect((content?.first?["text"] as? String)?.hasPrefix("Your cubes:\nalice-cube: role=owner") == true)
            // The call used the key of the HTTP request it came in, not the fallback.
            #expect(backend.state.withLock { $0.authorizations } == ["Bearer \(FakeBackend.aliceKey)"])
            #expect(await sessions.count == 1)
        }
    }

    @Test("another user's request to a session is answered as if it did not exist")
    func boundToUser() async throws {
        try await Self.withSessions { sessions, makeServer, _ in
            let id = try await Self.open(sessions, makeServer: makeServer)
            let stolen = await sessions.handle(
                Self.request(session: id, key: FakeBackend.bobKey, Self.call(2, "tools/list")),
                userID: "bob",
                makeServer: makeServer
            )
            #expect(stolen.statusCode == 404)
            let own = await sessions.handle(
                Self.request(session: id, Self.call(3, "tools/list")),
                userID: "alice",
                makeServer: makeServer
            )
            #expect(own.statusCode == 200)
        }
    }

    @Test("requests without a session, or to a closed one, are refused")
    func withoutSession() async throws {
        try await Self.withSessions { sessions, makeServer, _ in
            let noSession = await sessions.handle(
                Self.request(Self.call(1, "tools/list")),
                userID: "alice",
                makeServer: makeServer
            )
            #expect(noSession.statusCode == 400)
            let unknown = await sessions.handle(
                Self.request(session: "nope", Self.call(1, "tools/list")),
                userID: "alice",
                makeServer: makeServer
            )
            #expect(unknown.statusCode == 404)

            let id = try await Self.open(sessions, makeServer: makeServer)
            let deleted = await sessions.handle(
                Self.request(method: "DELETE", session: id),
                userID: "alice",
                makeServer: makeServer
            )
            #expect(deleted.statusCode == 200)
            #expect(await sessions.count == 0)
            let after = await sessions.handle(
                Self.request(session: id, Self.call(2, "tools/list")),
                userID: "alice",
                makeServer: makeServer
            )
            #expect(after.statusCode == 404)
        }
    }

    @Test("a session idle longer than the timeout is closed")
    func idleTimeout() async throws {
        try await Self.withSessions(.init(idleTimeout: .seconds(60))) { sessions, makeServer, _ in
            let start = ContinuousClock.now
            let id = try await Self.open(sessions, now: start, makeServer: makeServer)
            let soon = await sessions.handle(
                Self.request(session: id, Self.call(2, "ping")),
                userID: "alice",
                now: start + .seconds(59),
                makeServer: makeServer
            )
            #expect(soon.statusCode == 200)
            let late = await sessions.handle(
                Self.request(session: id, Self.call(3, "ping")),
                userID: "alice",
                now: start + .seconds(59 + 61),
                makeServer: makeServer
            )
            #expect(late.statusCode == 404)
            #expect(await sessions.count == 0)
        }
    }

    @Test("a user at the limit loses their oldest session; a full server refuses new ones")
    func limits() async throws {
        try await Self.withSessions(.init(maxSessions: 3, maxSessionsPerUser: 2)) { sessions, makeServer, _ in
            let start = ContinuousClock.now
            let first = try await Self.open(sessions, now: start, makeServer: makeServer)
            let second = try await Self.open(sessions, now: start + .seconds(1), makeServer: makeServer)
            _ = try await Self.open(sessions, now: start + .seconds(2), makeServer: makeServer)
            #expect(await sessions.count == 2)
            let evicted = await sessions.handle(
                Self.request(session: first, Self.call(2, "ping")),
                userID: "alice",
                makeServer: makeServer
            )
            #expect(evicted.statusCode == 404)
            let kept = await sessions.handle(
                Self.request(session: second, Self.call(2, "ping")),
                userID: "alice",
                makeServer: makeServer
            )
            #expect(kept.statusCode == 200)

            _ = try await Self.open(sessions, user: "bob", makeServer: makeServer)
            let full = await sessions.handle(Self.request(Self.initialize), userID: "carol", makeServer: makeServer)
            #expect(full.statusCode == 503)
        }
    }

    @Test("a browser's origin must be allowed; clients without one pass")
    func origins() async throws {
        let configuration = MCPHTTPSessions.Configuration(isAllowedOrigin: { $0 == "https://app.example" })
        try await Self.withSessions(configuration) { sessions, makeServer, _ in
            let refused = await sessions.handle(
                Self.request(headers: ["origin": "https://evil.example"], Self.initialize),
                userID: "alice",
                makeServer: makeServer
            )
            #expect(refused.statusCode == 403)
            #expect(await sessions.count == 0)
            let allowed = await sessions.handle(
                Self.request(
                    headers: ["origin": "https://app.example", "host": "memos.internal:8080"],
                    Self.initialize
                ),
                userID: "alice",
                makeServer: makeServer
            )
            #expect(allowed.statusCode == 200)
        }
    }

    @Test("GET opens the session's event stream")
    func eventStream() async throws {
        try await Self.withSessions { sessions, makeServer, _ in
            let id = try await Self.open(sessions, makeServer: makeServer)
            let stream = await sessions.handle(
                Self.request(method: "GET", session: id, headers: ["accept": "text/event-stream"]),
                userID: "alice",
                makeServer: makeServer
            )
            #expect(stream.statusCode == 200)
            #expect(stream.headers[HTTPHeaderName.contentType] == "text/event-stream")
            guard case .stream = stream else {
                Issue.record("not a stream: \(stream)")
                return
            }
        }
    }
}
