@testable import MemOSPostgres
import PostgresNIO
import SwiftProtobuf
import Testing

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
