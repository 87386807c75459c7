import Foundation
import GRPCCore
import MemOSCore
import MemOSProto
import SwiftProtobuf
import Synchronization
import Testing

@testable import MemOSTestSupport

/// Mode FINE against a local server answering like an LLM API, and asynchronous adds run by the scheduler.
@Suite("Fine reader and async adds")
struct FineAndAsyncTests {
    /// Answers by a marker in the conversation: well-formed JSON, fenced JSON, truncated JSON, or prose.
    static func llm() -> FakeLLMServer { FakeLLMServer(answer: Self.answer) }

    @Sendable static func answer(_ prompt: String) -> String? {
        if prompt.hasPrefix("where does caroline live") {
            return
                #"{"queries": ["Caroline moved to a new city", "where does caroline live"], "keywords": ["Lisbon", "Caroline"]}"#
        }
        if prompt.hasPrefix("broken expansion") { return "sorry" }
        if prompt.contains("GARBAGE") { return "I'm sorry, I can't help with that." }
        if prompt.contains("TRUNCATED") {
            return #"{"memory list": [{"key": "Trip", "memory_type": "LongTermMemory", "val"#
        }
        if prompt.contains("OUTAGE") { return nil }
        let json = #"""
            {"memory list": [
              {"key": "Caroline's move", "memory_type": "UserMemory", "value": "Caroline moved to Lisbon on 2023-05-07.", "tags": ["Travel", "home"]},
              {"value": "Caroline loves pastéis de nata {the custard tarts}."}
            ], "summary": "Caroline talks about Lisbon."}
            """#
        if prompt.contains("FENCE") { return "Here you go:\n```json\n\(json)\n```\nAnything else?" }
        return json
    }

    static func messages(_ marker: String) -> [Memos_Common_V1_ChatMessage] {
        [
            .with {
                $0.role = "user"
                $0.content = "I moved to Lisbon yesterday \(marker)"
                $0.messageID = "D1:1"
                $0.chatTime = .init(date: Date(timeIntervalSince1970: 1_683_504_000))
            },
            .with {
                $0.role = "assistant"
                $0.content = "How do you like it?"
                $0.messageID = "D1:2"
            },
        ]
    }

    static func add(
        _ clients: TestStack.GRPCClients,
        _ stack: TestStack,
        marker: String,
        mode: Memos_Ingest_V1_ReaderMode,
        async: Bool = false,
        key: String = ""
    ) async throws -> Memos_Ingest_V1_AddMessagesResponse {
        try await clients.ingest.addMessages(
            .with {
                $0.cubeID = "alice-cube"
                $0.sessionID = "s1"
                $0.messages = Self.messages(marker)
                $0.mode = mode
                $0.async = async
                $0.customTags = ["import"]
                $0.idempotencyKey = key
            },
            metadata: TestStack.metadata(stack.alice.key)
        )
    }

    @Test("a well-formed or fenced answer becomes fine memories with the window's sources")
    func wellFormed() async throws {
        let llm = Self.llm()
        try await llm.run { model in
            try await TestStack.run(chatModel: model) { stack in
                for marker in ["PLAIN", "FENCE"] {
                    let response = try await stack.withGRPC {
                        try await Self.add($0, stack, marker: marker, mode: .fine)
                    }
                    #expect(response.warnings.isEmpty)
                    #expect(response.memories.count == 2)
                    let first = try #require(response.memories.first)
                    #expect(first.content == "Caroline moved to Lisbon on 2023-05-07.")
                    #expect(first.key == "Caroline's move")
                    #expect(first.memoryType == .userMemory)
                    #expect(first.tags == ["mode:fine", "import", "home", "travel"])
                    #expect(first.sources.map(\.messageID) == ["D1:1", "D1:2"])
                    // A missing key and type get defaults.
                    #expect(response.memories[1].memoryType == .longTermMemory)
                    #expect(response.memories[1].key == "Caroline loves pastéis de nata {the custard tarts}.")
                }
                // The model saw the turns with their times.
                let prompt = try #require(llm.prompts.withLock { $0.last })
                #expect(prompt.contains("user: [2023-05-08T00:00:00Z]: I moved to Lisbon yesterday FENCE"))
            }
        }
    }

    @Test(
        "a truncated, garbage or failed answer falls back to a fast memory and says so",
        arguments: ["TRUNCATED", "GARBAGE", "OUTAGE"]
    )
    func fallback(marker: String) async throws {
        try await Self.llm().run { model in
            try await TestStack.run(chatModel: model) { stack in
                let response = try await stack.withGRPC { try await Self.add($0, stack, marker: marker, mode: .fine) }
                #expect(response.memories.count == 1)
                #expect(response.memories[0].tags.first == "mode:fast")
                #expect(response.memories[0].content.contains(marker))
                #expect(response.warnings.count == 1)
                #expect(response.warnings.first?.hasPrefix("fine extraction failed for window 1 of 1") == true)
            }
        }
    }

    @Test("mode FINE without an LLM is failedPrecondition naming the settings, and writes nothing")
    func noLLM() async throws {
        try await TestStack.run { stack in
            let error = await #expect(throws: RPCError.self) {
                try await stack.withGRPC { try await Self.add($0, stack, marker: "x", mode: .fine) }
            }
            #expect(error?.code == .failedPrecondition)
            #expect(error?.message.contains("MEMOS_LLM_URL") == true)
            let messages = try await TestDatabase.count("messages", in: stack.database)
            #expect(messages == 0)
        }
    }

    @Test("an async add commits the messages and a job, the scheduler makes the memories, a retry returns the same job")
    func asyncAdd() async throws {
        try await Self.llm().run { model in
            try await TestStack.run(chatModel: model) { stack in
                try await stack.withGRPC { clients in
                    let response = try await Self.add(
                        clients,
                        stack,
                        marker: "PLAIN",
                        mode: .fine,
                        async: true,
                        key: "k1"
                    )
                    #expect(response.memories.isEmpty)
                    #expect(!response.jobID.isEmpty)
                    #expect(response.messageIds.count == 2)
                    let retry = try await Self.add(clients, stack, marker: "PLAIN", mode: .fine, async: true, key: "k1")
                    #expect(retry.jobID == response.jobID)

                    let idle = try await clients.scheduler.waitUntilIdle(
                        .with {
                            $0.cubeID = "alice-cube"
                            $0.timeoutMs = 30_000
                        },
                        metadata: TestStack.metadata(stack.alice.key)
                    )
                    #expect(idle.idle)
                    let job = try await clients.scheduler.getJob(
                        .with {
                            $0.cubeID = "alice-cube"
                            $0.jobID = response.jobID
                        },
                        metadata: TestStack.metadata(stack.alice.key)
                    )
                    #expect(job.status == .completed)
                    #expect(job.kind == JobKind.extract)
                    #expect(job.memoryIds.count == 2)
                    let memories = try await clients.retrieval.getMemories(
                        .with {
                            $0.cubeID = "alice-cube"
                            $0.memoryIds = job.memoryIds
                        },
                        metadata: TestStack.metadata(stack.alice.key)
                    )
                    #expect(memories.memories.map(\.content).first == "Caroline moved to Lisbon on 2023-05-07.")
                    #expect(memories.memories.allSatisfy { $0.sessionID == "s1" && $0.tags.contains("import") })
                }
                #expect(try await TestDatabase.count("messages", in: stack.database) == 2)
                #expect(try await TestDatabase.count("memories", in: stack.database) == 2)
                #expect(try await TestDatabase.count("jobs WHERE kind = 'extract'", in: stack.database) == 1)
            }
        }
    }

    @Test("fine search expands the query through the LLM; without one, or when it fails, it runs fast and says so")
    func fineSearch() async throws {
        @Sendable func search(
            _ stack: TestStack,
            _ clients: TestStack.GRPCClients,
            _ text: String
        ) async throws -> Memos_Retrieval_V1_SearchResponse {
            try await clients.retrieval.search(
                .with {
                    $0.cubeIds = ["alice-cube"]
                    $0.query = text
                    $0.mode = .fine
                    $0.relativity = 0
                },
                metadata: TestStack.metadata(stack.alice.key)
            )
        }
        try await Self.llm().run { model in
            try await TestStack.run(chatModel: model) { stack in
                try await stack.withGRPC { clients in
                    _ = try await clients.ingest.addMemories(
                        .with {
                            $0.cubeID = "alice-cube"
                            $0.items = [.with { $0.content = "Caroline moved to Lisbon in May" }]
                        },
                        metadata: TestStack.metadata(stack.alice.key)
                    )
                    let expanded = try await search(stack, clients, "where does caroline live")
                    #expect(expanded.modeUsed == .fine)
                    #expect(expanded.expandedQueries == ["Caroline moved to a new city", "Lisbon Caroline"])
                    #expect(expanded.hits.first?.memory.content == "Caroline moved to Lisbon in May")
                    let failed = try await search(stack, clients, "broken expansion")
                    #expect(failed.modeUsed == .fast)
                    #expect(failed.warnings.first?.contains("query expansion failed") == true)
                }
            }
        }
        try await TestStack.run { stack in
            try await stack.withGRPC { clients in
                let response = try await search(stack, clients, "anything")
                #expect(response.modeUsed == .fast)
                #expect(response.warnings.first?.contains("no LLM is configured") == true)
            }
        }
    }
}
