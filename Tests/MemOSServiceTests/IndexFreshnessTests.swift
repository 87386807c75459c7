import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import MemOSCore
import MemOSPostgres
import MemOSProto
import MemOSRPC
import MemOSServer
import PostgresNIO
import SwiftProtobuf
import Testing

@testable import MemOSRetrieval
@testable import MemOSTestSupport

@Suite("The search index follows PostgreSQL: read-your-writes, catch-up, replicas")
struct IndexFreshnessTests {
    static func memory(_ key: String, vector: [Float], type: MemoryType = .longTermMemory) -> NewMemory {
        NewMemory(
            sessionID: "",
            memoryType: type,
            key: key,
            content: "content of \(key)",
            tags: [],
            info: [:],
            sources: [],
            confidence: 1,
            embeddingModel: "m",
            embedding: vector
        )
    }

    static let everything = CubeIndex.RowFilter(statuses: Set(MemoryStatus.allCases), memoryTypes: [], allowedIDs: nil)

    /// Ids the index returns for a query along the first axis.
    static func indexed(_ index: RetrievalIndex, cube: String = "c") async throws -> Set<UUID> {
        Set(try await index.search([1, 0], in: [cube], k: 1_000, filter: Self.everything).map(\.id))
    }

    @Test("a search with the write's change_seq finds the write, every time")
    func readYourWrites() async throws {
        try await TestStack.run { stack in
            try await stack.withGRPC { clients in
                for round in 0..<25 {
                    let content = "round \(round): the user's locker code is \(1_000 + round * 7)"
                    let added = try await clients.ingest.addMemories(
                        .with { request in
                            request.cubeID = "alice-cube"
                            request.items = [.with { $0.content = content }]
                        },
                        metadata: TestStack.metadata(stack.alice.key)
                    )
                    let found = try await clients.retrieval.search(
                        .with {
                            $0.cubeIds = ["alice-cube"]
                            $0.query = content
                            $0.retrievalMode = .vector
                            $0.relativity = 0
                            $0.topK = 100
                            $0.minChangeSeq = added.changeSeq
                            $0.maxWaitMs = 15_000  // a loaded test machine can be slow to catch up
                            // The whole suite shares one PostgreSQL; under its load the default 2 s can run out.
                            $0.maxWaitMs = 20_000
                        },
                        metadata: TestStack.metadata(stack.alice.key)
                    )
                    #expect(found.changeSeq >= added.changeSeq)
                    #expect(found.hits.contains { $0.memory.content == content }, "round \(round)")
                }
            }
        }
    }

