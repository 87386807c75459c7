import Foundation
import MemOSCore
import PostgresNIO
import Testing
import _ConnectionPoolModule

@testable import MemOSPostgres
@testable import MemOSTestSupport

/// What a process does when its database is not there: it waits a bounded time, says why, and gives up with an
/// error that names the server; a pool that cannot connect answers `unavailable`, never an internal error.
@Suite("Database start-up and outages")
struct DatabaseStartupTests {
    @Test("start-up returns at once when the server accepts a session")
    func reachable() async throws {
        try await Database.waitUntilReachable(try TestDatabase.serverConfiguration, logger: TestDatabase.logger)
    }

    @Test("start-up gives up on a server that does not answer within its wait, naming the server and the reason")
    func unreachable() async throws {
        let port = try MemosBinary.freePort()
        var configuration = DatabaseConfiguration(
            host: "127.0.0.1",
            port: port,
            username: "postgres",
            database: "memos"
        )
        // Long enough for a first attempt to be refused even in a starved test run.
        configuration.startupWait = .seconds(5)
        let error = await #expect(throws: MemOSError.self) {
            try await Database.waitUntilReachable(configuration, logger: TestDatabase.logger)
        }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("127.0.0.1:\(port)") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("refused") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("MEMOS_DATABASE_URL") == true)
    }

    @Test("a database that does not exist fails at once with the server's reason: waiting cannot mend it")
    func missingDatabase() async throws {
        var configuration = try TestDatabase.serverConfiguration.with(
            database: "memos_missing_\(UInt32.random(in: 0...UInt32.max))"
        )
        configuration.startupWait = .seconds(600)
        let error = await #expect(throws: MemOSError.self) {
            try await Database.waitUntilReachable(configuration, logger: TestDatabase.logger)
        }
        #expect(error?.code == .failedPrecondition)
        #expect(error?.message.contains("does not exist") == true, "\(error?.message ?? "")")
    }

    @Test("a pool that has given up connecting answers unavailable; an abandoned request is a cancellation")
    func poolErrors() throws {
        let database = Database(configuration: try TestDatabase.serverConfiguration, logger: TestDatabase.logger)
        let tripped = database.translate(ConnectionPoolError.connectionCreationCircuitBreakerTripped)
        #expect((tripped as? MemOSError)?.code == .unavailable)
        #expect((database.translate(ConnectionPoolError.poolShutdown) as? MemOSError)?.code == .unavailable)
        #expect(database.translate(ConnectionPoolError.requestCancelled) is CancellationError)
    }

    @Test("a readiness probe answers false within its limit when the server is gone, true when it is there")
    func readiness() async throws {
        let gone = DatabaseConfiguration(
            host: "127.0.0.1",
            port: try MemosBinary.freePort(),
            username: "postgres",
            database: "memos"
        )
        let answer = try await Database.withPool(gone, logger: TestDatabase.logger) { database in
            await database.isReachable(within: .milliseconds(300))
        }
        #expect(answer == false)
        // A limit no starved test run reaches: the probe's own limit is what the first half shows.
        try await TestDatabase.withEmptyDatabase { _, database in
            #expect(await database.isReachable(within: .seconds(60)))
        }
    }

    @Test(
        "memos migrate against a server that is not there exits within its wait, saying which server and why",
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: MemosBinary.url.path),
            "build the memos product first"
        )
    )
    func command() async throws {
        let port = try MemosBinary.freePort()
        let run = try await MemosBinary.run(
            ["migrate"],
            environment: [
                "MEMOS_DATABASE_URL": "postgres://postgres@127.0.0.1:\(port)/memos", "MEMOS_DB_WAIT_SECONDS": "1",
            ]
        )
        #expect(run.status != 0)
        #expect(run.error.contains("waiting for the database"), "\(run.error)")
        #expect(run.error.contains("did not accept a session within 1.0 seconds"), "\(run.error)")
        #expect(run.error.contains("127.0.0.1:\(port)"), "\(run.error)")

        let invalid = try await MemosBinary.run(
            ["migrate", "--db-wait-seconds=4000"],
            environment: ["MEMOS_DATABASE_URL": "postgres://db/x"]
        )
        #expect(invalid.status != 0)
        #expect(invalid.error.contains("must be 0–3600, not 4000"), "\(invalid.error)")
    }
}
