import Foundation
import MemOSCore
import PostgresNIO
import Testing

@testable import MemOSPostgres
@testable import MemOSRetrieval
@testable import MemOSTestSupport

@Suite("Bulk writes: one statement's response, derived columns, one notification per cube and transaction")
struct BulkWriteTests {
    /// Runs `body` with a store over a fresh migrated database and an author id.
    static func withStore(_ body: (PostgresMemoryStore, UUID, Database) async throws -> Void) async throws {
        try await TestDatabase.withMigratedDatabase { database in
            try await body(PostgresMemoryStore(database: database), UUID(), database)
        }
    }

    @Test("a bulk add returns every memory as a read returns it, each with its change sequence and an add history row")
    func bulkAddReturnsStoredMemories() async throws {
        try await Self.withStore { store, author, database in
            let existing = try await store.add(
                [.fixture("Alice likes tea")],
                messages: [],
                cubeID: "c",
                author: author,
                idempotency: nil
            )
            // Sources keep their dates in whole seconds: the response must say what a read says.
            let time = Date(timeIntervalSince1970: 1_700_000_000.25)
            var items = (0..<40).map { n in
                NewMemory(
                    sessionID: "s",
                    memoryType: .userMemory,
                    key: "k\(n)",
                    content: "memory number \(n)",
                    tags: n % 2 == 0 ? ["even", "t\(n)"] : [],
                    info: ["n": .number(Double(n))],
                    sources: [Source(type: "chat", role: "user", messageID: "m\(n)", chatTime: time)],
                    confidence: 0.5,
                    embeddingModel: "m",
                    embedding: [1, Float(n)],
                    validFrom: time
                )
            }
            items.append(.fixture("alice  LIKES\ttea"))  // an exact duplicate of the memory already stored
            items.append(.fixture("memory number 3"))  // and of one earlier in the same batch
            let outcome = try await store.add(items, messages: [], cubeID: "c", author: author, idempotency: nil)
            let returned = try #require(outcome.memories)
            #expect(returned.map(\.id) == outcome.receipt.memoryIDs)
            #expect(returned[40].id == existing.receipt.memoryIDs[0])
            #expect(returned[41].id == returned[3].id)
            #expect(try await store.memories(ids: outcome.receipt.memoryIDs, cubeID: "c") == returned)
            #expect(Set(returned.prefix(40).map(\.changeSeq)).count == 40)
            #expect(returned.prefix(40).allSatisfy { $0.changeSeq > existing.receipt.changeSeq })
            #expect(outcome.receipt.changeSeq == returned.map(\.changeSeq).max())
            for memory in returned.prefix(40) {
                let history = try await store.history(memoryID: memory.id, cubeID: "c", before: nil, limit: 10)
                #expect(history.map(\.action) == ["add"])
                #expect(history.first?.after?.tags == memory.tags)
            }
            #expect(try await TestDatabase.count("memories", in: database) == 41)
        }
    }

