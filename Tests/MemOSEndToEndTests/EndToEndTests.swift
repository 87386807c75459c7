import Foundation
import GRPCCore
import HTTPTypes
import MemOSCore
import MemOSPostgres
import MemOSProto
import PostgresNIO
import SwiftProtobuf
import Testing

@testable import MemOSTestSupport

@Suite("End to end over TCP: gateway, gRPC services, PostgreSQL")
struct EndToEndTests {
    @Test("a memory added through HTTP is found by gRPC search and by HTTP search")
    func addThenSearch() async throws {
        try await TestStack.run(transport: .tcp) { stack in
            let added = try await stack.http(
                .post,
                "/v1/memories",
                key: stack.alice.key,
                body:
                    #"{"cube_id": "alice-cube", "content": "Alice likes green tea in the morning", "tags": ["drink"]}"#
            )
            #expect(added.status == .ok, "\(added.body)")
            let memories = try #require(added.json["memories"] as? [[String: Any]])
            let id = try #require(memories.first?["id"] as? String)
            let changeSeq = try #require(added.json["change_seq"] as? Int)
            #expect(changeSeq > 0)

            // gRPC search, reading its own write.
            let response = try await stack.withGRPC { clients in
                try await clients.retrieval.search(
                    .with {
                        $0.cubeIds = ["alice-cube"]
                        $0.query = "what does Alice drink in the morning?"
                        $0.relativity = 0
                        $0.minChangeSeq = Int64(changeSeq)
                        $0.maxWaitMs = 15_000  // a loaded test machine can be slow to catch up
                    },
                    metadata: TestStack.metadata(stack.alice.key)
                )
            }
            #expect(response.hits.first?.memory.id == id)
            #expect((response.hits.first?.score ?? 0) > 0)
            #expect(response.hits.first?.memory.tags == ["drink"])

            // HTTP search.
            let found = try await stack.http(
                .post,
                "/v1/search",
                key: stack.alice.key,
                body: #"{"cube_ids": ["alice-cube"], "query": "green tea", "relativity": 0}"#
            )
            #expect(found.status == .ok, "\(found.body)")
            let hits = try #require(found.json["hits"] as? [[String: Any]])
            #expect((hits.first?["memory"] as? [String: Any])?["id"] as? String == id)

            // Get by id through HTTP.
            let fetched = try await stack.http(.get, "/v1/cubes/alice-cube/memories/\(id)", key: stack.alice.key)
            #expect(fetched.status == .ok)
            #expect(fetched.json["content"] as? String == "Alice likes green tea in the morning")
        }
    }

