import Foundation
import MemOSCore
import MemOSPostgres
import PostgresNIO
import Testing

@testable import MemOSTestSupport

/// The schema stays ready to be distributed by cube (Citus, docs/operations.md "PostgreSQL beyond one machine"):
/// a table with a `cube_id` column is distributed on it, so its primary key, its unique constraints and every
/// foreign key to another such table must lead with `cube_id`; tables without one (users, keys, server secrets)
/// are reference tables.
@Suite("Every cube-scoped table is keyed by cube first")
struct DistributionKeyTests {
    @Test("primary keys, unique constraints and foreign keys between cube-scoped tables lead with cube_id")
    func keysLeadWithCube() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let scoped = Set(
                try await Self.strings(
                    """
                    SELECT table_name FROM information_schema.columns
                    WHERE table_schema = 'public' AND column_name = 'cube_id'
                    """,
                    database
                )
            )
            #expect(scoped.isSuperset(of: ["memories", "messages", "jobs", "memory_history", "documents"]))
            // contype p: primary key, u: unique, f: foreign key; conkey[1] is the first column.
            let rows = try await database.client.query(
                """
                SELECT c.conrelid::regclass::text, c.conname, c.contype::text, a.attname,
                    COALESCE(c.confrelid::regclass::text, '')
                FROM pg_constraint c
                JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                JOIN pg_namespace n ON n.oid = c.connamespace
                WHERE n.nspname = 'public' AND c.contype IN ('p', 'u', 'f')
                """,
                logger: TestDatabase.logger
            )
            var checked = 0
            let constraints = rows.decode((String, String, String, String, String).self)
            for try await (table, name, kind, first, referenced) in constraints {
                guard scoped.contains(table) else { continue }
                // A foreign key to a reference table (users) may lead with anything.
                if kind == "f", !scoped.contains(referenced) { continue }
                checked += 1
                #expect(first == "cube_id", "\(table).\(name) (\(kind)) leads with \(first), not cube_id")
            }
            #expect(checked >= scoped.count)
        }
    }

    static func strings(_ sql: String, _ database: Database) async throws -> [String] {
        let rows = try await database.client.query(PostgresQuery(unsafeSQL: sql), logger: TestDatabase.logger)
        var values: [String] = []
        for try await value in rows.decode(String.self) { values.append(value) }
        return values
    }
}
