import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import MemOSCore
import MemOSPostgres
import MemOSProto
import MemOSRPC
import MemOSServer
import SwiftProtobuf
import Testing

@testable import MemOSTestSupport

/// A service told to stop finishes the calls it has: a write in flight when graceful shutdown begins is answered
/// and committed, and a call that arrives afterwards is refused as UNAVAILABLE before anything of it is done.
@Suite("Graceful shutdown finishes the calls in flight")
struct GracefulShutdownTests {
    /// An embedder that says when a call has reached it and holds it until the test opens the gate: the call is
    /// then surely in flight for as long as the test needs.
    struct HeldEmbedder: Embedder {
        let inner = FeatureHashingEmbedder()
        let reached: AsyncStream<Void>.Continuation
        let gate: Gate
        var modelID: String { self.inner.modelID }
        var dimension: Int { self.inner.dimension }
        func embed(_ texts: [String]) async throws -> [[Float]] {
            self.reached.yield()
            await self.gate.wait()
            return try await self.inner.embed(texts)
        }
    }

    @Test("a write in flight at shutdown completes and commits")
    func inFlightWriteCompletes() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let key = try await TestDatabase.aliceOwningACube(in: database)
            let (reached, reaching) = AsyncStream<Void>.makeStream()
            let gate = Gate()
            let ingest = ServerFactory.ingest(
                database: database,
                embedder: HeldEmbedder(reached: reaching, gate: gate),
                listener: .tcp(host: "127.0.0.1", port: 0),
                logger: TestDatabase.logger
            )
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await ingest.run() }
                let port = try await ingest.listeningPort
                try await withGRPCClient(
                    transport: .http2NIOPosix(
                        target: .dns(host: "127.0.0.1", port: port),
                        transportSecurity: .plaintext,
                        config: .defaults {
                            $0.connection.maxIdleTime = nil
                            $0.backoff = .init(
                                initial: .milliseconds(100),
                                max: .seconds(1),
                                multiplier: 1.6,
                                jitter: 0.2
                            )
                        }
                    )
                ) { client in
                    let service = Memos_Ingest_V1_IngestService.Client(wrapping: client)
                    let metadata: Metadata = ["authorization": "Bearer \(key)"]
                    let items = (0..<400).map { index in
                        Memos_Ingest_V1_MemoryInput.with {
                            $0.content = "fact \(index): " + String(repeating: "x", count: 2_000)
                        }
                    }
                    async let answer = service.addMemories(
                        .with {
                            $0.cubeID = "alice-cube"
                            $0.idempotencyKey = "in-flight"
                            $0.items = items
                        },
                        metadata: metadata
                    )
                    var reachedEmbedder = reached.makeAsyncIterator()
                    _ = await reachedEmbedder.next()
                    ingest.beginGracefulShutdown()
                    // A call that arrives while the server drains is refused, and nothing of it is done.
                    let refused = await #expect(throws: RPCError.self) {
                        _ = try await service.addMemories(
                            .with {
                                $0.cubeID = "alice-cube"
                                $0.items = [.with { $0.content = "too late" }]
                            },
                            metadata: metadata
                        )
                    }
                    #expect(refused?.code == .unavailable)
                    #expect(
                        refused?.message.contains("nothing of this call was done") == true,
                        "\(refused?.message ?? "")"
                    )
                    gate.open()
                    let response = try await answer
                    #expect(response.memoryIds.count == 400)
                }
                try await group.waitForAll()
            }
            #expect(try await TestDatabase.count("memories WHERE cube_id = 'alice-cube'", in: database) == 400)
        }
    }
}
