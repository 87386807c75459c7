import Foundation
import HTTPTypes
import Logging
import MemOSCore
import MemOSPostgres
import PostgresNIO

/// A fresh database per test, on the server named by `MEMOS_TEST_DATABASE_URL`
/// (scripts/test.sh starts a local one), dropped afterwards.
enum TestDatabase {
    static var serverConfiguration: DatabaseConfiguration {
        get throws {
            let url =
                ProcessInfo.processInfo.environment["MEMOS_TEST_DATABASE_URL"]
                ?? "postgres://postgres@127.0.0.1:5432/postgres"
            // Each test runs the whole system on one pool, two connections of which stay in LISTEN.
            return try DatabaseConfiguration(url: url, maxConnections: 6)
        }
    }

    static let logger: Logger = {
        var logger = Logger(label: "memos.test")
        logger.logLevel = .error
        return logger
    }()

    /// Creates an empty database, runs `body` with its pool running, then drops the database.
    static func withEmptyDatabase<T: Sendable>(
        _ body: (DatabaseConfiguration, Database) async throws -> T
    ) async throws -> T {
        let server = try Self.serverConfiguration
        let name = "memos_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try await self.admin(server, "CREATE DATABASE \(name)")
        let configuration = server.with(database: name)
        do {
            let result = try await Database.withPool(configuration, logger: self.logger) { database in
                try await body(configuration, database)
            }
            try await self.admin(server, "DROP DATABASE \(name) WITH (FORCE)")
            return result
        } catch {
            try? await self.admin(server, "DROP DATABASE \(name) WITH (FORCE)")
            throw error
        }
    }

    /// Like ``withEmptyDatabase(_:)`` with the schema applied.
    static func withMigratedDatabase<T: Sendable>(_ body: (Database) async throws -> T) async throws -> T {
        try await self.withEmptyDatabase { _, database in
            try await Migrator(database: database).migrate()
            return try await body(database)
        }
    }

    /// A user `alice` who owns cube `alice-cube`; returns her API key.
    static func aliceOwningACube(in database: Database) async throws -> String {
        let accounts = PostgresAccountStore(database: database)
        let user = try await accounts.createUser(name: "alice", role: .user)
        try await accounts.createCube(id: "alice-cube", name: "alice", owner: user)
        return try await accounts.createAPIKey(for: user).key
    }

    /// Runs one statement on the server's maintenance database.
    static func admin(_ server: DatabaseConfiguration, _ sql: String) async throws {
        try await Database.execute(sql, on: server, logger: self.logger)
    }

    /// `SELECT count(*)` of a table (optionally followed by a `WHERE` clause).
    static func count(_ table: String, in database: Database) async throws -> Int {
        let rows = try await database.client.query(
            PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"),
            logger: self.logger
        )
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }
}
