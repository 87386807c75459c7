import Foundation
import HTTPTypes
import MCP
import MemOSCore
import Testing

@testable import MemOSTestSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The memory tools at the gateway's `/mcp`, through the MCP SDK's own client over TCP (`HTTPClientTransport`,
/// URLSession), against the real services and database.
@Suite("MCP at the gateway")
struct MCPTests {
    /// The SDK's HTTP client transport to the stack's gateway with `key` as its bearer token. Not streaming: on
    /// Linux the SDK's client opens no event stream, and the gateway answers every POST with JSON.
    static func transport(_ stack: TestStack, key: String?) -> HTTPClientTransport {
        HTTPClientTransport(
            endpoint: URL(string: "http://127.0.0.1:\(stack.gatewayPort)/mcp")!,
            streaming: false,
            requestModifier: { request in
                var request = request
                if let key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
                return request
            }
        )
    }

    /// A connected client of `key`'s user; disconnected after `body`.
    static func withClient(
        _ stack: TestStack,
        key: String,
        _ body: (Client, HTTPClientTransport) async throws -> Void
    ) async throws {
        let transport = Self.transport(stack, key: key)
        let client = Client(name: "memos-tests", version: "1")
        try await client.connect(transport: transport)
        do {
            try await body(client, transport)
        } catch {
            await client.disconnect()
            throw error
        }
        await client.disconnect()
    }

    @Test("the handshake, the tool list, and every tool over HTTP")
    func everyTool() async throws {
        try await TestStack.run { stack in
            let transport = Self.transport(stack, key: stack.alice.key)
            let client = Client(name: "memos-tests", version: "1")
            let initialized = try await client.connect(transport: transport)
            #expect(initialized.serverInfo.name == "memos-swift")
            #expect(initialized.serverInfo.version == MemOSVersion.current)
            #expect(initialized.capabilities.tools != nil && initialized.capabilities.resources != nil)
            #expect(
                Set(try await client.listTools().tools.map(\.name)) == [
                    "search_memories", "add_memory", "add_conversation", "get_memory", "update_memory",
                    "delete_memory", "list_memories", "list_cubes",
                ]
            )

            let cubes = try await MCPCalls.call(client, "list_cubes")
            #expect(MCPCalls.text(cubes).contains("alice-cube: role=owner owner=alice"))

            let added = try await MCPCalls.call(
                client,
                "add_memory",
                ["cube_id": "alice-cube", "content": "Alice's favourite tea is sencha", "tags": ["tea"]]
            )
            #expect(added.isError != true, "\(MCPCalls.text(added))")
            let id = try #require(added.structuredContent?.objectValue?["memory_ids"]?.arrayValue?.first?.stringValue)

            // Every readable cube by default; the session's own write is searchable at once.
            let found = try await MCPCalls.call(client, "search_memories", ["query": "favourite tea sencha"])
            #expect(found.isError != true, "\(MCPCalls.text(found))")
            #expect(MCPCalls.text(found).contains("id=\(id) type=LONG_TERM_MEMORY cube=alice-cube tags=tea"))
            #expect(MCPCalls.text(found).contains("Alice's favourite tea is sencha"))

            let conversation = try await MCPCalls.call(
                client,
                "add_conversation",
                [
                    "cube_id": "alice-cube",
                    "messages": [
                        ["role": "user", "content": "I moved to Lisbon last spring"],
                        ["role": "assistant", "content": "Lisbon is lovely in spring."],
                    ],
                ]
            )
            #expect(conversation.isError != true, "\(MCPCalls.text(conversation))")
            #expect(MCPCalls.text(conversation).hasPrefix("Stored 2 messages in cube alice-cube as 1 memory:"))

            let got = try await MCPCalls.call(
                client,
                "get_memory",
                ["cube_id": "alice-cube", "memory_id": .string(id)]
            )
            #expect(MCPCalls.text(got).hasSuffix("content:\nAlice's favourite tea is sencha"))

            let updated = try await MCPCalls.call(
                client,
                "update_memory",
                ["cube_id": "alice-cube", "memory_id": .string(id), "content": "Alice's favourite tea is gyokuro"]
            )
            #expect(updated.isError != true, "\(MCPCalls.text(updated))")
            #expect(MCPCalls.text(updated).contains("now version 2"))

            let listed = try await MCPCalls.call(client, "list_memories", ["cube_id": "alice-cube", "page_size": 10])
            #expect(MCPCalls.text(listed).contains("Alice's favourite tea is gyokuro"))
            #expect(MCPCalls.text(listed).contains("Lisbon"))

            let deleted = try await MCPCalls.call(
                client,
                "delete_memory",
                ["cube_id": "alice-cube", "memory_ids": [.string(id)]]
            )
            #expect(MCPCalls.text(deleted).hasPrefix("Deleted 1 memory of cube alice-cube"))
            let gone = try await MCPCalls.call(
                client,
                "get_memory",
                ["cube_id": "alice-cube", "memory_id": .string(id)]
            )
            #expect(MCPCalls.text(gone).contains("status: DELETED"))

            let resources = try await client.listResources().resources
            #expect(resources.map(\.uri) == ["memos://cubes/alice-cube/memories"])
            let recent = try await client.readResource(uri: "memos://cubes/alice-cube/memories")
            #expect(recent.first?.text?.contains("Lisbon") == true)
            await client.disconnect()
        }
    }

    @Test("a stranger's cube is a tool error with the service's permissionDenied")
    func strangersCube() async throws {
        try await TestStack.run { stack in
            try await Self.withClient(stack, key: stack.bob.key) { client, _ in
                let search = try await MCPCalls.call(
                    client,
                    "search_memories",
                    ["query": "tea", "cube_ids": .array([.string(stack.alice.cubeID)])]
                )
                #expect(search.isError == true)
                #expect(MCPCalls.text(search).hasPrefix("permissionDenied: "))

                let add = try await MCPCalls.call(
                    client,
                    "add_memory",
                    ["cube_id": .string(stack.alice.cubeID), "content": "Bob was here"]
                )
                #expect(add.isError == true)
                #expect(MCPCalls.text(add).hasPrefix("permissionDenied: "))

                let own = try await MCPCalls.call(
                    client,
                    "add_memory",
                    ["cube_id": .string(stack.bob.cubeID), "content": "Bob likes chess"]
                )
                #expect(own.isError != true, "\(MCPCalls.text(own))")
            }
        }
    }

    @Test("no key is 401, for the SDK's client and for a raw request")
    func withoutKey() async throws {
        try await TestStack.run { stack in
            let client = Client(name: "memos-tests", version: "1")
            await #expect(throws: (any Error).self) {
                try await client.connect(transport: Self.transport(stack, key: nil))
            }
            let initialize = #"""
                {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18",
                 "capabilities": {}, "clientInfo": {"name": "curl", "version": "1"}}}
                """#
            let result = try await stack.http(
                .post,
                "/mcp",
                key: nil,
                body: initialize,
                headers: [.accept: "application/json, text/event-stream"]
            )
            #expect(result.status == .unauthorized)
            #expect(result.headers[.wwwAuthenticate] == "Bearer")
            #expect((result.json["error"] as? [String: Any])?["code"] as? String == "unauthenticated")
        }
    }

    @Test("a session answers only its own user: another user's key is 404")
    func sessionBoundToUser() async throws {
        try await TestStack.run { stack in
            try await Self.withClient(stack, key: stack.alice.key) { _, transport in
                let session = try #require(await transport.sessionID)
                let list = #"{"jsonrpc": "2.0", "id": 7, "method": "tools/list"}"#
                let headers: HTTPFields = [
                    .accept: "application/json, text/event-stream", HTTPField.Name("Mcp-Session-Id")!: session,
                    HTTPField.Name("MCP-Protocol-Version")!: "2025-06-18",
                ]
                let stolen = try await stack.http(.post, "/mcp", key: stack.bob.key, body: list, headers: headers)
                #expect(stolen.status == .notFound)

                let own = try await stack.http(.post, "/mcp", key: stack.alice.key, body: list, headers: headers)
                #expect(own.status == .ok)
                #expect(own.headers[.contentType] == "application/json")
                #expect(own.body.contains("search_memories"))
            }
        }
    }
}
