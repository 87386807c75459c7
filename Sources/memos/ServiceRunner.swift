import Logging
import MemOSCore
import MemOSPostgres
import PostgresNIO
import ServiceLifecycle
import UnixSignals

/// Wiring shared by the service processes.
enum ServiceRunner {
    /// Applies pending migrations with a short-lived pool.
    static func migrate(_ configuration: DatabaseConfiguration, logger: Logger) async throws -> [Int] {
        try await self.withTemporaryDatabase(configuration, logger: logger) { database in
            try await Migrator(database: database).migrate()
        }
    }

    /// Runs `body` with a pool of its own that closes afterwards (a pool runs only once, so start-up work does
    /// not use the pool the services will run), once the server accepts a session (it may still be starting).
    static func withTemporaryDatabase<T: Sendable>(
        _ configuration: DatabaseConfiguration,
        logger: Logger,
        _ body: (Database) async throws -> T
    ) async throws -> T {
        try await Database.waitUntilReachable(configuration, logger: logger)
        return try await Database.withPool(configuration, logger: logger.quietened(), body)
    }

    /// Runs `services` after the database pool, until SIGTERM or SIGINT; then shuts them down in reverse order
    /// (the servers drain first, the pool closes last).
    static func run(database: Database, services: [any Service], logger: Logger) async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: ([database.client] + services).map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}

extension Logger {
    /// A copy that logs errors only: for short-lived pools whose start-up chatter is noise.
    func quietened() -> Logger {
        var logger = self
        logger.logLevel = max(logger.logLevel, .error)
        return logger
    }
}
