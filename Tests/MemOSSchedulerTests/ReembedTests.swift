import Foundation
import MemOSCore
import MemOSPostgres
import MemOSScheduler
import MemOSServer
import Synchronization
import Testing

@testable import MemOSTestSupport

/// Moving a cube to another embedding model: staged, resumable, switched at once.
@Suite("Re-embedding")
struct ReembedTests {
    /// The new model: three dimensions; fails on the call numbered `failOnCall` (1-based), if any.
    final class NewModel: Embedder {
        let modelID = "new-model"
        let dimension = 3
        let calls = Mutex(0)
        let failOnCall: Int?

        init(failOnCall: Int? = nil) { self.failOnCall = failOnCall }

        func embed(_ texts: [String]) async throws -> [[Float]] {
            let call = self.calls.withLock { count in
                count += 1
                return count
            }
            if call == self.failOnCall { throw MemOSError(code: .unavailable, message: "embedding service down") }
            return texts.map { _ in [0, 0, 1] }
        }
    }

    @Test(
        "vectors are staged in batches while search keeps the old ones, an interrupted job resumes, then the cube switches"
    )
    func reembed() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let store = PostgresMemoryStore(database: database)
            let queue = PostgresJobStore(database: database)
            let ids = ["one", "two", "three"].map { NewMemory.fixture($0) }
            let added = try await store.add(ids, messages: [], cubeID: "c", author: UUID(), idempotency: nil)

            try await ServerFactory.queueReembedding(
                database: database,
                embedder: NewModel(),
                logger: TestDatabase.logger
            )
            try await ServerFactory.queueReembedding(
                database: database,
                embedder: NewModel(),
                logger: TestDatabase.logger
            )
            #expect(try await TestDatabase.count("jobs WHERE kind = 'reembed'", in: database) == 1)

            // The first attempt stages one batch of two, then the embedder fails.
            let first = try #require(try await queue.claim(owner: "w", kinds: [JobKind.reembed], lease: .seconds(5)))
            await #expect(throws: MemOSError.self) {
                try await ReembedHandler(store: store, queue: queue, embedder: NewModel(failOnCall: 2), batchSize: 2)
                    .run(first)
            }
            #expect(try await store.reembeddingProgress(cubeID: "c", model: "new-model") == (staged: 2, remaining: 1))
            #expect(try await queue.job(id: first.job.id, cubeID: "c")?.progress == Float(2) / 3)
            // Nothing visible changed: same vectors, same change sequence.
            #expect(try await store.vectors(in: MemoryScope(cubeIDs: ["c"]), model: "m").count == 3)
            #expect(try await store.currentChangeSeq() == added.receipt.changeSeq)

            _ = try await queue.fail(first, error: "embedding service down", retryAfter: .zero)
            let second = try #require(try await queue.claim(owner: "w", kinds: [JobKind.reembed], lease: .seconds(5)))
            let model = NewModel()
            let result = try await ReembedHandler(store: store, queue: queue, embedder: model, batchSize: 2).run(second)
            #expect(result.result["embedded"] == .number(1))
            #expect(result.result["switched"] == .number(3))
            #expect(try await store.vectors(in: MemoryScope(cubeIDs: ["c"]), model: "m").isEmpty)
            #expect(
                try await store.vectors(in: MemoryScope(cubeIDs: ["c"]), model: "new-model").map(\.embedding)
                    == Array(repeating: [0, 0, 1], count: 3)
            )
            #expect(try await store.cubesNeedingReembedding(model: "new-model").isEmpty)
        }
    }
}