    @Test(
        "a memory returned again comes from the record cache at the change the index holds, and never stale after a change"
    )
    func recordCache() async throws {
        try await TestStack.run { stack in
            try await stack.withGRPC { clients in
                let metadata = TestStack.metadata(stack.alice.key)
                let added = try await clients.ingest.addMemories(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.items = [.with { $0.content = "Alice's bike is a green Brompton" }]
                    },
                    metadata: metadata
                )
                let id = added.memories[0].id
                func search(_ query: String, after seq: Int64) async throws -> [Memos_Retrieval_V1_SearchHit] {
                    try await clients.retrieval.search(
                        .with {
                            $0.cubeIds = ["alice-cube"]
                            $0.query = query
                            $0.relativity = 0
                            $0.includeEmbeddings = true
                            $0.minChangeSeq = seq
                            $0.maxWaitMs = 20_000
                        },
                        metadata: metadata
                    ).hits
                }
                let first = try await search("Alice bike", after: added.changeSeq)
                #expect(first.map(\.memory.id) == [id])
                #expect(first.first?.memory.usageCount == 0)
                // Served again from the record: it counts this process's accesses before they are written, and
                // carries the index's vector.
                let again = try await search("Alice bike", after: added.changeSeq)
                #expect(again.first?.memory.content == "Alice's bike is a green Brompton")
                #expect(again.first?.memory.usageCount == 1)
                #expect(again.first?.memory.embedding == first.first?.memory.embedding)
                #expect(again.first?.memory.embedding.count == FeatureHashingEmbedder().dimension)

                let updated = try await clients.ingest.updateMemory(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.memoryID = id
                        $0.patch = .with {
                            $0.content = "Alice's bike is a red Brompton"
                            $0.tags = ["bike"]
                        }
                        $0.updateMask = .with { $0.paths = ["content", "tags"] }
                    },
                    metadata: metadata
                )
                let changed = try await search("Alice bike", after: updated.changeSeq)
                #expect(changed.first?.memory.content == "Alice's bike is a red Brompton")
                #expect(changed.first?.memory.tags == ["bike"])
                #expect(changed.first?.memory.version == 2)
                #expect(changed.first?.memory.embedding != first.first?.memory.embedding)
                #expect(changed.first?.memory.embedding.count == FeatureHashingEmbedder().dimension)

                let deleted = try await clients.ingest.deleteMemories(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.ids = .with { $0.ids = [id] }
                    },
                    metadata: metadata
                )
                #expect(try await search("Alice bike", after: deleted.changeSeq).isEmpty)
            }
        }
    }

    @Test("MEMOS_RECORD_CACHE_MB takes whole MiB from 0 to 65536; unset keeps the default; anything else is refused")
    func recordCacheSetting() throws {
        #expect(try ServerFactory.recordCacheBytes(settings: Settings(environment: [:])) == nil)
        #expect(
            try ServerFactory.recordCacheBytes(settings: Settings(environment: ["MEMOS_RECORD_CACHE_MB": "0"])) == 0
        )
        #expect(
            try ServerFactory.recordCacheBytes(settings: Settings(environment: ["MEMOS_RECORD_CACHE_MB": "256"])) == 256
                << 20
        )
        for bad in ["-1", "65537", "1.5", "lots"] {
            let error = #expect(throws: MemOSError.self) {
                try ServerFactory.recordCacheBytes(settings: Settings(environment: ["MEMOS_RECORD_CACHE_MB": bad]))
            }
            #expect(error?.message.contains("MEMOS_RECORD_CACHE_MB") == true, "\(bad)")
        }
    }

    @Test("without notifications, the periodic catch-up applies inserts, updates and hard deletes")
    func catchUpAfterMissedNotifications() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let store = PostgresMemoryStore(database: database)
            let feed = SilentFeed(wrapped: PostgresChangeFeed(database: database))
            let author = UUID()
            let first = try await store.add(
                [Self.memory("first", vector: [1, 0])],
                messages: [],
                cubeID: "c",
                author: author,
                idempotency: nil
            )
            try await RunningIndex.with(feed: feed, model: "m", dimension: 2, catchUpInterval: .milliseconds(100)) {
                index in
                #expect(try await Self.indexed(index) == Set(first.receipt.memoryIDs))
                let second = try await store.add(
                    [Self.memory("second", vector: [0, 1])],
                    messages: [],
                    cubeID: "c",
                    author: author,
                    idempotency: nil
                )
                let expected = Set(first.receipt.memoryIDs + second.receipt.memoryIDs)
                #expect(try await RunningIndex.eventually { try await Self.indexed(index) == expected })
                // Archived by SQL: the status filter sees it once caught up.
                try await database.client.query(
                    "UPDATE memories SET status = 'archived' WHERE key = 'second'",
                    logger: TestDatabase.logger
                )
                let activated = CubeIndex.RowFilter(statuses: [.activated], memoryTypes: [], allowedIDs: nil)
                #expect(
                    try await RunningIndex.eventually {
                        Set(try await index.search([1, 0], in: ["c"], k: 10, filter: activated).map(\.id))
                            == Set(first.receipt.memoryIDs)
                    }
                )
                _ = try await store.delete(
                    .ids(first.receipt.memoryIDs),
                    cubeID: "c",
                    actor: author,
                    dryRun: false,
                    hard: true
                )
                #expect(
                    try await RunningIndex.eventually { try await Self.indexed(index) == Set(second.receipt.memoryIDs) }
                )
            }
        }
    }

    @Test("a change that commits after a later-numbered one is still applied")
    func outOfOrderCommits() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let store = PostgresMemoryStore(database: database)
            let feed = SilentFeed(wrapped: PostgresChangeFeed(database: database))
            try await RunningIndex.with(feed: feed, model: "m", dimension: 2, catchUpInterval: .milliseconds(50)) {
                index in
                #expect(try await Self.indexed(index).isEmpty)
                let late = UUID()
                try await database.client.withConnection { connection in
                    // The late memory takes its sequence number first but commits last.
                    try await connection.query("BEGIN", logger: TestDatabase.logger)
                    try await connection.query(
                        """
                        INSERT INTO memories (cube_id, id, author_user_id, memory_type, content, embedding_model, embedding, change_seq)
                        VALUES ('c', \(late), \(UUID()), 'LongTermMemory', 'late', 'm', memos_pack_vector(ARRAY[1, 0]), 0)
                        """,
                        logger: TestDatabase.logger
                    )
                    let early = try await store.add(
                        [Self.memory("early", vector: [1, 0])],
                        messages: [],
                        cubeID: "c",
                        author: UUID(),
                        idempotency: nil
                    )
                    #expect(
                        try await RunningIndex.eventually {
                            try await Self.indexed(index) == Set(early.receipt.memoryIDs)
                        }
                    )
                    try await connection.query("COMMIT", logger: TestDatabase.logger)
                }
                #expect(try await RunningIndex.eventually { try await Self.indexed(index).contains(late) })
            }
        }
    }

    /// Contents of a vector search of alice-cube that reflects `seq`.
    static func contents(
        _ client: any Memos_Retrieval_V1_RetrievalService.ClientProtocol,
        key: String,
        after seq: Int64
    ) async throws -> Set<String> {
        Set(
            try await client.search(
                .with {
                    $0.cubeIds = ["alice-cube"]
                    $0.query = "Alice bees honey"
                    $0.retrievalMode = .vector
                    $0.relativity = 0
                    $0.dedup = .none
                    $0.minChangeSeq = seq
                    $0.maxWaitMs = 15_000  // a loaded test machine can be slow to catch up
                },
                metadata: TestStack.metadata(key)
            ).hits.map(\.memory.content)
        )
    }

    @Test("a replica started after the writes sees them, and both replicas see later writes")
    func replicaStartedLater() async throws {
        try await TestStack.run { stack in
            let written = try await stack.withGRPC { clients in
                try await clients.ingest.addMemories(
                    .with { request in
                        request.cubeID = "alice-cube"
                        request.items = ["Alice keeps bees on the roof", "Alice's bees make lavender honey"].map {
                            text in .with { $0.content = text }
                        }
                    },
                    metadata: TestStack.metadata(stack.alice.key)
                )
            }
            let replica = ServerFactory.retrieval(
                database: stack.database,
                embedder: FeatureHashingEmbedder(),
                listener: .tcp(host: "127.0.0.1", port: 0),
                logger: TestDatabase.logger
            )
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await replica.run() }
                let port = try await replica.listeningPort
                try await withGRPCClient(
                    transport: .http2NIOPosix(
                        target: .ipv4(address: "127.0.0.1", port: port),
                        transportSecurity: .plaintext
                    )
                ) { client in
                    let second = Memos_Retrieval_V1_RetrievalService.Client(wrapping: client)
                    let key = stack.alice.key
                    #expect(
                        try await Self.contents(second, key: key, after: 0) == [
                            "Alice keeps bees on the roof", "Alice's bees make lavender honey",
                        ]
                    )
                    try await stack.withGRPC { clients in
                        let later = try await clients.ingest.addMemories(
                            .with { request in
                                request.cubeID = "alice-cube"
                                request.items = [.with { $0.content = "Alice sold honey at the market" }]
                            },
                            metadata: TestStack.metadata(stack.alice.key)
                        )
                        #expect(later.changeSeq > written.changeSeq)
                        #expect(
                            try await Self.contents(second, key: key, after: later.changeSeq).contains(
                                "Alice sold honey at the market"
                            )
                        )
                        #expect(
                            try await Self.contents(clients.retrieval, key: key, after: later.changeSeq).contains(
                                "Alice sold honey at the market"
                            )
                        )
                    }
                }
                replica.stopServing()
                try await group.waitForAll()
            }
        }
    }
}
