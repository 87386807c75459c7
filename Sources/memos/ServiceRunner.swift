import Foundation
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

    /// Runs `services` after the database pool (when the process has one), until SIGTERM or SIGINT; then shuts them
    /// down in reverse order (the servers drain first, the pool closes last). A process that has not stopped ``drainLimit`` after the
    /// signal exits anyway, with the calls still in flight failing as their connections close.
    static func run(database: Database?, services: [any Service], logger: Logger) async throws {
        Self.restoreDefaultSignals()
        let group = ServiceGroup(
            configuration: .init(
                services: ((database.map { [$0.client] } ?? []) + services + [
                    DrainLimit(limit: Self.drainLimit, logger: logger)
                ]).map {
                    .init(service: $0)
                },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}

extension ServiceRunner {
    /// How long a stopping process waits for its calls and background work: 25 seconds, inside the 30 seconds
    /// container runtimes give before SIGKILL.
    static let drainLimit: Duration = .seconds(25)

    /// Gives SIGTERM and SIGINT their default disposition and unblocks them. A process started by `memos all`
    /// after its signal handling was set up inherits that (ignored or blocked signals survive exec), and would
    /// never hear a shutdown signal of its own.
    static func restoreDefaultSignals() {
        signal(SIGTERM, SIG_DFL)
        signal(SIGINT, SIG_DFL)
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }
}

/// Ends the process ``limit`` after graceful shutdown began, should draining take longer. Listed last, so it
/// hears of the shutdown first.
struct DrainLimit: Service {
    let limit: Duration
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        let logger = self.logger
        let seconds = UInt32(clamping: self.limit.components.seconds)
        Thread.detachNewThread {
            sleep(seconds)
            logger.error(
                "still stopping after the drain limit; exiting with calls in flight",
                metadata: ["limit": "\(seconds) s"]
            )
            exit(1)
        }
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