    @Test("a write that fails half-way leaves no rows: messages, memories, the job and the idempotency key go together")
    func failedWriteLeavesNothing() async throws {
        try await Self.withStore { store, author, database in
            // The second memory is refused by the database after the messages and the first memory were inserted.
            for statement in [
                """
                CREATE FUNCTION test_refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.content = 'boom' THEN RAISE EXCEPTION 'refused by the test'; END IF;
                    RETURN NEW;
                END $$
                """,
                "CREATE TRIGGER test_refuse_boom BEFORE INSERT ON memories FOR EACH ROW EXECUTE FUNCTION test_refuse_boom()",
            ] {
                try await database.client.query(PostgresQuery(unsafeSQL: statement), logger: TestDatabase.logger)
            }
            let messages = ["I like tea", "so do I", "boom"].map { content in
                StoredMessage(message: ChatMessage(role: "user", content: content), sessionID: "s")
            }
            let memories = [NewMemory.fixture("Alice likes tea"), .fixture("boom"), .fixture("Bob likes tea")]
            let key = IdempotencyKey(key: "req-1", fingerprint: "f")
            await #expect(throws: (any Error).self) {
                _ = try await store.add(memories, messages: messages, cubeID: "c", author: author, idempotency: key)
            }
            for table in ["memories", "messages", "jobs", "idempotency_keys"] {
                #expect(try await TestDatabase.count(table, in: database) == 0, "\(table)")
            }

            // The retry, once the database takes it, writes everything once; a second retry replays it.
            try await database.client.query("DROP TRIGGER test_refuse_boom ON memories", logger: TestDatabase.logger)
            let retried = try await store.add(
                memories,
                messages: messages,
                cubeID: "c",
                author: author,
                idempotency: key
            )
            guard case .written = retried else {
                Issue.record("expected a write, got \(retried)")
                return
            }
            let replayed = try await store.add(
                memories,
                messages: messages,
                cubeID: "c",
                author: author,
                idempotency: key
            )
            #expect(replayed == .replayed(retried.receipt))
            #expect(try await TestDatabase.count("memories", in: database) == 3)
            #expect(try await TestDatabase.count("messages", in: database) == 3)
            #expect(try await TestDatabase.count("jobs", in: database) == 1)
        }
    }

    @Test(
        "sources with times in whole seconds, or none, are returned as given and as a read returns them",
        arguments: [nil, Date(timeIntervalSince1970: 1_700_000_000)]
    )
    func exactSources(_ time: Date?) async throws {
        try await Self.withStore { store, author, _ in
            var memory = NewMemory.fixture("Alice likes tea")
            memory.sources = [
                Source(type: "chat", role: "user", messageID: "m1", chatTime: time, content: "I like tea")
            ]
            #expect(memory.sources.allSatisfy { $0.isExactInJSON })
            let outcome = try await store.add([memory], messages: [], cubeID: "c", author: author, idempotency: nil)
            let returned = try #require(outcome.memories)
            #expect(returned.map(\.sources) == [memory.sources])
            #expect(try await store.memories(ids: outcome.receipt.memoryIDs, cubeID: "c") == returned)
        }
        #expect(!Source(type: "chat", chatTime: Date(timeIntervalSince1970: 1_700_000_000.5)).isExactInJSON)
    }

    @Test(
        "a vector bound as bytea reads back the same floats, and is the bytes SQL's memos_pack_vector makes",
        arguments: [[], [1.5, -2, 0, 3.4e38, -1e-40], (0..<384).map { Float($0) / 7 }]
    )
    func packedFloats(_ values: [Float]) async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let rows = try await database.client.query(
                PostgresQuery(
                    unsafeSQL: "SELECT $1::bytea AS bound, memos_pack_vector($2::real[]) AS packed",
                    binds: try PostgresMemoryStore.bindings(PackedFloats(values: values), values)
                ),
                logger: TestDatabase.logger
            )
            var decoded: [[Float]] = []
            for try await (bound, packed) in rows.decode((PackedFloats, PackedFloats).self) {
                decoded += [bound.values, packed.values]
            }
            #expect(decoded == [values, values])
        }
    }

    @Test("reading a vector refuses bytes that are not whole floats, and another column type")
    func packedFloatsRefusals() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            for sql in ["SELECT '\\x010203'::bytea", "SELECT ARRAY[1, 2]::real[]"] {
                let rows = try await database.client.query(PostgresQuery(unsafeSQL: sql), logger: TestDatabase.logger)
                await #expect(throws: PostgresDecodingError.self) {
                    for try await _ in rows.decode(PackedFloats.self) {}
                }
            }
        }
    }

    @Test(
        "keyword terms (in the search index) and the duplicate hash follow content changes, and survive status changes"
    )
    func derivedColumnsFollowContent() async throws {
        try await Self.withStore { store, author, database in
            let added = try await store.add(
                [.fixture("Alice keeps bees")],
                messages: [],
                cubeID: "c",
                author: author,
                idempotency: nil
            )
            let id = added.receipt.memoryIDs[0]
            // The search index's keyword side, built from what the change feed delivers.
            func matches(_ query: String, statuses: Set<MemoryStatus> = [.activated]) async throws -> [UUID] {
                let batch = try await PostgresChangeFeed(database: database).changes(in: ["c"], since: 0, model: "m")
                var index = CubeIndex(dimension: 1)
                for memory in batch.memories.sorted(by: { $0.changeSeq < $1.changeSeq }) { index.apply(memory) }
                let filter = CubeIndex.RowFilter(statuses: statuses, memoryTypes: [], allowedIDs: nil)
                return index.keywordSearch(KeywordTokenizer.terms(query), k: 10, filter: filter).map(\.id)
            }
            #expect(try await matches("bees") == [id])
            _ = try await store.update(
                id: id,
                cubeID: "c",
                patch: MemoryPatch(content: "Alice sells honey"),
                embedding: [1],
                expectedVersion: nil,
                actor: author
            )
            #expect(try await matches("bees").isEmpty)
            #expect(try await matches("honey") == [id])
            // The new content is the one duplicates are detected by.
            let again = try await store.add(
                [.fixture("alice sells  honey")],
                messages: [],
                cubeID: "c",
                author: author,
                idempotency: nil
            )
            #expect(again.receipt.memoryIDs == [id])
            let other = try await store.add(
                [.fixture("Alice keeps bees")],
                messages: [],
                cubeID: "c",
                author: author,
                idempotency: nil
            )
            #expect(other.receipt.memoryIDs != [id])
            // A soft delete changes no text: the deleted memory still matches among deleted ones.
            _ = try await store.delete(.ids([id]), cubeID: "c", actor: author, dryRun: false, hard: false)
            #expect(try await matches("honey").isEmpty)
            #expect(try await matches("honey", statuses: [.deleted]) == [id])
        }
    }

    @Test("a write notifies once per cube and transaction, whatever its size")
    func oneNotificationPerCubeAndTransaction() async throws {
        try await Self.withStore { store, author, database in
            let (cubes, heard) = AsyncStream.makeStream(of: String.self)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await PostgresChangeFeed(database: database).follow { cube, _ in heard.yield(cube) }
                }
                defer { group.cancelAll() }
                var iterator = cubes.makeAsyncIterator()
                // Listening once a notification sent now comes back.
                let probe = Task {
                    while !Task.isCancelled {
                        try await database.client.query(
                            "SELECT pg_notify('memos_changes', 'probe 0')",
                            logger: TestDatabase.logger
                        )
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                while let cube = await iterator.next(), cube != "probe" {}
                probe.cancel()
                _ = await probe.result

                _ = try await store.add(
                    (0..<30).map { .fixture("note \($0)") },
                    messages: [],
                    cubeID: "c",
                    author: author,
                    idempotency: nil
                )
                _ = try await store.delete(.wholeCube, cubeID: "c", actor: author, dryRun: false, hard: false)
                _ = try await store.delete(.wholeCube, cubeID: "c", actor: author, dryRun: false, hard: true)
                _ = try await store.add(
                    [.fixture("elsewhere")],
                    messages: [],
                    cubeID: "d",
                    author: author,
                    idempotency: nil
                )
                // Notifications arrive in commit order: everything before "d" belongs to the three writes of "c".
                var before: [String] = []
                while let cube = await iterator.next(), cube != "d" {
                    if cube != "probe" { before.append(cube) }
                }
                #expect(before == ["c", "c", "c"])
            }
        }
    }

    @Test("a notification wakes the search index (with no periodic catch-up)")
    func notificationWakesTheIndex() async throws {
        try await Self.withStore { store, author, database in
            let feed = PostgresChangeFeed(database: database)
            try await RunningIndex.with(feed: feed, model: "m", dimension: 1, catchUpInterval: .seconds(3_600)) {
                index in
                let everything = CubeIndex.RowFilter(
                    statuses: Set(MemoryStatus.allCases),
                    memoryTypes: [],
                    allowedIDs: nil
                )
                func indexed() async throws -> Set<UUID> {
                    Set(try await index.search([1], in: ["c"], k: 1_000, filter: everything).map(\.id))
                }
                #expect(try await indexed().isEmpty)
                let first = try await store.add(
                    (0..<50).map { .fixture("fact \($0)") },
                    messages: [],
                    cubeID: "c",
                    author: author,
                    idempotency: nil
                )
                // Until the index listens, a notification can be missed: later writes notify again.
                var more = 0
                #expect(
                    try await RunningIndex.eventually {
                        if try await indexed().isSuperset(of: first.receipt.memoryIDs) { return true }
                        more += 1
                        _ = try await store.add(
                            [.fixture("nudge \(more)")],
                            messages: [],
                            cubeID: "c",
                            author: author,
                            idempotency: nil
                        )
                        return false
                    }
                )
            }
        }
    }
}
