import Foundation
import GRPCCore
import MemOSCore
import MemOSPostgres
import MemOSProto
import MemOSRPC
import MemOSServer
import SwiftProtobuf
import Synchronization
import Testing

@testable import MemOSRetrieval
@testable import MemOSTestSupport

/// What lets retrieval run as replicas sharded by cube: each call names its cube for the proxy, and a replica
/// drops the cubes it no longer serves.
@Suite("Retrieval sharded by cube")
struct ShardingTests {
    /// A retrieval client that records the metadata of each call and answers nothing.
    final class Recording: Memos_Retrieval_V1_RetrievalService.ClientProtocol {
        let seen = Mutex<[String]>([])

        func record(_ metadata: Metadata) {
            let cubes = metadata[stringValues: CubeRoutedRetrievalClient.header].map { $0 }
            self.seen.withLock { $0.append(cubes.joined(separator: ",")) }
        }

        func search<Result: Sendable>(
            request: ClientRequest<Memos_Retrieval_V1_SearchRequest>,
            serializer: some MessageSerializer<Memos_Retrieval_V1_SearchRequest>,
            deserializer: some MessageDeserializer<Memos_Retrieval_V1_SearchResponse>,
            options: CallOptions,
            onResponse: @escaping CubeRoutedRetrievalClient.Handler<Memos_Retrieval_V1_SearchResponse, Result>
        ) async throws -> Result {
            self.record(request.metadata)
            return try await onResponse(ClientResponse(message: .init()))
        }

        func getMemories<Result: Sendable>(
            request: ClientRequest<Memos_Retrieval_V1_GetMemoriesRequest>,
            serializer: some MessageSerializer<Memos_Retrieval_V1_GetMemoriesRequest>,
            deserializer: some MessageDeserializer<Memos_Retrieval_V1_GetMemoriesResponse>,
            options: CallOptions,
            onResponse: @escaping CubeRoutedRetrievalClient.Handler<Memos_Retrieval_V1_GetMemoriesResponse, Result>
        ) async throws -> Result {
            self.record(request.metadata)
            return try await onResponse(ClientResponse(message: .init()))
        }

        func listMemories<Result: Sendable>(
            request: ClientRequest<Memos_Retrieval_V1_ListMemoriesRequest>,
            serializer: some MessageSerializer<Memos_Retrieval_V1_ListMemoriesRequest>,
            deserializer: some MessageDeserializer<Memos_Retrieval_V1_ListMemoriesResponse>,
            options: CallOptions,
            onResponse: @escaping CubeRoutedRetrievalClient.Handler<Memos_Retrieval_V1_ListMemoriesResponse, Result>
        ) async throws -> Result {
            self.record(request.metadata)
            return try await onResponse(ClientResponse(message: .init()))
        }

        func countMemories<Result: Sendable>(
            request: ClientRequest<Memos_Retrieval_V1_CountMemoriesRequest>,
            serializer: some MessageSerializer<Memos_Retrieval_V1_CountMemoriesRequest>,
            deserializer: some MessageDeserializer<Memos_Retrieval_V1_CountMemoriesResponse>,
            options: CallOptions,
            onResponse: @escaping CubeRoutedRetrievalClient.Handler<Memos_Retrieval_V1_CountMemoriesResponse, Result>
        ) async throws -> Result {
            self.record(request.metadata)
            return try await onResponse(ClientResponse(message: .init()))
        }
    }

    @Test("every retrieval call names its cube in x-memos-cube; a search of several, the smallest id")
    func cubeHeader() async throws {
        let recording = Recording()
        let client = CubeRoutedRetrievalClient(wrapping: recording)
        _ = try await client.search(.with { $0.cubeIds = ["zeta", "alpha", "mid"] })
        _ = try await client.getMemories(.with { $0.cubeID = "get-cube" })
        _ = try await client.listMemories(.with { $0.cubeID = "list-cube" }, metadata: ["x-memos-cube": "spoofed"])
        _ = try await client.countMemories(.with { $0.cubeID = "count-cube" })
        _ = try await client.search(.with { $0.cubeIds = [] })
        #expect(recording.seen.withLock { $0 } == ["alpha", "get-cube", "list-cube", "count-cube", ""])
    }

    static func cubeWithMemories(_ store: PostgresMemoryStore, _ cube: String, count: Int) async throws {
        let memories = (0..<count).map { index in
            NewMemory(
                sessionID: "",
                memoryType: .longTermMemory,
                key: "\(cube) \(index)",
                content: "memory \(index) of \(cube)",
                tags: [],
                info: [:],
                sources: [],
                confidence: 1,
                embeddingModel: "m",
                embedding: [1, Float(index)]
            )
        }
        _ = try await store.add(memories, messages: [], cubeID: cube, author: UUID(), idempotency: nil)
    }

    static let everything = CubeIndex.RowFilter(statuses: [.activated], memoryTypes: [], allowedIDs: nil)

    @Test("a replica drops cubes idle past their time, and the least recently searched beyond its budget")
    func eviction() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let store = PostgresMemoryStore(database: database)
            for cube in ["a", "b", "c"] { try await Self.cubeWithMemories(store, cube, count: 10) }
            let feed = PostgresChangeFeed(database: database)
            let clock = ManualClock()
            try await RunningIndex.with(
                feed: feed,
                model: "m",
                dimension: 2,
                eviction: .init(idleAfter: .seconds(60)),
                now: { clock.now() }
            ) { index in
                for cube in ["a", "b"] {
                    _ = try await index.search([1, 0], in: [cube], k: 5, filter: Self.everything)
                }
                clock.advance(by: .seconds(30))
                _ = try await index.search([1, 0], in: ["a"], k: 5, filter: Self.everything)
                clock.advance(by: .seconds(40))
                index.evict()
                #expect(index.heldCubes == ["a"])
                // A dropped cube is built again on its next search, whole.
                let found = try await index.search([1, 0], in: ["b"], k: 100, filter: Self.everything)
                #expect(found.count == 10)
                #expect(index.heldCubes == ["a", "b"])
            }
            // One cube's worth of budget: the most recently searched stays.
            let oneCube = 10 * (2 * 4 + 384)
            try await RunningIndex.with(
                feed: feed,
                model: "m",
                dimension: 2,
                eviction: .init(budgetBytes: oneCube + oneCube / 2),
                now: { clock.now() }
            ) { index in
                for cube in ["c", "a", "b"] {
                    _ = try await index.search([1, 0], in: [cube], k: 5, filter: Self.everything)
                    clock.advance(by: .seconds(1))
                }
                index.evict()
                #expect(index.heldCubes == ["b"])
            }
        }
    }

    @Test("MEMOS_INDEX_IDLE_MINUTES and MEMOS_INDEX_BUDGET_MB: off by default, checked")
    func settings() throws {
        #expect(try ServerFactory.indexEviction(settings: Settings(environment: [:])) == .init())
        #expect(
            try ServerFactory.indexEviction(
                settings: Settings(environment: ["MEMOS_INDEX_IDLE_MINUTES": "30", "MEMOS_INDEX_BUDGET_MB": "512"])
            ) == .init(idleAfter: .seconds(1_800), budgetBytes: 512 << 20)
        )
        let error = #expect(throws: MemOSError.self) {
            try ServerFactory.indexEviction(settings: Settings(environment: ["MEMOS_INDEX_BUDGET_MB": "-1"]))
        }
        #expect(error?.message.contains("MEMOS_INDEX_BUDGET_MB") == true)
    }
}
