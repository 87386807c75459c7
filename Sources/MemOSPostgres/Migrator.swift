import Logging
import MemOSCore
import PostgresNIO

/// Applies the schema's migrations that a database lacks.
///
/// Holds a PostgreSQL advisory lock while it works, so services starting together do not race: the first
/// applies, the others wait and find nothing left to do.
public struct Migrator: Sendable {
    /// Arbitrary constant naming the lock: "memos" in ASCII.
    static let advisoryLockKey: Int64 = 0x6d_656d_6f73

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

    private static func applyPending(
        through last: Int,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [Int] {
        try await connection.run(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            logger: logger
        )
        // The SHA-256 of each applied migration's file; null for versions applied before checksums were kept.
        try await connection.run("ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text", logger: logger)
        let recorded = try await connection.rows(
            "SELECT version, checksum FROM schema_migrations",
            decoding: (Int, String?).self,
            logger: logger
        )
        try Self.verify(recorded, against: Schema.migrations)
        // Versions applied before checksums were kept take the checksum of the file as it is now.
        for (version, checksum) in recorded where checksum == nil {
            guard let migration = Schema.migrations.first(where: { $0.version == version }) else { continue }
            try await connection.run(
                "UPDATE schema_migrations SET checksum = \(migration.checksum) WHERE version = \(version)",
                logger: logger
            )
        }
        let done = Set(recorded.map(\.0))
        var applied: [Int] = []
        for migration in Schema.migrations where migration.version <= last && !done.contains(migration.version) {
            try await connection.run("BEGIN", logger: logger)
            for statement in migration.sql {
                try await connection.run(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await connection.run(
                """
                INSERT INTO schema_migrations (version, name, checksum)
                VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                """,
                logger: logger
            )
            try await connection.run("COMMIT", logger: logger)
            logger.info(
                "applied migration",
                metadata: ["version": "\(migration.version)", "file": "\(migration.file)"]
            )
            applied.append(migration.version)
        }
        return applied
    }

    /// Fails when a migration the database applied has another checksum than its file now: a published migration
    /// was edited, and the database's schema is not what the files say.
    static func verify(_ recorded: [(Int, String?)], against migrations: [Schema.Migration]) throws {
        for (version, checksum) in recorded {
            guard let checksum, let migration = migrations.first(where: { $0.version == version }),
                checksum != migration.checksum
            else { continue }
            throw MemOSError(
                code: .failedPrecondition,
                message: "migration \(migration.file) was changed after this database applied it (checksum \(checksum) "
                    + "recorded, \(migration.checksum) now): restore the file as it was and put the change in a new migration"
            )
        }
    }
}
