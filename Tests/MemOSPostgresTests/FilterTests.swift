import Foundation
import MemOSCore
import PostgresNIO
import Testing

@testable import MemOSPostgres
@testable import MemOSRetrieval
@testable import MemOSTestSupport

@Suite("Filters select exactly the matching memories")
struct FilterTests {
    /// Five memories with distinct fields; names are their keys.
    static func seed(_ store: PostgresMemoryStore, author: UUID) async throws {
        func memory(
            _ key: String,
            type: MemoryType,
            session: String,
            tags: [String],
            info: [String: JSONValue],
            validTo: Date? = nil
        ) -> NewMemory {
            NewMemory(
                sessionID: session,
                memoryType: type,
                key: key,
                content: "content of \(key)",
                tags: tags,
                info: info,
                sources: [],
                confidence: 1,
                embeddingModel: "m",
                embedding: [1, 0],
                validTo: validTo
            )
        }
        let items = [
            memory(
                "alpha",
                type: .userMemory,
                session: "s1",
                tags: ["food", "likes"],
                info: ["score": .number(1), "city": .string("Lisbon")]
            ),
            memory(
                "beta",
                type: .longTermMemory,
                session: "s1",
                tags: ["food"],
                info: ["score": .number(5), "city": .string("Porto")]
            ),
            memory(
                "gamma",
                type: .longTermMemory,
                session: "s2",
                tags: ["work"],
                info: ["score": .number(10), "labels": .array([.string("x"), .string("y")])]
            ),
            memory(
                "delta",
                type: .preferenceMemory,
                session: "s2",
                tags: [],
                info: ["city": .string("lisbon")],
                validTo: Date(timeIntervalSince1970: 1_000)
            ),
            memory("epsilon", type: .userMemory, session: "s3", tags: ["likes"], info: [:]),
        ]
        _ = try await store.add(items, messages: [], cubeID: "c", author: author, idempotency: nil)
    }

    static let cases: [(String, MemoryFilter, Set<String>)] = [
        ("info eq string", .condition(.init(field: .info("city"), op: .eq, value: .string("Lisbon"))), ["alpha"]),
        (
            "info ne", .condition(.init(field: .info("city"), op: .ne, value: .string("Lisbon"))),
            ["beta", "gamma", "delta", "epsilon"]
        ),
        ("info gt number", .condition(.init(field: .info("score"), op: .gt, value: .number(1))), ["beta", "gamma"]),
        ("info gte number", .condition(.init(field: .info("score"), op: .gte, value: .number(5))), ["beta", "gamma"]),
        ("info lt number", .condition(.init(field: .info("score"), op: .lt, value: .number(5))), ["alpha"]),
        ("info lte number", .condition(.init(field: .info("score"), op: .lte, value: .number(5))), ["alpha", "beta"]),
        (
            "info in",
            .condition(.init(field: .info("city"), op: .in, value: .array([.string("Porto"), .string("lisbon")]))),
            ["beta", "delta"]
        ),
        (
            "info contains in string", .condition(.init(field: .info("city"), op: .contains, value: .string("LISB"))),
            ["alpha", "delta"]
        ),
        (
            "info contains in list", .condition(.init(field: .info("labels"), op: .contains, value: .string("y"))),
            ["gamma"]
        ),
        ("info like", .condition(.init(field: .info("city"), op: .like, value: .string("p%"))), ["beta"]),
        ("info missing is null", .condition(.init(field: .info("city"), op: .eq, value: .null)), ["gamma", "epsilon"]),
        ("tags contains", .condition(.init(field: .tags, op: .contains, value: .string("food"))), ["alpha", "beta"]),
        (
            "tags in", .condition(.init(field: .tags, op: .in, value: .array([.string("work"), .string("likes")]))),
            ["alpha", "gamma", "epsilon"]
        ),
        ("tags ne", .condition(.init(field: .tags, op: .ne, value: .string("food"))), ["gamma", "delta", "epsilon"]),
        (
            "memory type, either spelling",
            .condition(
                .init(
                    field: .memoryType,
                    op: .in,
                    value: .array([.string("USER_MEMORY"), .string("PreferenceMemory")])
                )
            ), ["alpha", "delta", "epsilon"]
        ),
        ("session eq", .condition(.init(field: .sessionID, op: .eq, value: .string("s2"))), ["gamma", "delta"]),
        ("key like", .condition(.init(field: .key, op: .like, value: .string("%ta"))), ["beta", "delta"]),
        ("content contains", .condition(.init(field: .content, op: .contains, value: .string("OF GAM"))), ["gamma"]),
        (
            "valid_to before", .condition(.init(field: .validTo, op: .lt, value: .string("2000-01-01T00:00:00Z"))),
            ["delta"]
        ),
        (
            "created_at after 1970", .condition(.init(field: .createdAt, op: .gt, value: .number(0))),
            ["alpha", "beta", "gamma", "delta", "epsilon"]
        ),
        (
            "and",
            .and([
                .condition(.init(field: .tags, op: .contains, value: .string("likes"))),
                .condition(.init(field: .memoryType, op: .eq, value: .string("UserMemory"))),
            ]), ["alpha", "epsilon"]
        ),
        (
            "or",
            .or([
                .condition(.init(field: .sessionID, op: .eq, value: .string("s3"))),
                .condition(.init(field: .info("score"), op: .gte, value: .number(10))),
            ]), ["gamma", "epsilon"]
        ),
        (
            "not", .not(.condition(.init(field: .sessionID, op: .eq, value: .string("s1")))),
            ["gamma", "delta", "epsilon"]
        ),
    ]

