import Foundation
import MemOSCore
import PostgresNIO
import SwiftProtobuf
import Testing

@testable import MemOSPostgres
@testable import MemOSTestSupport

@Suite("Schema migrations")
struct MigrationTests {
    @Test("apply to an empty database, then a second run is a no-op")
    func applyThenNoOp() async throws {
        try await TestDatabase.withEmptyDatabase { _, database in
            let first = try await Migrator(database: database).migrate()
            #expect(first == Schema.migrations.map(\.version))
            let second = try await Migrator(database: database).migrate()
            #expect(second.isEmpty)
            #expect(try await TestDatabase.count("schema_migrations", in: database) == first.count)
        }
    }

    @Test("an applied migration whose file changed stops start-up, naming the file; checksums missing are filled in")
    func editedMigrationStopsStartUp() async throws {
        try await TestDatabase.withEmptyDatabase { _, database in
            try await Migrator(database: database).migrate()
            // A database migrated before checksums were kept: they are recorded from the files, and start-up goes on.
            _ = try await database.client.query(
                "UPDATE schema_migrations SET checksum = NULL",
                logger: TestDatabase.logger
            )
            #expect(try await Migrator(database: database).migrate().isEmpty)
            #expect(try await TestDatabase.count("schema_migrations WHERE checksum IS NULL", in: database) == 0)

            _ = try await database.client.query(
                "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 3",
                logger: TestDatabase.logger
            )
            let error = await #expect(throws: MemOSError.self) { try await Migrator(database: database).migrate() }
            #expect(error?.code == .failedPrecondition)
            let file = Schema.migrations[2].file
            #expect(error?.message.contains(file) == true, "\(error?.message ?? "")")
        }
    }

    @Test("docs/schema.sql is the schema after every migration (MEMOS_WRITE_SCHEMA=1 rewrites it)")
    func schemaDumpIsCurrent() async throws {
        guard let pgDump = Self.pgDump else {
            Issue.record("pg_dump not found under /usr/lib/postgresql/*/bin")
            return
        }
        let committed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/schema.sql")
        try await TestDatabase.withEmptyDatabase { configuration, database in
            try await Migrator(database: database).migrate()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: pgDump)
            process.arguments = [
                "--schema-only", "--no-owner", "--no-privileges", "--exclude-table=schema_migrations",
                "-h", configuration.host, "-p", "\(configuration.port)", "-U", configuration.username,
                configuration.database,
            ]
            var environment = ProcessInfo.processInfo.environment
            if let password = configuration.password { environment["PGPASSWORD"] = password }
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            // pg_dump's header names its version and a random restrict key: the schema starts after them.
            let dump = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("-- Dumped") && !$0.hasPrefix("\\restrict") && !$0.hasPrefix("\\unrestrict") }
                .joined(separator: "\n")
            let text =
                "-- The schema after every migration (Sources/MemOSPostgres/Migrations), as pg_dump --schema-only prints it.\n"
                + "-- Checked by MigrationTests; MEMOS_WRITE_SCHEMA=1 scripts/test.sh rewrites it.\n" + dump
            if ProcessInfo.processInfo.environment["MEMOS_WRITE_SCHEMA"] == "1" {
                try text.write(to: committed, atomically: true, encoding: .utf8)
            }
            let current = try String(contentsOf: committed, encoding: .utf8)
            #expect(current == text, "docs/schema.sql is stale: run MEMOS_WRITE_SCHEMA=1 scripts/test.sh")
        }
    }

    static let pgDump: String? = {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        return versions.compactMap(Int.init).sorted().reversed().map { "/usr/lib/postgresql/\($0)/bin/pg_dump" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    @Test("migration 11 turns stored real[] vectors into the packed bytes, live and staged alike")
    func vectorsBecomeBytes() async throws {
        try await TestDatabase.withEmptyDatabase { _, database in
            try await Migrator(database: database).migrate(through: 10)
            let id = UUID()
            try await database.client.query(
                """
                INSERT INTO memories (cube_id, id, author_user_id, memory_type, content, embedding_model, embedding,
                    next_embedding, next_embedding_model, change_seq)
                VALUES ('c', \(id), \(UUID()), 'LongTermMemory', 'kept', 'm', ARRAY[0.5, -2, 3.25]::real[],
                    ARRAY[1, 0]::real[], 'next', 0)
                """,
                logger: TestDatabase.logger
            )
            #expect(try await Migrator(database: database).migrate() == Array(11...Schema.migrations.last!.version))
            let memory = try #require(
                try await PostgresMemoryStore(database: database).memories(ids: [id], cubeID: "c").first
            )
            #expect(memory.embedding == [0.5, -2, 3.25])
            let staged = try await database.client.query(
                "SELECT next_embedding FROM memories WHERE id = \(id)",
                logger: TestDatabase.logger
            )
            var stagedVectors: [[Float]] = []
            for try await vector in staged.decode(PackedFloats.self) { stagedVectors.append(vector.values) }
            #expect(stagedVectors == [[1, 0]])
        }
    }

    @Test("the content hash takes no regular expression for ASCII text, and gives what the expression gives")
    func contentHashWithoutExpression() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let whitespace = [" ", "\t", "\n", "\r", "\u{0B}", "\u{0C}"]
            var texts = [
                "", " ", "a", "Alice likes tea", "  Alice \t likes\n\n\ntea  ", "user: [t]: hi\nassistant: hello",
            ]
            for first in whitespace {
                for second in whitespace {
                    texts += ["x\(first)\(second)y", "\(first)x\(second)", "x\(first)\(first)\(second)\(second)y"]
                }
            }
            texts += ["a\u{01} b", "café  au\tlait", "東京\n\nタワー", "x\u{A0}\u{A0}y", "A\u{01}\u{01}  B"]
            let rows = try await database.client.query(
                """
                SELECT t, memos_content_hash(t) = md5(lower(btrim(regexp_replace(t, '\\s+', ' ', 'g'))))
                FROM unnest(\(texts)::text[]) AS u(t)
                """,
                logger: TestDatabase.logger
            )
            var checked = 0
            for try await (text, same) in rows.decode((String, Bool).self) {
                #expect(same, "\(text.debugDescription)")
                checked += 1
            }
            #expect(checked == texts.count)
        }
    }

    @Test("concurrent runs do not fail and apply each migration once")
    func concurrentRuns() async throws {
        try await TestDatabase.withEmptyDatabase { configuration, _ in
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        // Each runner has its own pool, as separate processes would.
                        try await Database.withPool(configuration, logger: TestDatabase.logger) { database in
                            try await Migrator(database: database).migrate()
                        }
                    }
                }
                return try await group.reduce(into: [Int]()) { $0 += $1 }
            }
            // Every migration was applied exactly once, by one of the runners.
            #expect(applied.sorted() == Schema.migrations.map(\.version))
        }
    }
}
