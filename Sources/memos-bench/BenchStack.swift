import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import MemOSCore
import MemOSPostgres
import MemOSProto
import MemOSRPC
import MemOSRetrieval
import MemOSServer
import PostgresNIO

/// The ingest and retrieval services on loopback ports over a fresh database, with one user who owns the
/// cubes the benchmark asks for; torn down (database dropped) afterwards.
struct BenchStack {
    var ingest: Memos_Ingest_V1_IngestService.Client<HTTP2ClientTransport.Posix>
    var retrieval: Memos_Retrieval_V1_RetrievalService.Client<HTTP2ClientTransport.Posix>
    var metadata: Metadata
    /// The stack's database, for bulk loads and SQL baselines.
    var database: Database
    /// The retrieval server's search index.
    var index: RetrievalIndex

    static func run<T: Sendable>(
        server: DatabaseConfiguration,
        embedder: any Embedder,
        reader: FastReader,
        cubes: [String],
        _ body: (BenchStack) async throws -> T
    ) async throws -> T {
        let logger = Self.logger
        return try await Self.withScratchDatabase(server: server, logger: logger) { configuration in
            try await self.run(
                database: configuration,
                embedder: embedder,
                reader: reader,
                cubes: cubes,
                logger: logger,
                body
            )
        }
    }

    /// Errors only: a benchmark prints its own figures.
    static var logger: Logger {
        var logger = Logger(label: "memos.bench")
        logger.logLevel = .error
        return logger
    }

    /// Runs `body` with a new database on `server`, dropped afterwards.
    static func withScratchDatabase<T: Sendable>(
        server: DatabaseConfiguration,
        logger: Logger,
        _ body: (DatabaseConfiguration) async throws -> T
    ) async throws -> T {
        let name = "memos_bench_" + UUID.random().lowercasedString.filter { $0 != "-" }.prefix(12)
        try await Database.execute("CREATE DATABASE \(name)", on: server, logger: logger)
        do {
            let result = try await body(server.with(database: name))
            try? await Database.execute("DROP DATABASE \(name) WITH (FORCE)", on: server, logger: logger)
            return result
        } catch {
            try? await Database.execute("DROP DATABASE \(name) WITH (FORCE)", on: server, logger: logger)
            throw error
        }
    }

    private static func run<T: Sendable>(
        database configuration: DatabaseConfiguration,
        embedder: any Embedder,
        reader: FastReader,
        cubes: [String],
        logger: Logger,
        _ body: (BenchStack) async throws -> T
    ) async throws -> T {
        try await Database.withPool(configuration, logger: logger) { database in
            try await Migrator(database: database).migrate()
            let accounts = PostgresAccountStore(database: database)
            let user = try await accounts.createUser(name: "bench", role: .user)
            for cube in cubes { try await accounts.createCube(id: cube, name: cube, owner: user) }
            let (_, key) = try await accounts.createAPIKey(for: user)

            return try await self.serve(
                database: database,
                embedder: embedder,
                reader: reader,
                key: key,
                logger: logger,
                body
            )
        }
    }

    /// Runs the two servers for the duration of `body`.
    private static func serve<T: Sendable>(
        database: Database,
        embedder: any Embedder,
        reader: FastReader,
        key: String,
        logger: Logger,
        _ body: (BenchStack) async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            defer { group.cancelAll() }
            let ingest = ServerFactory.ingest(
                database: database,
                embedder: embedder,
                reader: reader,
                listener: .tcp(host: "127.0.0.1", port: 0),
                logger: logger
            )
            let index = ServerFactory.retrievalIndex(database: database, embedder: embedder, logger: logger)
            // MEMOS_RECORD_CACHE_MB as the retrieval service reads it (0: every returned memory read from PostgreSQL).
            let retrieval = ServerFactory.retrieval(
                database: database,
                embedder: embedder,
                listener: .tcp(host: "127.0.0.1", port: 0),
                logger: logger,
                index: index,
                recordCacheBytes: try ServerFactory.recordCacheBytes(settings: Settings())
            )
            group.addTask { try await ingest.run() }
            group.addTask { try await retrieval.run() }
            defer {
                ingest.stopServing()
                retrieval.stopServing()
            }
            let ingestPort = try await ingest.listeningPort
            let retrievalPort = try await retrieval.listeningPort
            return try await withGRPCClient(
                transport: .http2NIOPosix(
                    target: .ipv4(address: "127.0.0.1", port: ingestPort),
                    transportSecurity: .plaintext
                )
            ) { ingestClient in
                try await withGRPCClient(
                    transport: .http2NIOPosix(
                        target: .ipv4(address: "127.0.0.1", port: retrievalPort),
                        transportSecurity: .plaintext
                    )
                ) { retrievalClient in
                    try await body(
                        BenchStack(
                            ingest: .init(wrapping: ingestClient),
                            retrieval: .init(wrapping: retrievalClient),
                            metadata: ["authorization": "Bearer \(key)"],
                            database: database,
                            index: index
                        )
                    )
                }
            }
        }
    }
}
