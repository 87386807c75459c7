import Foundation
import GRPCCore
import MemOSPostgres
import MemOSProto
import PostgresNIO
import SwiftProtobuf
import Testing

@testable import MemOSTestSupport

@Suite("Counts per type, listing, get by ids, and access bookkeeping")
struct CountAndUsageTests {
    @Test(
        "list pages with a cursor, once each under a write between pages; get by ids returns deleted memories with their status"
    )
    func listAndGet() async throws {
        try await TestStack.run { stack in
            try await stack.withGRPC { clients in
                let metadata = TestStack.metadata(stack.alice.key)
                let added = try await clients.ingest.addMemories(
                    .with { request in
                        request.cubeID = "alice-cube"
                        request.idsOnly = true
                        request.items = ["tea", "aisle seats", "Oslo", "Rome", "bees"].map { word in
                            .with {
                                $0.content = "Alice and \(word)"
                                $0.memoryType = word == "tea" ? .userMemory : .longTermMemory
                            }
                        }
                    },
                    metadata: metadata
                )
                let ids = added.memoryIds
                let deletedID = ids[3]
                _ = try await clients.ingest.deleteMemories(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.ids = .with { $0.ids = [deletedID] }
                    },
                    metadata: metadata
                )

                var listed: [String] = []
                var token = ""
                repeat {
                    let page = try await clients.retrieval.listMemories(
                        .with {
                            $0.cubeID = "alice-cube"
                            $0.pageSize = 2
                            $0.pageToken = token
                        },
                        metadata: metadata
                    )
                    #expect(page.memories.count <= 2)
                    listed += page.memories.map(\.id)
                    token = page.nextPageToken
                    if listed.count == 2 {
                        // A write between pages: newest first, so it is not on a later page, and nothing repeats.
                        _ = try await clients.ingest.addMemories(
                            .with {
                                $0.cubeID = "alice-cube"
                                $0.items = [.with { $0.content = "Alice and kites" }]
                            },
                            metadata: metadata
                        )
                    }
                } while !token.isEmpty
                #expect(listed.count == 4)
                #expect(Set(listed) == Set(ids).subtracting([deletedID]))

                let users = try await clients.retrieval.listMemories(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.memoryTypes = [.userMemory]
                    },
                    metadata: metadata
                )
                #expect(users.memories.map(\.id) == [ids[0]])
                let deleted = try await clients.retrieval.listMemories(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.statuses = [.deleted]
                    },
                    metadata: metadata
                )
                #expect(deleted.memories.map(\.id) == [deletedID])

                let unknown = UUID().uuidString.lowercased()
                let got = try await clients.retrieval.getMemories(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.memoryIds = [deletedID, ids[0], unknown]
                    },
                    metadata: metadata
                )
                #expect(got.memories.map(\.id) == [deletedID, ids[0]])
                #expect(got.memories.map(\.status) == [.deleted, .activated])
                #expect(got.missingIds == [unknown])
            }
        }
    }

    @Test("CountMemories counts per type, with statuses and a filter, and checks membership")
    func counts() async throws {
        try await TestStack.run { stack in
            try await stack.withGRPC { clients in
                let metadata = TestStack.metadata(stack.alice.key)
                let added = try await clients.ingest.addMemories(
                    .with { request in
                        request.cubeID = "alice-cube"
                        request.items = [
                            .with {
                                $0.content = "Alice likes tea"
                                $0.memoryType = .userMemory
                            },
                            .with {
                                $0.content = "Alice prefers aisle seats"
                                $0.memoryType = .preferenceMemory
                                $0.tags = ["travel"]
                            },
                            .with {
                                $0.content = "Alice flew to Oslo"
                                $0.memoryType = .longTermMemory
                                $0.tags = ["travel"]
                            },
                            .with {
                                $0.content = "Alice flew to Rome"
                                $0.memoryType = .longTermMemory
                            },
                        ]
                    },
                    metadata: metadata
                )
                _ = try await clients.ingest.deleteMemories(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.ids = .with { $0.ids = [added.memories[3].id] }
                    },
                    metadata: metadata
                )
                let all = try await clients.retrieval.countMemories(
                    .with { $0.cubeID = "alice-cube" },
                    metadata: metadata
                )
                #expect(all.total == 3)
                #expect(
                    Dictionary(uniqueKeysWithValues: all.counts.map { ($0.memoryType, $0.count) })
                        == [.userMemory: 1, .preferenceMemory: 1, .longTermMemory: 1]
                )
                let withDeleted = try await clients.retrieval.countMemories(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.statuses = [.activated, .deleted]
                    },
                    metadata: metadata
                )
                #expect(withDeleted.counts.first { $0.memoryType == .longTermMemory }?.count == 2)
                let travel = try await clients.retrieval.countMemories(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.filter = .with {
                            $0.condition = .with {
                                $0.field = "tags"
                                $0.op = .contains
                                $0.value = Google_Protobuf_Value(stringValue: "travel")
                            }
                        }
                    },
                    metadata: metadata
                )
                #expect(travel.total == 2)
                let error = await #expect(throws: RPCError.self) {
                    try await clients.retrieval.countMemories(
                        .with { $0.cubeID = "alice-cube" },
                        metadata: TestStack.metadata(stack.bob.key)
                    )
                }
                #expect(error?.code == .permissionDenied)
            }
        }
    }

    @Test("memories returned by search are counted off the request path, without a new change sequence number")
    func usage() async throws {
        try await TestStack.run { stack in
            try await stack.withGRPC { clients in
                let metadata = TestStack.metadata(stack.alice.key)
                let added = try await clients.ingest.addMemories(
                    .with { request in
                        request.cubeID = "alice-cube"
                        request.items = [.with { $0.content = "Alice's bike is a green Brompton" }]
                    },
                    metadata: metadata
                )
                for _ in 0..<3 {
                    let found = try await clients.retrieval.search(
                        .with {
                            $0.cubeIds = ["alice-cube"]
                            $0.query = "Alice bike"
                            $0.relativity = 0
                        },
                        metadata: metadata
                    )
                    #expect(found.hits.map(\.memory.id) == [added.memories[0].id])
                }
                let counted = try await RunningIndex.eventually {
                    let memory = try await clients.retrieval.getMemories(
                        .with {
                            $0.cubeID = "alice-cube"
                            $0.memoryIds = [added.memories[0].id]
                        },
                        metadata: metadata
                    ).memories[0]
                    return memory.usageCount >= 3
                }
                #expect(counted)
                let rows = try await stack.database.client.query(
                    "SELECT change_seq, last_accessed_at IS NOT NULL AS accessed FROM memories",
                    logger: TestDatabase.logger
                )
                for try await (changeSeq, accessed) in rows.decode((Int64, Bool).self) {
                    #expect(changeSeq == added.changeSeq)
                    #expect(accessed)
                }
            }
        }
    }
}