    @Test("conversation turns become memories whose sources name the turns")
    func addMessagesOverGRPC() async throws {
        try await TestStack.run(transport: .tcp) { stack in
            let response = try await stack.withGRPC { clients in
                try await clients.ingest.addMessages(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.sessionID = "s1"
                        $0.messages = [
                            .with {
                                $0.role = "user"
                                $0.content = "I moved to Lisbon last spring"
                                $0.messageID = "D1:1"
                            },
                            .with {
                                $0.role = "assistant"
                                $0.content = "How do you like Lisbon?"
                                $0.messageID = "D1:2"
                            },
                            .with {
                                $0.role = "user"
                                $0.content = "I love the light there"
                                $0.messageID = "D1:3"
                            },
                            .with {
                                $0.role = "assistant"
                                $0.content = "What else?"
                                $0.messageID = "D1:4"
                            },
                            .with {
                                $0.role = "user"
                                $0.content = "And the pastries"
                                $0.messageID = "D1:5"
                            },
                        ]
                    },
                    metadata: TestStack.metadata(stack.alice.key)
                )
            }
            // Windows of 4 turns (FastReader's default), and the preference D1:3 states.
            let windows = response.memories.filter { $0.memoryType != .preferenceMemory }
            #expect(windows.count == 2)
            #expect(windows.flatMap(\.sources).map(\.messageID) == ["D1:1", "D1:2", "D1:3", "D1:4", "D1:5"])
            #expect(windows[0].memoryType == .longTermMemory)
            #expect(windows[1].memoryType == .userMemory)
            let preferences = response.memories.filter { $0.memoryType == .preferenceMemory }
            #expect(preferences.map { $0.sources.map(\.messageID) } == [["D1:3"]])
            #expect(try await TestDatabase.count("messages", in: stack.database) == 5)
        }
    }

    @Test("every service answers the standard gRPC health check without a key")
    func health() async throws {
        try await TestStack.run(transport: .tcp) { stack in
            let status = try await stack.withGRPC { clients in
                try await clients.ingestHealth.check(.with { $0.service = "memos.ingest.v1.IngestService" }).status
            }
            #expect(status == .serving)
            let healthz = try await stack.http(.get, "/healthz", key: nil)
            #expect(healthz.status == .ok)
            #expect(healthz.body.contains("\"version\":\"\(MemOSVersion.current)\""), "\(healthz.body)")
            // /readyz gives each service's health check 2 s; the suite's parallel tests can starve a stack for longer
            // (compute-bound tests hold the cooperative threads), so a few probes are allowed before it must say ready.
            var readyz = try await stack.http(.get, "/readyz", key: nil)
            for _ in 0..<10 where readyz.status != .ok {
                try await Task.sleep(for: .milliseconds(500))
                readyz = try await stack.http(.get, "/readyz", key: nil)
            }
            #expect(readyz.status == .ok, "\(readyz.body)")
        }
    }

    @Test(
        "an import may ask for ids only: ids in request order (a duplicate's is the stored one's), no memories, replays alike"
    )
    func idsOnly() async throws {
        try await TestStack.run(transport: .tcp) { stack in
            let metadata = TestStack.metadata(stack.alice.key)
            try await stack.withGRPC { clients in
                let full = try await clients.ingest.addMemories(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.items = [.with { $0.content = "Alice keeps bees" }]
                    },
                    metadata: metadata
                )
                #expect(full.memoryIds == full.memories.map(\.id))
                let request = Memos_Ingest_V1_AddMemoriesRequest.with {
                    $0.cubeID = "alice-cube"
                    $0.idsOnly = true
                    $0.idempotencyKey = "import-1"
                    $0.items = ["Alice rows on Sundays", "alice keeps  BEES", "Alice reads at night"].map { text in
                        .with { $0.content = text }
                    }
                }
                let first = try await clients.ingest.addMemories(request, metadata: metadata)
                #expect(first.memories.isEmpty)
                #expect(first.memoryIds.count == 3)
                #expect(first.memoryIds[1] == full.memoryIds[0])
                #expect(first.changeSeq > full.changeSeq)
                let replay = try await clients.ingest.addMemories(request, metadata: metadata)
                #expect(replay.memoryIds == first.memoryIds)
                #expect(replay.memories.isEmpty)
                let read = try await clients.retrieval.getMemories(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.memoryIds = first.memoryIds
                    },
                    metadata: metadata
                )
                #expect(
                    read.memories.map(\.content) == [
                        "Alice rows on Sundays", "Alice keeps bees", "Alice reads at night",
                    ]
                )
            }
            #expect(try await TestDatabase.count("memories", in: stack.database) == 3)

            let viaHTTP = try await stack.http(
                .post,
                "/v1/memories",
                key: stack.alice.key,
                body: #"{"cube_id": "alice-cube", "ids_only": true, "items": [{"content": "Alice grows tomatoes"}]}"#
            )
            #expect(viaHTTP.status == .ok, "\(viaHTTP.body)")
            #expect(viaHTTP.json["memories"] == nil)
            #expect((viaHTTP.json["memory_ids"] as? [String])?.count == 1)
        }
    }

    @Test("a retried add with the same idempotency key writes once")
    func idempotentRetry() async throws {
        try await TestStack.run(transport: .tcp) { stack in
            let body = #"{"cube_id": "alice-cube", "content": "Bob's birthday is in May", "idempotency_key": "req-1"}"#
            let first = try await stack.http(.post, "/v1/memories", key: stack.alice.key, body: body)
            let second = try await stack.http(.post, "/v1/memories", key: stack.alice.key, body: body)
            #expect(first.status == .ok)
            #expect(second.status == .ok)
            let firstID = (first.json["memories"] as? [[String: Any]])?.first?["id"] as? String
            let secondID = (second.json["memories"] as? [[String: Any]])?.first?["id"] as? String
            #expect(firstID != nil && firstID == secondID)
            #expect(try await TestDatabase.count("memories", in: stack.database) == 1)

            let conflicting = try await stack.http(
                .post,
                "/v1/memories",
                key: stack.alice.key,
                body: #"{"cube_id": "alice-cube", "content": "something else", "idempotency_key": "req-1"}"#
            )
            #expect(conflicting.status == .conflict)
            #expect(try await TestDatabase.count("memories", in: stack.database) == 1)
        }
    }

    @Test("delete hides a memory from search, restore brings it back, history records both")
    func deleteRestoreHistory() async throws {
        try await TestStack.run(transport: .tcp) { stack in
            let metadata = TestStack.metadata(stack.alice.key)
            try await stack.withGRPC { clients in
                let added = try await clients.ingest.addMemories(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.items = [.with { $0.content = "The cat is called Miso" }]
                    },
                    metadata: metadata
                )
                let id = added.memories[0].id
                // Searches reflect a write once given its change sequence number (read-your-writes).
                func search(after seq: Int64) -> Memos_Retrieval_V1_SearchRequest {
                    .with {
                        $0.cubeIds = ["alice-cube"]
                        $0.query = "cat name"
                        $0.relativity = 0
                        $0.minChangeSeq = seq
                        $0.maxWaitMs = 15_000
                    }
                }
                let deleted = try await clients.ingest.deleteMemories(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.ids = .with { $0.ids = [id] }
                    },
                    metadata: metadata
                )
                #expect(deleted.deletedCount == 1)
                #expect(
                    try await clients.retrieval.search(search(after: deleted.changeSeq), metadata: metadata).hits
                        .isEmpty
                )
                let restored = try await clients.ingest.restoreMemories(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.memoryIds = [id]
                    },
                    metadata: metadata
                )
                #expect(restored.restoredCount == 1)
                #expect(
                    try await clients.retrieval.search(search(after: restored.changeSeq), metadata: metadata).hits.map(
                        \.memory.id
                    ) == [id]
                )
                let history = try await clients.ingest.getHistory(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.memoryID = id
                    },
                    metadata: metadata
                )
                #expect(history.entries.map(\.action) == ["restore", "delete", "add"])
                #expect(history.entries[1].before.status == .activated)
                #expect(history.entries[1].after.status == .deleted)
            }
        }
    }

    @Test("update re-embeds, bumps the version, keeps the prior content in history, and checks the version")
    func update() async throws {
        try await TestStack.run(transport: .tcp) { stack in
            let metadata = TestStack.metadata(stack.alice.key)
            try await stack.withGRPC { clients in
                let added = try await clients.ingest.addMemories(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.items = [.with { $0.content = "Alice lives in Porto" }]
                    },
                    metadata: metadata
                )
                let id = added.memories[0].id
                let updated = try await clients.ingest.updateMemory(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.memoryID = id
                        $0.patch = .with {
                            $0.content = "Alice lives in Lisbon"
                            $0.tags = ["home"]
                        }
                        $0.updateMask = .with { $0.paths = ["content", "tags"] }
                        $0.expectedVersion = 1
                    },
                    metadata: metadata
                )
                #expect(updated.memory.version == 2)
                #expect(updated.memory.tags == ["home"])
                #expect(updated.changeSeq > added.changeSeq)
                let hits = try await clients.retrieval.search(
                    .with {
                        $0.cubeIds = ["alice-cube"]
                        $0.query = "Lisbon"
                        $0.relativity = 0
                    },
                    metadata: metadata
                ).hits
                #expect(hits.first?.memory.content == "Alice lives in Lisbon")
                #expect((hits.first?.score ?? 0) > 0)

                let stale = await #expect(throws: RPCError.self) {
                    try await clients.ingest.updateMemory(
                        .with {
                            $0.cubeID = "alice-cube"
                            $0.memoryID = id
                            $0.patch = .with { $0.key = "home" }
                            $0.updateMask = .with { $0.paths = ["key"] }
                            $0.expectedVersion = 1
                        },
                        metadata: metadata
                    )
                }
                #expect(stale?.code == .aborted)
                let history = try await clients.ingest.getHistory(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.memoryID = id
                    },
                    metadata: metadata
                )
                #expect(history.entries.map(\.action) == ["update", "add"])
                #expect(history.entries[0].before.content == "Alice lives in Porto")
                #expect(history.entries[0].after.content == "Alice lives in Lisbon")
            }
            let viaHTTP = try await stack.http(
                .post,
                "/v1/memories/update",
                key: stack.bob.key,
                body:
                    #"{"cube_id": "alice-cube", "memory_id": "00000000-0000-0000-0000-000000000000", "patch": {"key": "x"}, "update_mask": "key"}"#
            )
            #expect(viaHTTP.status == .forbidden)
        }
    }

    @Test("read-your-writes never answers from stale data: a change not yet visible is unavailable")
    func readYourWritesTimeout() async throws {
        try await TestStack.run(transport: .tcp) { stack in
            let error = await #expect(throws: RPCError.self) {
                try await stack.withGRPC { clients in
                    try await clients.retrieval.search(
                        .with {
                            $0.cubeIds = ["alice-cube"]
                            $0.query = "anything"
                            $0.minChangeSeq = 1_000_000
                            $0.maxWaitMs = 50
                        },
                        metadata: TestStack.metadata(stack.alice.key)
                    )
                }
            }
            #expect(error?.code == .unavailable)
        }
    }
}
