import Foundation
import MemOSCore
import MemOSPostgres
import MemOSScheduler
import PostgresNIO
import Testing

@testable import MemOSTestSupport

/// Near duplicates merged and contradicted facts retired by the reorganisation job, with and without an LLM.
@Suite("Reorganisation")
struct ReorganizeTests {
    /// The fixtures' model ("m"), three dimensions; every text gets the same vector.
    struct FixedEmbedder: Embedder {
        let modelID = "m"
        let dimension = 3
        func embed(_ texts: [String]) async throws -> [[Float]] { texts.map { _ in [1, 0, 0] } }
    }

    static func memory(_ content: String, _ vector: [Float], tags: [String] = []) -> NewMemory {
        var memory = NewMemory.fixture(content)
        memory.embedding = VectorMath.normalized(vector)
        memory.tags = tags
        return memory
    }

    /// Runs the cube's waiting reorganisation job with `handler`.
    static func reorganize(_ database: Database, _ handler: ReorganizeHandler) async throws -> JobResult {
        let queue = PostgresJobStore(database: database)
        let claimed = try #require(try await queue.claim(owner: "w", kinds: [JobKind.reorganize], lease: .seconds(5)))
        return try await handler.run(claimed)
    }

    static func outcomes(_ database: Database) async throws -> [String: Int] {
        let rows = try await database.client.query(
            "SELECT status, count(*) FROM merge_candidates GROUP BY status",
            logger: TestDatabase.logger
        )
        var counts: [String: Int] = [:]
        for try await (status, count) in rows.decode((String, Int64).self) { counts[status] = Int(count) }
        return counts
    }

