import Foundation
import GRPCCore
import HTTPTypes
import MemOSCore
import MemOSProto
import PostgresNIO
import SwiftProtobuf
import Testing

@testable import MemOSTestSupport

@Suite("One user's key cannot reach another user's cube")
struct AccessTests {
    @Test("over gRPC: add and search in another user's cube are permissionDenied")
    func grpc() async throws {
        try await TestStack.run { stack in
            let bob = TestStack.metadata(stack.bob.key)
            try await stack.withGRPC { clients in
                let addError = await #expect(throws: RPCError.self) {
                    try await clients.ingest.addMemories(
                        .with {
                            $0.cubeID = stack.alice.cubeID
                            $0.items = [.with { $0.content = "planted" }]
                        },
                        metadata: bob
                    )
                }
                #expect(addError?.code == .permissionDenied)
                let searchError = await #expect(throws: RPCError.self) {
                    try await clients.retrieval.search(
                        .with {
                            $0.cubeIds = [stack.alice.cubeID]
                            $0.query = "anything"
                        },
                        metadata: bob
                    )
                }
                #expect(searchError?.code == .permissionDenied)
                // Mixing an own cube with a foreign one is refused as a whole.
                let mixedError = await #expect(throws: RPCError.self) {
                    try await clients.retrieval.search(
                        .with {
                            $0.cubeIds = [stack.bob.cubeID, stack.alice.cubeID]
                            $0.query = "anything"
                        },
                        metadata: bob
                    )
                }
                #expect(mixedError?.code == .permissionDenied)
                let getError = await #expect(throws: RPCError.self) {
                    try await clients.retrieval.listMemories(.with { $0.cubeID = stack.alice.cubeID }, metadata: bob)
                }
                #expect(getError?.code == .permissionDenied)
            }
            #expect(try await TestDatabase.count("memories", in: stack.database) == 0)
        }
    }

    /// The feature-hashing model, failing every call: the retrieval service's embedder is down.
    struct DownEmbedder: Embedder {
        let modelID = FeatureHashingEmbedder().modelID
        let dimension = FeatureHashingEmbedder().dimension
        func embed(_ texts: [String]) async throws -> [[Float]] {
            throw MemOSError(code: .unavailable, message: "the embedding service is down")
        }
    }

    @Test(
        "with the embedder down, a foreign cube is still refused and the caller's own cube reports the embedder's error"
    )
    func accessBeforeEmbedding() async throws {
        try await TestStack.run(retrievalEmbedder: DownEmbedder()) { stack in
            try await stack.withGRPC { clients in
                // The query is embedded while access is checked; the refusal is what the caller hears.
                let foreign = await #expect(throws: RPCError.self) {
                    try await clients.retrieval.search(
                        .with {
                            $0.cubeIds = [stack.alice.cubeID]
                            $0.query = "anything"
                        },
                        metadata: TestStack.metadata(stack.bob.key)
                    )
                }
                #expect(foreign?.code == .permissionDenied)
                // In the caller's own cube the embedder's failure comes through as such.
                let own = await #expect(throws: RPCError.self) {
                    try await clients.retrieval.search(
                        .with {
                            $0.cubeIds = [stack.bob.cubeID]
                            $0.query = "anything"
                        },
                        metadata: TestStack.metadata(stack.bob.key)
                    )
                }
                #expect(own?.code == .unavailable)
                #expect(own?.message.contains("embedding service is down") == true)
                // Keyword search needs no embedding and still answers.
                let keyword = try await clients.retrieval.search(
                    .with {
                        $0.cubeIds = [stack.bob.cubeID]
                        $0.query = "anything"
                        $0.retrievalMode = .keyword
                    },
                    metadata: TestStack.metadata(stack.bob.key)
                )
                #expect(keyword.hits.isEmpty)
            }
        }
    }

    @Test("over HTTP: add and search in another user's cube are 403")
    func http() async throws {
        try await TestStack.run { stack in
            let added = try await stack.http(
                .post,
                "/v1/memories",
                key: stack.bob.key,
                body: #"{"cube_id": "alice-cube", "content": "planted"}"#
            )
            #expect(added.status == .forbidden)
            let searched = try await stack.http(
                .post,
                "/v1/search",
                key: stack.bob.key,
                body: #"{"cube_ids": ["alice-cube"], "query": "anything"}"#
            )
            #expect(searched.status == .forbidden)
            let listed = try await stack.http(.get, "/v1/cubes/alice-cube/memories", key: stack.bob.key)
            #expect(listed.status == .forbidden)
            #expect(try await TestDatabase.count("memories", in: stack.database) == 0)
        }
    }

    @Test("a revoked or unknown key is unauthenticated")
    func unknownKey() async throws {
        try await TestStack.run { stack in
            let result = try await stack.http(
                .post,
                "/v1/search",
                key: "mk_notARealKey",
                body: #"{"cube_ids": ["alice-cube"], "query": "x"}"#
            )
            #expect(result.status == .unauthorized)
            let error = await #expect(throws: RPCError.self) {
                try await stack.withGRPC { clients in
                    try await clients.retrieval.search(
                        .with {
                            $0.cubeIds = ["alice-cube"]
                            $0.query = "x"
                        },
                        metadata: TestStack.metadata("mk_nope")
                    )
                }
            }
            #expect(error?.code == .unauthenticated)
        }
    }
}
