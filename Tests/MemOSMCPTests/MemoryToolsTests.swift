import Foundation
import GRPCCore
import GRPCInProcessTransport
import MCP
import MemOSCore
import MemOSMCP
import MemOSProto
import SwiftProtobuf
import Synchronization
import Testing

/// The tools through a real MCP client and server in one process (the SDK's in-memory transport), over the gRPC
/// clients of in-process fakes of the services.
@Suite("MCP memory tools")
struct MemoryToolsTests {
    /// Runs `body` with an MCP client connected as the holder of `key`.
    static func withClient(
        key: String = FakeBackend.aliceKey,
        _ body: @Sendable (Client, FakeBackend) async throws -> Void
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
                    key: { key }
                )
                let server = await MCPServerFactory.makeServer(tools: tools)
                let (clientSide, serverSide) = await InMemoryTransport.createConnectedPair()
                try await server.start(transport: serverSide)
                let client = Client(name: "memos-tests", version: "1")
                do {
                    try await client.connect(transport: clientSide)
                    try await body(client, backend)
                } catch {
                    await client.disconnect()
                    await server.stop()
                    throw error
                }
                await client.disconnect()
                await server.stop()
            }
        }
    }

    /// The whole result of a call, structured content included.
    static func call(
        _ client: Client,
        _ name: String,
        _ arguments: [String: Value] = [:]
    ) async throws
        -> CallTool.Result
    {
        try await client.send(CallTool.request(.init(name: name, arguments: arguments))).value
    }

    static func text(_ result: CallTool.Result) -> String {
        result.content.compactMap {
            if case .text(let text, _, _) = $0 { text } else { nil }
        }.joined(separator: "\n")
    }

    // MARK: Listing

    @Test("the handshake names the server and its version, with tools and resources")
    func handshake() async throws {
        let backend = FakeBackend()
        let transport = InProcessTransport()
        try await withGRPCServer(transport: transport.server, services: FakeServices.all(backend)) { _ in
            try await withGRPCClient(transport: transport.client) { grpc in
                let tools = MemoryTools(
                    ingest: Memos_Ingest_V1_IngestService.Client(wrapping: grpc),
                    retrieval: Memos_Retrieval_V1_RetrievalService.Client(wrapping: grpc),
                    accounts: Memos_Accounts_V1_AccountsService.Client(wrapping: grpc),
                    key: { FakeBackend.aliceKey }
                )
                let server = await MCPServerFactory.makeServer(tools: tools)
                let (clientSide, serverSide) = await InMemoryTransport.createConnectedPair()
                try await server.start(transport: serverSide)
                let client = Client(name: "memos-tests", version: "1")
                let initialized = try await client.connect(transport: clientSide)
                #expect(initialized.serverInfo.name == "memos-swift")
                #expect(initialized.serverInfo.version == MemOSVersion.current)
                #expect(initialized.capabilities.tools != nil)
                #expect(initialized.capabilities.resources != nil)
                #expect(initialized.instructions?.contains("search_memories") == true)
                await client.disconnect()
                await server.stop()
            }
        }
    }

    @Test("lists every tool with an object schema, its required arguments and its limits")
    func listsTools() async throws {
        try await Self.withClient { client, _ in
            let tools = try await client.listTools().tools
            let byName = Dictionary(uniqueKeysWithValues: tools.map { ($0.name, $0) })
            #expect(
                Set(byName.keys) == [
                    "search_memories", "add_memory", "add_conversation", "get_memory", "update_memory",
                    "delete_memory", "list_memories", "list_cubes",
                ]
            )
            let required: [String: [String]] = [
                "search_memories": ["query"], "add_memory": ["cube_id", "content"],
                "add_conversation": ["cube_id", "messages"], "get_memory": ["cube_id", "memory_id"],
                "update_memory": ["cube_id", "memory_id"], "delete_memory": ["cube_id", "memory_ids"],
                "list_memories": ["cube_id"], "list_cubes": [],
            ]
            for tool in tools {
                let schema = try #require(tool.inputSchema.objectValue)
                #expect(schema["type"] == "object", "\(tool.name)")
                #expect(schema["properties"]?.objectValue != nil, "\(tool.name)")
                let names = schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
                #expect(names == required[tool.name], "\(tool.name)")
                #expect((tool.description ?? "").count > 100, "\(tool.name) explains itself")
            }
            let search = try #require(byName["search_memories"]?.inputSchema.objectValue?["properties"]?.objectValue)
            #expect(search["top_k"]?.objectValue?["minimum"] == 1)
            #expect(search["top_k"]?.objectValue?["maximum"] == 100)
            #expect(search["top_k"]?.objectValue?["type"] == "integer")
            #expect(search["cube_ids"]?.objectValue?["type"] == "array")
            let add = try #require(byName["add_memory"]?.inputSchema.objectValue?["properties"]?.objectValue)
            #expect(add["content"]?.objectValue?["description"]?.stringValue?.contains("16,384 bytes") == true)
            #expect(byName["search_memories"]?.annotations.readOnlyHint == true)
            #expect(byName["delete_memory"]?.description?.contains("restored") == true)
        }
    }

    // MARK: Tools

    @Test("add_memory stores a memory that search_memories then finds, in every cube the caller reads")
    func addThenSearch() async throws {
        try await Self.withClient { client, backend in
            let added = try await Self.call(
                client,
                "add_memory",
                [
                    "cube_id": "alice-cube", "content": "Alice prefers green tea", "tags": ["drinks"],
                    "memory_type": "PREFERENCE_MEMORY",
                ]
            )
            #expect(added.isError != true, "\(Self.text(added))")
            let stored = try #require(backend.memories(in: "alice-cube").first)
            #expect(stored.memoryType == .preferenceMemory)
            #expect(stored.tags == ["drinks"])
            #expect(Self.text(added).contains(stored.id))

            let found = try await Self.call(client, "search_memories", ["query": "what tea does she like"])
            #expect(found.isError != true)
            let text = Self.text(found)
            #expect(text.contains("[score 0.500] id=\(stored.id) type=PREFERENCE_MEMORY cube=alice-cube"))
            #expect(text.contains("tags=drinks: Alice prefers green tea"))
            let hits = try #require(found.structuredContent?.objectValue?["hits"]?.arrayValue)
            #expect(hits.first?.objectValue?["memory"]?.objectValue?["id"]?.stringValue == stored.id)

            let search = try #require(backend.state.withLock { $0.searches.last })
            #expect(search.cubeIds == ["alice-cube", "shared"])
            #expect(search.topK == 10)
            #expect(search.minChangeSeq == stored.changeSeq, "the session reads its own write")
            #expect(backend.state.withLock { $0.authorizations }.allSatisfy { $0 == "Bearer \(FakeBackend.aliceKey)" })
        }
    }

    @Test("search_memories takes cubes, top_k, types and a filter, and cites document chunks")
    func searchArguments() async throws {
        try await Self.withClient { client, backend in
            backend.store(
                .with {
                    $0.cubeID = "shared"
                    $0.content = "Visas for Japan take two weeks"
                    $0.memoryType = .rawFileMemory
                    $0.sources = [
                        .with {
                            $0.type = "doc"
                            $0.docPath = "handbook.pdf"
                            $0.section = ["Travel", "Visas"]
                            $0.pageStart = 3
                            $0.pageEnd = 4
                        }
                    ]
                }
            )
            let found = try await Self.call(
                client,
                "search_memories",
                [
                    "query": "visas", "cube_ids": ["shared"], "top_k": 3.0, "memory_types": ["RawFileMemory"],
                    "filter": ["condition": ["field": "tags", "op": "CONTAINS", "value": "travel"]],
                ]
            )
            #expect(found.isError != true, "\(Self.text(found))")
            #expect(Self.text(found).contains("(from handbook.pdf › Travel › Visas, pages 3–4)"))
            let search = try #require(backend.state.withLock { $0.searches.last })
            #expect(search.cubeIds == ["shared"])
            #expect(search.topK == 3)
            #expect(search.memoryTypes == [.rawFileMemory])
            #expect(search.filter.condition.field == "tags")
            #expect(search.filter.condition.op == .contains)
            #expect(search.filter.condition.value.stringValue == "travel")

            let nothing = try await Self.call(client, "search_memories", ["query": "zebras"])
            #expect(Self.text(nothing).hasPrefix("No memory found in alice-cube, shared"))
        }
    }

    @Test("add_conversation stores the turns; fine mode without an LLM is the service's error")
    func addConversation() async throws {
        try await Self.withClient { client, backend in
            let result = try await Self.call(
                client,
                "add_conversation",
                [
                    "cube_id": "alice-cube", "session_id": "s1",
                    "messages": [
                        ["role": "user", "content": "I moved to Lisbon"], ["role": "assistant", "content": "Noted!"],
                    ],
                ]
            )
            #expect(result.isError != true, "\(Self.text(result))")
            #expect(Self.text(result).hasPrefix("Stored 2 messages in cube alice-cube as 1 memory:"))
            #expect(Self.text(result).contains("user: I moved to Lisbon | assistant: Noted!"))
            #expect(backend.memories(in: "alice-cube").first?.sessionID == "s1")

            let fine = try await Self.call(
                client,
                "add_conversation",
                ["cube_id": "alice-cube", "mode": "fine", "messages": [["role": "user", "content": "hi"]]]
            )
            #expect(fine.isError == true)
            #expect(Self.text(fine) == "failedPrecondition: mode FINE needs an LLM: set MEMOS_LLM_URL")

            let noRole = try await Self.call(
                client,
                "add_conversation",
                ["cube_id": "alice-cube", "messages": [["content": "hi"]]]
            )
            #expect(Self.text(noRole) == "invalidArgument: messages[0].role is required")
        }
    }

    @Test("get_memory, update_memory, list_memories and delete_memory work on one memory")
    func memoryLifecycle() async throws {
        try await Self.withClient { client, backend in
            let memory = backend.store(
                .with {
                    $0.cubeID = "alice-cube"
                    $0.content = "Alice lives in Porto"
                }
            )
            let got = try await Self.call(
                client,
                "get_memory",
                ["cube_id": "alice-cube", "memory_id": .string(memory.id)]
            )
            #expect(Self.text(got).contains("id: \(memory.id)"))
            #expect(Self.text(got).hasSuffix("content:\nAlice lives in Porto"))
            #expect(got.structuredContent?.objectValue?["content"]?.stringValue == "Alice lives in Porto")

            let updated = try await Self.call(
                client,
                "update_memory",
                [
                    "cube_id": "alice-cube", "memory_id": .string(memory.id), "content": "Alice lives in Lisbon",
                    "key": "home",
                ]
            )
            #expect(updated.isError != true, "\(Self.text(updated))")
            #expect(Self.text(updated).contains("now version 2"))
            #expect(backend.state.withLock { $0.updates.last?.updateMask.paths } == ["content", "key"])

            let nothingToChange = try await Self.call(
                client,
                "update_memory",
                ["cube_id": "alice-cube", "memory_id": .string(memory.id)]
            )
            #expect(nothingToChange.isError == true)
            #expect(Self.text(nothingToChange).hasPrefix("invalidArgument: give at least one of content, tags and key"))

            let listed = try await Self.call(client, "list_memories", ["cube_id": "alice-cube"])
            #expect(Self.text(listed).contains("Alice lives in Lisbon"))

            let deleted = try await Self.call(
                client,
                "delete_memory",
                ["cube_id": "alice-cube", "memory_ids": [.string(memory.id)]]
            )
            #expect(deleted.isError != true)
            #expect(Self.text(deleted).hasPrefix("Deleted 1 memory of cube alice-cube: \(memory.id)."))
            #expect(Self.text(deleted).contains("restored"))
            #expect(backend.memories(in: "alice-cube").first?.status == .deleted)

            let missing = try await Self.call(
                client,
                "get_memory",
                ["cube_id": "alice-cube", "memory_id": "00000000-0000-0000-0000-000000000000"]
            )
            #expect(missing.isError == true)
            #expect(
                Self.text(missing)
                    == "notFound: memory '00000000-0000-0000-0000-000000000000' does not exist in cube 'alice-cube'"
            )
        }
    }

    @Test("list_memories pages with the token it prints")
    func paging() async throws {
        try await Self.withClient { client, backend in
            for index in 1...3 {
                backend.store(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.content = "memory \(index)"
                    }
                )
            }
            let first = try await Self.call(client, "list_memories", ["cube_id": "alice-cube", "page_size": 2])
            #expect(Self.text(first).contains("memory 3"))
            #expect(Self.text(first).contains("memory 2"))
            #expect(Self.text(first).hasSuffix("More remain: call list_memories with page_token \"2\"."))
            let second = try await Self.call(
                client,
                "list_memories",
                ["cube_id": "alice-cube", "page_size": 2, "page_token": "2"]
            )
            #expect(Self.text(second).contains("memory 1"))
            #expect(!Self.text(second).contains("More remain"))
        }
    }

    @Test("list_cubes shows each cube with the caller's role")
    func listCubes() async throws {
        try await Self.withClient(key: FakeBackend.bobKey) { client, _ in
            let result = try await Self.call(client, "list_cubes")
            #expect(Self.text(result) == "Your cubes:\nbob-cube: role=owner owner=bob\nshared: role=reader owner=alice")
            #expect(result.structuredContent?.objectValue?["cubes"]?.arrayValue?.count == 2)
        }
    }

    // MARK: Errors

    /// A tool call and the error text it must give.
    struct Failure: Sendable, CustomTestStringConvertible {
        var tool: String
        var arguments: [String: Value]
        var expected: String

        init(_ tool: String, _ arguments: [String: Value], _ expected: String) {
            self.tool = tool
            self.arguments = arguments
            self.expected = expected
        }

        var testDescription: String { "\(self.tool) \(self.arguments)" }
    }

    /// Bob's calls that the services refuse.
    static let refusals: [Failure] = [
        Failure(
            "search_memories",
            ["query": "tea", "cube_ids": ["alice-cube"]],
            "permissionDenied: the caller is not a member of cube 'alice-cube'"
        ),
        Failure(
            "add_memory",
            ["cube_id": "alice-cube", "content": "hello"],
            "permissionDenied: the caller is not a member of cube 'alice-cube'"
        ),
        Failure(
            "add_memory",
            ["cube_id": "shared", "content": "hello"],
            "permissionDenied: a reader of cube 'shared' may not write to it"
        ),
        Failure("list_memories", ["cube_id": "nowhere"], "notFound: cube 'nowhere' does not exist"),
        Failure(
            "add_memory",
            ["cube_id": "bob-cube", "content": ""],
            "invalidArgument: items[0].content must be 1 to 16,384 bytes, not 0"
        ),
    ]

    @Test("the services' refusals are tool errors with their code and message", arguments: Self.refusals)
    func serviceErrors(_ failure: Failure) async throws {
        try await Self.withClient(key: FakeBackend.bobKey) { client, _ in
            let result = try await Self.call(client, failure.tool, failure.arguments)
            #expect(result.isError == true)
            #expect(Self.text(result) == failure.expected)
        }
    }

    /// Calls whose arguments are wrong, and what the tool says.
    static let badArgumentCalls: [Failure] = [
        Failure("search_memories", [:], "invalidArgument: query is required"),
        Failure("search_memories", ["query": 3], "invalidArgument: query must be a string, not a number"),
        Failure(
            "search_memories",
            ["query": "tea", "top_k": "ten"],
            "invalidArgument: top_k must be a whole number, not a string"
        ),
        Failure(
            "search_memories",
            ["query": "tea", "top_k": 101],
            "invalidArgument: top_k must be from 1 to 100, not 101"
        ),
        Failure(
            "search_memories",
            ["query": "tea", "top_k": 2.5],
            "invalidArgument: top_k must be a whole number, not 2.5"
        ),
        Failure(
            "search_memories",
            ["query": "tea", "cube_ids": "alice-cube"],
            "invalidArgument: cube_ids must be an array of strings, not a string"
        ),
        Failure(
            "search_memories",
            ["query": "tea", "memory_types": ["FACT"]],
            "invalidArgument: memory_types[0] must be one of WORKING_MEMORY, LONG_TERM_MEMORY, USER_MEMORY, "
                + "PREFERENCE_MEMORY, OUTER_MEMORY, TOOL_SCHEMA_MEMORY, TOOL_TRAJECTORY_MEMORY, RAW_FILE_MEMORY, "
                + "SKILL_MEMORY, not 'FACT'"
        ),
        Failure(
            "search_memories",
            ["query": "tea", "filter": "tags=x"],
            "invalidArgument: filter must be an object, not a string"
        ),
        Failure(
            "search_memories",
            ["query": "tea", "querry": "x"],
            "invalidArgument: unknown argument 'querry'; this tool takes cube_ids, filter, memory_types, query, top_k"
        ),
        Failure("add_memory", ["content": "x"], "invalidArgument: cube_id is required"),
        Failure(
            "add_memory",
            ["cube_id": "alice-cube", "content": "x", "tags": ["a", 1]],
            "invalidArgument: tags[1] must be a string, not a number"
        ),
        Failure("add_conversation", ["cube_id": "alice-cube"], "invalidArgument: messages is required"),
        Failure(
            "add_conversation",
            ["cube_id": "alice-cube", "messages": [["role": "user", "content": "x"]], "mode": "slow"],
            "invalidArgument: mode must be fast or fine, not 'slow'"
        ),
        Failure("delete_memory", ["cube_id": "alice-cube"], "invalidArgument: memory_ids is required"),
        Failure(
            "list_memories",
            ["cube_id": "alice-cube", "page_size": 0],
            "invalidArgument: page_size must be from 1 to 500, not 0"
        ),
    ]

    @Test("bad arguments are tool errors naming the argument", arguments: Self.badArgumentCalls)
    func badArguments(_ failure: Failure) async throws {
        try await Self.withClient { client, backend in
            let result = try await Self.call(client, failure.tool, failure.arguments)
            #expect(result.isError == true)
            #expect(Self.text(result) == failure.expected)
            #expect(backend.state.withLock { $0.memories.isEmpty })
        }
    }

    @Test("a filter the grammar does not know is a tool error naming filter")
    func badFilter() async throws {
        try await Self.withClient { client, backend in
            let result = try await Self.call(client, "search_memories", ["query": "tea", "filter": ["where": "x"]])
            #expect(result.isError == true)
            #expect(Self.text(result).hasPrefix("invalidArgument: filter is not valid"))
            #expect(backend.state.withLock { $0.searches.isEmpty })
        }
    }

    @Test("an unavailable service is a tool error, and the next call works")
    func unavailable() async throws {
        try await Self.withClient { client, backend in
            backend.failNextCall(with: RPCError(code: .unavailable, message: "the database is unreachable"))
            let failed = try await Self.call(client, "list_memories", ["cube_id": "alice-cube"])
            #expect(failed.isError == true)
            #expect(Self.text(failed) == "unavailable: the database is unreachable")
            let next = try await Self.call(client, "list_memories", ["cube_id": "alice-cube"])
            #expect(next.isError != true)
        }
    }

    @Test("a key the services do not know is a tool error")
    func unknownKey() async throws {
        try await Self.withClient(key: "mk_revoked") { client, _ in
            let result = try await Self.call(client, "list_cubes")
            #expect(result.isError == true)
            #expect(Self.text(result) == "unauthenticated: unknown API key")
        }
    }

    @Test("an unknown tool is a protocol error")
    func unknownTool() async throws {
        try await Self.withClient { client, _ in
            await #expect(throws: MCPError.self) {
                _ = try await client.callTool(name: "forget_everything")
            }
        }
    }

    @Test("text shaped like a data URL is stored as written")
    func dataURLText() async throws {
        try await Self.withClient { client, backend in
            let result = try await Self.call(
                client,
                "add_memory",
                ["cube_id": "alice-cube", "content": "data: revenue, costs and margins"]
            )
            #expect(result.isError != true, "\(Self.text(result))")
            #expect(backend.memories(in: "alice-cube").first?.content == "data: revenue, costs and margins")
        }
    }

    // MARK: Resources

    @Test("each readable cube is a resource holding its recent memories")
    func resources() async throws {
        try await Self.withClient { client, backend in
            backend.store(
                .with {
                    $0.cubeID = "shared"
                    $0.content = "The team meets on Mondays"
                }
            )
            let listed = try await client.listResources().resources
            #expect(listed.map(\.uri) == ["memos://cubes/alice-cube/memories", "memos://cubes/shared/memories"])
            let templates = try await client.listResourceTemplates().templates
            #expect(templates.map(\.uriTemplate) == ["memos://cubes/{cube_id}/memories"])

            let contents = try await client.readResource(uri: "memos://cubes/shared/memories")
            #expect(contents.first?.text?.contains("The team meets on Mondays") == true)

            await #expect(throws: MCPError.self) {
                _ = try await client.readResource(uri: "memos://cubes/bob-cube/memories")
            }
            await #expect(throws: MCPError.self) {
                _ = try await client.readResource(uri: "file:///etc/passwd")
            }
        }
    }
}