    @Test("every operator on every kind of field")
    func operators() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let store = PostgresMemoryStore(database: database)
            let feed = PostgresChangeFeed(database: database)
            try await Self.seed(store, author: UUID())
            try await RunningIndex.with(feed: feed, model: "m", dimension: 2) { index in
                for (name, filter, expected) in Self.cases {
                    try filter.validate()
                    let scope = MemoryScope(cubeIDs: ["c"], filter: filter)
                    let found = try await store.list(in: scope, after: nil, limit: 100)
                    #expect(Set(found.map(\.key)) == expected, "\(name)")
                    // The search index's path: PostgreSQL evaluates the expression into the allowed ids.
                    let allowed = Set(try await feed.memoryIDs(in: scope))
                    let rows = CubeIndex.RowFilter(statuses: scope.statuses, memoryTypes: [], allowedIDs: allowed)
                    let hits = try await index.search([1, 0], in: ["c"], k: 100, filter: rows)
                    #expect(Set(hits.map(\.id)) == Set(found.map(\.id)), "\(name) (search index)")
                }
            }
        }
    }

    @Test("delete by filter touches only the matching memories of the cube")
    func deleteByFilter() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let store = PostgresMemoryStore(database: database)
            try await Self.seed(store, author: UUID())
            let filter = MemoryFilter.condition(.init(field: .tags, op: .contains, value: .string("food")))
            let dryRun = try await store.delete(.filter(filter), cubeID: "c", actor: UUID(), dryRun: true, hard: false)
            #expect(dryRun.ids.count == 2)
            #expect(try await store.list(in: MemoryScope(cubeIDs: ["c"]), after: nil, limit: 100).count == 5)
            let deleted = try await store.delete(
                .filter(filter),
                cubeID: "c",
                actor: UUID(),
                dryRun: false,
                hard: false
            )
            #expect(deleted.ids.count == 2)
            let left = try await store.list(in: MemoryScope(cubeIDs: ["c"]), after: nil, limit: 100)
            #expect(Set(left.map(\.key)) == ["gamma", "delta", "epsilon"])
        }
    }

    @Test("bad filters are rejected with the part that is wrong")
    func invalid() {
        let tooDeep = (0..<9).reduce(MemoryFilter.condition(.init(field: .key, op: .eq, value: .string("x")))) {
            inner,
            _ in .not(inner)
        }
        #expect(throws: MemOSError.self) { try tooDeep.validate() }
        let tooMany = MemoryFilter.and(
            Array(repeating: .condition(.init(field: .key, op: .eq, value: .string("x"))), count: 65)
        )
        #expect(throws: MemOSError.self) { try tooMany.validate() }
        #expect(throws: MemOSError.self) {
            try MemoryFilter.condition(.init(field: .createdAt, op: .gt, value: .string("yesterday"))).validate()
        }
        #expect(throws: MemOSError.self) {
            try MemoryFilter.condition(.init(field: .key, op: .in, value: .string("x"))).validate()
        }
    }
}

