import Logging
import MemOSCore
import PostgresNIO

/// Applies the schema's migrations that a database lacks.
///
/// Holds a PostgreSQL advisory lock while it works, so services starting together do not race: the first
/// applies, the others wait and find nothing left to do.
public struct Migrator: Sendable {
    /// Arbitrary constant naming the lock: "memos" in ASCII.
    static let advisoryLockKey: Int64 = 0x6d656d6f73

    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Applies every pending migration; returns the versions applied now (empty when none were pending).
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await self.migrate(through: .max)
    }

    /// Applies the pending migrations up to and including `last` (tests use it to upgrade a database that holds
    /// data of an earlier version).
    @discardableResult
    func migrate(through last: Int) async throws -> [Int] {
        let logger = self.database.logger
        // A migration may rewrite large tables: it runs as long as it takes.
        return try await self.database.withUnboundedConnection { connection in
            _ = try await connection.rows("SELECT pg_advisory_lock(\(Self.advisoryLockKey))", logger: logger)
            do {
                let applied = try await Self.applyPending(through: last, on: connection, logger: logger)
                _ = try await connection.rows("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger)
                return applied
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger)
                throw error
            }
        }
    }

    private static func applyPending(through last: Int, on connection: PostgresConnection, logger: Logger) async throws -> [Int] {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            logger: logger
        )
        var done: Set<Int> = []
        for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: logger)
            .decode(Int.self)
        {
            done.insert(version)
        }
        var applied: [Int] = []
        for migration in Schema.migrations where migration.version <= last && !done.contains(migration.version) {
            try await connection.query("BEGIN", logger: logger)
            for statement in migration.sql {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await connection.query(
                "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                logger: logger
            )
            try await connection.query("COMMIT", logger: logger)
            logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            applied.append(migration.version)
        }
        return applied
    }
}
