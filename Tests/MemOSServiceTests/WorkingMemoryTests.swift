import Foundation
import GRPCCore
import HTTPTypes
import MemOSCore
import MemOSProto
import SwiftProtobuf
import Testing

@testable import MemOSTestSupport

/// Query events refresh a session's WorkingMemory through the scheduler.
@Suite("Events and working memory")
struct WorkingMemoryTests {
    static func event(
        _ clients: TestStack.GRPCClients,
        _ stack: TestStack,
        _ label: Memos_Scheduler_V1_EventLabel,
        _ content: String,
        key: String = ""
    ) async throws -> Memos_Scheduler_V1_Job {
        try await clients.scheduler.submitEvent(
            .with {
                $0.cubeID = "alice-cube"
                $0.sessionID = "s1"
                $0.label = label
                $0.content = content
                $0.idempotencyKey = key
            },
            metadata: TestStack.metadata(stack.alice.key)
        ).job
    }

    static func workingMemory(
        _ clients: TestStack.GRPCClients,
        _ stack: TestStack
    ) async throws -> [Memos_Common_V1_Memory] {
        _ = try await clients.scheduler.waitUntilIdle(
            .with {
                $0.cubeID = "alice-cube"
                $0.timeoutMs = 30_000
            },
            metadata: TestStack.metadata(stack.alice.key)
        )
        return try await clients.retrieval.listMemories(
            .with {
                $0.cubeID = "alice-cube"
                $0.memoryTypes = [.workingMemory]
            },
            metadata: TestStack.metadata(stack.alice.key)
        ).memories.filter { $0.sessionID == "s1" }
    }

    @Test("a series of query events keeps the session's working memory on what it asks about")
    func refresh() async throws {
        try await TestStack.run { stack in
            try await stack.withGRPC { clients in
                let added = try await clients.ingest.addMemories(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.items = [
                            "Alice drinks green tea every morning", "Alice plays tennis on sundays",
                            "The car needs new tyres",
                        ]
                        .map { text in .with { $0.content = text } }
                    },
                    metadata: TestStack.metadata(stack.alice.key)
                )
                let ids = Dictionary(uniqueKeysWithValues: added.memories.map { ($0.content, $0.id) })

                let first = try await Self.event(clients, stack, .query, "what green tea does alice drink", key: "q1")
                #expect(first.kind == JobKind.workingMemoryRefresh)
                // A retried event returns the first job.
                #expect(
                    try await Self.event(clients, stack, .query, "what green tea does alice drink", key: "q1").id
                        == first.id
                )
                var items = try await Self.workingMemory(clients, stack)
                #expect(items.map(\.content) == ["Alice drinks green tea every morning"])
                #expect(items.first?.sources.first?.memoryID == ids["Alice drinks green tea every morning"])

                // A search in the session puts its working memory first, without the original beside it; a search
                // without a session leaves working memory out.
                func search(session: String) async throws -> [Memos_Common_V1_Memory] {
                    try await clients.retrieval.search(
                        .with {
                            $0.cubeIds = ["alice-cube"]
                            $0.query = "green tea alice"
                            $0.sessionID = session
                            $0.relativity = 0.1
                        },
                        metadata: TestStack.metadata(stack.alice.key)
                    ).hits.map(\.memory)
                }
                let inSession = try await search(session: "s1")
                #expect(inSession.first?.memoryType == .workingMemory)
                #expect(inSession.filter { $0.content == "Alice drinks green tea every morning" }.count == 1)
                let outside = try await search(session: "")
                #expect(outside.first?.memoryType == .longTermMemory)
                #expect(!outside.contains { $0.memoryType == .workingMemory })

                _ = try await Self.event(clients, stack, .query, "when does alice play tennis on sundays")
                items = try await Self.workingMemory(clients, stack)
                #expect(items.map(\.content).contains("Alice plays tennis on sundays"))
                #expect(!items.map(\.content).contains("The car needs new tyres"))
                // The session's items are not duplicated by repeated refreshes.
                #expect(Set(items.map(\.content)).count == items.count)

                // Other labels are recorded, with no work of their own.
                let answer = try await Self.event(clients, stack, .answer, "Alice drinks sencha.")
                #expect(answer.kind == JobKind.event)
                #expect(answer.status == .completed)
            }
        }
    }

    @Test("an event without a label, or a query without text, is invalidArgument")
    func badEvents() async throws {
        try await TestStack.run { stack in
            try await stack.withGRPC { clients in
                for (label, content, field) in [
                    (Memos_Scheduler_V1_EventLabel.unspecified, "x", "label"), (.query, " ", "content"),
                ] {
                    let error = await #expect(throws: RPCError.self) {
                        try await Self.event(clients, stack, label, content)
                    }
                    #expect(error?.code == .invalidArgument)
                    #expect(error?.message.contains(field) == true)
                }
            }
        }
    }

    @Test("events over HTTP: a member's query queues a refresh; another user's is 403")
    func http() async throws {
        try await TestStack.run { stack in
            let body = #"{"cube_id": "alice-cube", "label": "QUERY", "session_id": "s1", "content": "tea?"}"#
            let accepted = try await stack.http(.post, "/v1/events", key: stack.alice.key, body: body)
            #expect(accepted.status == .ok)
            #expect((accepted.json["job"] as? [String: Any])?["kind"] as? String == JobKind.workingMemoryRefresh)
            let refused = try await stack.http(.post, "/v1/events", key: stack.bob.key, body: body)
            #expect(refused.status == .forbidden)
            // The queue shows in the metrics, by kind and status, without a key.
            let metrics = try await stack.http(.get, "/metrics", key: nil)
            #expect(metrics.status == .ok)
            #expect(metrics.body.contains(#"memos_jobs{kind="working_memory_refresh",status="#))
        }
    }
}
