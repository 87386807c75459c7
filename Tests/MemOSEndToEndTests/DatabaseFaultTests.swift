import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import MemOSCore
import MemOSProto
import MemOSRPC
import MemOSServer
import PostgresNIO
import SwiftProtobuf
import Testing

@testable import MemOSPostgres
@testable import MemOSTestSupport

/// The database connection lost at each point of a write: the client hears UNAVAILABLE (never INTERNAL), told when
/// the write may have happened, and its retry with the same idempotency key writes once.
@Suite("A lost database connection is UNAVAILABLE and a retry writes once")
struct DatabaseFaultTests {
    struct Point: Sendable, CustomTestStringConvertible {
        var name: String
        var cut: FaultProxy.Cut
        /// Whether the server had the write before the cut.
        var committed: Bool
        var testDescription: String { self.name }
    }

    static let points: [Point] = [
        Point(name: "at BEGIN", cut: .before("BEGIN"), committed: false),
        Point(name: "during the write statement", cut: .before("INSERT INTO idempotency_keys"), committed: false),
        Point(name: "before COMMIT reaches the server", cut: .before("COMMIT"), committed: false),
        Point(name: "after COMMIT, before its answer", cut: .after("COMMIT"), committed: true),
    ]

    @Test("AddMemories", arguments: points)
    func addMemories(_ point: Point) async throws {
        try await TestDatabase.withEmptyDatabase { configuration, direct in
            try await Migrator(database: direct).migrate()
            let key = try await TestDatabase.aliceOwningACube(in: direct)

            let proxy = try FaultProxy(targetHost: configuration.host, targetPort: configuration.port)
            defer { proxy.close() }
            var proxied = configuration
            proxied.host = "127.0.0.1"
            proxied.port = proxy.port
            try await Database.withPool(proxied, logger: TestDatabase.logger) { database in
                let ingest = ServerFactory.ingest(
                    database: database,
                    embedder: FeatureHashingEmbedder(),
                    listener: .tcp(host: "127.0.0.1", port: 0),
                    logger: TestDatabase.logger
                )
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await ingest.run() }
                    let port = try await ingest.listeningPort
                    try await withGRPCClient(
                        transport: .http2NIOPosix(
                            target: .ipv4(host: "127.0.0.1", port: port),
                            transportSecurity: .plaintext
                        )
                    ) { client in
                        let service = Memos_Ingest_V1_IngestService.Client(wrapping: client)
                        let metadata: Metadata = ["authorization": "Bearer \(key)"]
                        var options = CallOptions.defaults
                        options.timeout = .seconds(20)
                        let request = Memos_Ingest_V1_AddMemoriesRequest.with {
                            $0.cubeID = "alice-cube"
                            $0.idempotencyKey = "write-1"
                            $0.items = [.with { $0.content = "The lighthouse keeper's name is Ada" }]
                        }
                        // A first write readies the pool's connection and the prepared statement.
                        _ = try await service.addMemories(
                            .with {
                                $0.cubeID = "alice-cube"
                                $0.items = [.with { $0.content = "warm-up" }]
                            },
                            metadata: metadata,
                            options: options
                        )

                        proxy.arm(point.cut)
                        let error = await #expect(throws: RPCError.self) {
                            _ = try await service.addMemories(request, metadata: metadata, options: options)
                        }
                        #expect(proxy.cutCount == 1)
                        #expect(error?.code == .unavailable, "\(String(describing: error))")
                        #expect(error?.message.contains("idempotency key") == true, "\(error?.message ?? "")")
                        if case .after = point.cut {
                            #expect(error?.message.contains("may have happened") == true, "\(error?.message ?? "")")
                        }
                        let stored = try await TestDatabase.count(
                            "memories WHERE content = 'The lighthouse keeper''s name is Ada'",
                            in: direct
                        )
                        #expect(stored == (point.committed ? 1 : 0))

                        // The retry (the pool reconnects through the proxy, which now lets everything pass) writes once.
                        var retried: Memos_Ingest_V1_AddMemoriesResponse?
                        for _ in 0..<50 where retried == nil {
                            retried = try? await service.addMemories(request, metadata: metadata, options: options)
                            if retried == nil { try await Task.sleep(for: .milliseconds(200)) }
                        }
                        let response = try #require(retried)
                        #expect(response.memoryIds.count == 1)
                        let after = try await TestDatabase.count(
                            "memories WHERE content = 'The lighthouse keeper''s name is Ada'",
                            in: direct
                        )
                        #expect(after == 1)
                    }
                    ingest.stopServing()
                    try await group.waitForAll()
                }
            }
        }
    }

    /// A connection lost while a large result streams in (PostgreSQL restarted under a reorganise job's read) is
    /// `unavailable`, and the process lives: postgres-nio 1.33.2 stops the process when the socket's end arrives
    /// while a row sequence waits for its consumer (RowStreamStateMachine.channelReadComplete), so every read
    /// collects its rows without back-pressure (`PostgresConnection.rows`).
    @Test("A connection lost mid-result is UNAVAILABLE and the process lives")
    func lostMidResult() async throws {
        try await TestDatabase.withEmptyDatabase { configuration, _ in
            let proxy = try FaultProxy(targetHost: configuration.host, targetPort: configuration.port)
            defer { proxy.close() }
            var proxied = configuration
            proxied.host = "127.0.0.1"
            proxied.port = proxy.port
            try await Database.withPool(proxied, logger: TestDatabase.logger) { database in
                let query: PostgresQuery = "SELECT n, repeat('x', 2000) FROM generate_series(1, 5000) AS n"
                let whole = try await database.withConnection { try await $0.rows(query, logger: TestDatabase.logger) }
                #expect(whole.count == 5000)
                for attempt in 0..<20 {
                    proxy.arm(.partway("generate_series", bytes: 100_000 + attempt * 37_000))
                    let error = await #expect(throws: MemOSError.self) {
                        _ = try await database.withConnection { try await $0.rows(query, logger: TestDatabase.logger) }
                    }
                    #expect(error?.code == .unavailable, "\(String(describing: error))")
                }
                // Some attempts fail early, on a pool still replacing the connection cut before; most reach the cut.
                #expect(proxy.cutCount >= 5)
            }
        }
    }

    /// A service's health check reflects its database, so the gateway's /readyz and load balancers stop sending
    /// calls that could only fail: SERVING while PostgreSQL answers, NOT_SERVING once it does not.
    @Test("A service's health follows its database")
    func healthFollowsDatabase() async throws {
        try await TestDatabase.withEmptyDatabase { configuration, _ in
            var down = configuration
            down.host = "127.0.0.1"
            down.port = try MemosBinary.freePort()
            for (configuration, expected) in [
                (configuration, Grpc_Health_V1_HealthCheckResponse.ServingStatus.serving), (down, .notServing),
            ] {
                let database = Database(configuration: configuration, logger: TestDatabase.logger)
                let server = ServerFactory.ingest(
                    database: database,
                    embedder: FeatureHashingEmbedder(),
                    listener: .tcp(host: "127.0.0.1", port: 0),
                    logger: TestDatabase.logger
                )
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await database.client.run() }
                    group.addTask { try await server.run() }
                    defer { group.cancelAll() }
                    let port = try await server.listeningPort
                    let status = try await withGRPCClient(
                        transport: .http2NIOPosix(
                            target: .ipv4(address: "127.0.0.1", port: port),
                            transportSecurity: .plaintext
                        )
                    ) { client in
                        let health = Grpc_Health_V1_Health.Client(wrapping: client)
                        // The probe runs in the background of the checks, at most once a second, for up to 5 s.
                        var status = try await health.check(.with { $0.service = "memos.ingest.v1.IngestService" })
                            .status
                        for _ in 0..<40 where status != expected {
                            try await Task.sleep(for: .milliseconds(250))
                            status = try await health.check(.with { $0.service = "memos.ingest.v1.IngestService" })
                                .status
                        }
                        return status
                    }
                    #expect(status == expected)
                }
            }
        }
    }
}