    @Test("concurrent writes join one waiting job from their first change; a write after a claim queues a new one")
    func jobCoverage() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let store = PostgresMemoryStore(database: database)
            let author = UUID()
            let outcomes = try await withThrowingTaskGroup(of: WriteOutcome.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        try await store.add(
                            [Self.memory("fact \(index)", [1, Float(index), 0])],
                            messages: [],
                            cubeID: "c",
                            author: author,
                            idempotency: nil
                        )
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let first = outcomes.map(\.receipt.changeSeq).min()!
            func waiting() async throws -> [Int64] {
                let rows = try await database.client.query(
                    "SELECT (payload ->> 'since_change_seq')::bigint FROM jobs WHERE kind = 'reorganize' AND status = 'waiting'",
                    logger: TestDatabase.logger
                )
                return try await rows.decode(Int64.self).reduce(into: []) { $0.append($1) }
            }
            #expect(try await waiting() == [first])

            let queue = PostgresJobStore(database: database)
            _ = try #require(try await queue.claim(owner: "w", kinds: [JobKind.reorganize], lease: .seconds(5)))
            #expect(try await waiting() == [])
            let later = try await store.add(
                [Self.memory("a later fact", [0, 0, 1])],
                messages: [],
                cubeID: "c",
                author: author,
                idempotency: nil
            )
            #expect(try await waiting() == [later.receipt.changeSeq])

            // Working memory, and a duplicate that inserts nothing, give the job nothing to do.
            _ = try #require(try await queue.claim(owner: "w", kinds: [JobKind.reorganize], lease: .seconds(5)))
            var working = Self.memory("what the session is about", [0, 1, 1])
            working.memoryType = .workingMemory
            _ = try await store.add([working], messages: [], cubeID: "c", author: author, idempotency: nil)
            _ = try await store.add(
                [Self.memory("a later fact", [0, 0, 1])],
                messages: [],
                cubeID: "c",
                author: author,
                idempotency: nil
            )
            #expect(try await waiting() == [])
        }
    }

    @Test("without an LLM, a chain of near duplicates folds into its newest member, by rule, and can be undone")
    func ruleMerge() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let store = PostgresMemoryStore(database: database)
            let author = UUID()
            let tea = Self.memory("Alice likes green tea", [1, 0, 0], tags: ["t1"])
            let coffee = Self.memory("Alice drinks coffee", [0, 1, 0])
            _ = try await store.add([tea, coffee], messages: [], cubeID: "c", author: author, idempotency: nil)
            let teaAgain = Self.memory("Alice really likes green tea", [0.98, 0.05, 0], tags: ["t2"])
            let teaThrice = Self.memory("Alice loves green tea", [0.97, 0.06, 0.01], tags: ["t3"])
            _ = try await store.add([teaAgain, teaThrice], messages: [], cubeID: "c", author: author, idempotency: nil)
            // Both writes joined one waiting job.
            #expect(try await TestDatabase.count("jobs", in: database) == 1)

            let handler = ReorganizeHandler(store: store, embedder: FixedEmbedder(), chatModel: nil)
            let result = try await Self.reorganize(database, handler)
            #expect(result.result["merged"] == .number(2))
            #expect(try await Self.outcomes(database) == ["merged": 2])

            let all = try await store.memories(ids: [tea.id, coffee.id, teaAgain.id, teaThrice.id], cubeID: "c")
            #expect(all.map(\.status) == [.archived, .activated, .archived, .activated])
            #expect(all[0].info["merged_into"] == .string(teaAgain.id.uuidString.lowercased()))
            #expect(all[2].info["merged_into"] == .string(teaThrice.id.uuidString.lowercased()))
            #expect(all[0].validTo != nil)
            #expect(Set(all[3].tags) == ["t1", "t2", "t3"])
            #expect(all[3].content == "Alice loves green tea")
            let history = try await store.history(memoryID: tea.id, cubeID: "c", before: nil, limit: 10)
            #expect(history.first?.action == "merge")
            #expect(history.first?.reason.contains("near duplicate") == true)
            // Nothing was deleted; undo is a restore.
            #expect(try await TestDatabase.count("memories", in: database) == 4)
            _ = try await store.restore(ids: [tea.id], cubeID: "c", actor: author)
            #expect(try await store.memories(ids: [tea.id], cubeID: "c").first?.status == .activated)
        }
    }

    @Test("with an LLM, duplicates are merged into its text, contradicted facts retired, look-alikes dismissed")
    func judged() async throws {
        let llm = FakeLLMServer { prompt in
            if prompt.contains("Lisbon") { return #"{"relation": "contradiction"}"# }
            if prompt.contains("jazz") {
                return #"```json\n{"relation": "duplicate", "merged": "Bob loves jazz, live above all."}\n```"#
            }
            if prompt.contains("Carol") { return #"{"relation": "unrelated"}"# }
            return "no idea"
        }
        try await llm.run { model in
            try await TestDatabase.withMigratedDatabase { database in
                let store = PostgresMemoryStore(database: database)
                let author = UUID()
                let paris = Self.memory("Alice lives in Paris", [1, 0, 0])
                let jazz = Self.memory("Bob likes jazz", [0, 1, 0])
                let cat = Self.memory("Carol has a cat", [0, 0, 1])
                let unsure = Self.memory("Dan owns a boat", [1, 1, 1])
                _ = try await store.add(
                    [paris, jazz, cat, unsure],
                    messages: [],
                    cubeID: "c",
                    author: author,
                    idempotency: nil
                )
                let lisbon = Self.memory("Alice lives in Lisbon", [0.9, 0, 0.43])
                let liveJazz = Self.memory("Bob loves live jazz", [0.1, 0.99, 0])
                let car = Self.memory("Carol has a car", [0, 0.45, 0.89])
                let boat = Self.memory("Dan owns a small boat", [1, 1, 0.9])
                _ = try await store.add(
                    [lisbon, liveJazz, car, boat],
                    messages: [],
                    cubeID: "c",
                    author: author,
                    idempotency: nil
                )

                let handler = ReorganizeHandler(store: store, embedder: FixedEmbedder(), chatModel: model)
                let result = try await Self.reorganize(database, handler)
                #expect(result.result["retired"] == .number(1))
                #expect(try await Self.outcomes(database) == ["retired": 1, "merged": 1, "dismissed": 1, "pending": 1])

                let after = try await store.memories(
                    ids: [paris.id, lisbon.id, jazz.id, liveJazz.id, cat.id, car.id],
                    cubeID: "c"
                )
                #expect(after.map(\.status) == [.archived, .activated, .archived, .activated, .activated, .activated])
                #expect(after[0].info["replaced_by"] == .string(lisbon.id.uuidString.lowercased()))
                #expect(after[0].validTo != nil)
                #expect(after[3].content == "Bob loves jazz, live above all.")
                #expect(after[3].embedding == [1, 0, 0])
                let history = try await store.history(memoryID: paris.id, cubeID: "c", before: nil, limit: 10)
                #expect(history.first?.action == "retire")
            }
        }
    }
}