@Suite("Exact duplicates are not stored twice")
struct DedupTests {
    @Test("same normalised content in a cube returns the existing memory")
    func exactDuplicate() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let store = PostgresMemoryStore(database: database)
            let first = try await store.add(
                [NewMemory.fixture("Alice likes tea")],
                messages: [],
                cubeID: "c",
                author: UUID(),
                idempotency: nil
            )
            let second = try await store.add(
                [
                    NewMemory.fixture("  alice   LIKES tea "), NewMemory.fixture("Bob likes coffee"),
                    NewMemory.fixture("bob likes coffee"),
                ],
                messages: [],
                cubeID: "c",
                author: UUID(),
                idempotency: nil
            )
            let ids = second.receipt.memoryIDs
            #expect(ids[0] == first.receipt.memoryIDs[0])
            #expect(ids[1] == ids[2])
            #expect(try await TestDatabase.count("memories", in: database) == 2)
            for id in Set(ids) {
                #expect(
                    try await store.history(memoryID: id, cubeID: "c", before: nil, limit: 10).map(\.action) == ["add"]
                )
            }
            // Another cube keeps its own copy.
            _ = try await store.add(
                [NewMemory.fixture("Alice likes tea")],
                messages: [],
                cubeID: "other",
                author: UUID(),
                idempotency: nil
            )
            #expect(try await TestDatabase.count("memories", in: database) == 3)
            // A deleted memory does not block the same content from being added again.
            _ = try await store.delete(
                .ids([first.receipt.memoryIDs[0]]),
                cubeID: "c",
                actor: UUID(),
                dryRun: false,
                hard: false
            )
            let again = try await store.add(
                [NewMemory.fixture("Alice likes tea")],
                messages: [],
                cubeID: "c",
                author: UUID(),
                idempotency: nil
            )
            #expect(again.receipt.memoryIDs[0] != first.receipt.memoryIDs[0])
            // Restoring the old one now conflicts with the live copy: a clear error, nothing changed.
            let error = await #expect(throws: MemOSError.self) {
                try await store.restore(ids: [first.receipt.memoryIDs[0]], cubeID: "c", actor: UUID())
            }
            #expect(error?.code == .alreadyExists)
        }
    }
}

@Suite("Hard and whole-cube deletes")
struct HardDeleteTests {
    @Test("a hard delete removes rows and history for good, leaving tombstones; a whole-cube delete stays in its cube")
    func hardAndWholeCube() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let store = PostgresMemoryStore(database: database)
            let author = UUID()
            let added = try await store.add(
                [NewMemory.fixture("one"), NewMemory.fixture("two"), NewMemory.fixture("three")],
                messages: [],
                cubeID: "c",
                author: author,
                idempotency: nil
            )
            _ = try await store.add(
                [NewMemory.fixture("elsewhere")],
                messages: [],
                cubeID: "other",
                author: author,
                idempotency: nil
            )
            let ids = added.receipt.memoryIDs

            let hard = try await store.delete(.ids([ids[0]]), cubeID: "c", actor: author, dryRun: false, hard: true)
            #expect(hard.ids == [ids[0]])
            #expect(hard.changeSeq > added.receipt.changeSeq)
            #expect(try await store.memories(ids: [ids[0]], cubeID: "c").isEmpty)
            #expect(try await store.history(memoryID: ids[0], cubeID: "c", before: nil, limit: 10).isEmpty)
            #expect(try await TestDatabase.count("memory_tombstones", in: database) == 1)
            #expect(try await store.restore(ids: [ids[0]], cubeID: "c", actor: author).count == 0)

            let whole = try await store.delete(.wholeCube, cubeID: "c", actor: author, dryRun: false, hard: false)
            #expect(Set(whole.ids) == Set(ids[1...]))
            #expect(try await store.list(in: MemoryScope(cubeIDs: ["c"]), after: nil, limit: 10).isEmpty)
            #expect(try await store.list(in: MemoryScope(cubeIDs: ["other"]), after: nil, limit: 10).count == 1)
            // Soft-deleted memories can still be purged by a hard delete.
            let purged = try await store.delete(.wholeCube, cubeID: "c", actor: author, dryRun: false, hard: true)
            #expect(purged.ids.count == 2)
            #expect(try await TestDatabase.count("memories", in: database) == 1)
        }
    }
}
