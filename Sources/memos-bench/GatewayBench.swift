import ArgumentParser
import AsyncHTTPClient
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import MemOSCore
import MemOSEmbedding
import MemOSGateway
import MemOSPostgres
import MemOSProto
import MemOSRPC
import MemOSServer
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import SwiftProtobuf

/// What the gateway adds to a search: the same search over HTTP/JSON through the gateway and straight over gRPC
/// to the retrieval service, alternating one by one, on one run of the whole stack on loopback.
struct GatewayBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Gateway overhead: HTTP search through the gateway vs the same gRPC search, p50 and p99."
    )

    @Option(help: "PostgreSQL server URL; a fresh database is made and dropped (env MEMOS_DATABASE_URL).")
    var databaseURL: String?
    @Option(help: "Embedder: feature-hash (default; keeps the search itself cheap so the overhead shows) or minilm.")
    var embedder = "feature-hash"
    @Option(help: "Memories in the searched cube.")
    var memories = 2_000
    @Option(help: "Searches per path, after 50 of warm-up.")
    var queries = 1_000

    func run() async throws {
        guard let url = self.databaseURL ?? ProcessInfo.processInfo.environment["MEMOS_DATABASE_URL"] else {
            throw ValidationError(
                "pass --database-url or set MEMOS_DATABASE_URL (scripts/local-postgres.sh prints one)"
            )
        }
        let logger = BenchStack.logger
        let embedder = try EmbedderFactory.make(
            kind: self.embedder,
            modelDirectory: EmbedderFactory.defaultModelDirectory,
            logger: logger
        )
        let server = try DatabaseConfiguration(url: url, maxConnections: 16)
        let (grpc, http) = try await BenchStack.withScratchDatabase(server: server, logger: logger) { configuration in
            try await Database.withPool(configuration, logger: logger) { database in
                try await Migrator(database: database).migrate()
                let accounts = PostgresAccountStore(database: database)
                let user = try await accounts.createUser(name: "bench", role: .user)
                try await accounts.createCube(id: "bench", name: "bench", owner: user)
                let key = try await accounts.createAPIKey(for: user).key
                return try await self.measure(database: database, embedder: embedder, key: key, logger: logger)
            }
        }
        func row(_ name: String, _ latencies: [Double]) -> String {
            let sorted = latencies.sorted()
            let p50 = sorted[sorted.count / 2]
            let p99 = sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
            return "| \(name) | \(String(format: "%.3f", p50)) ms | \(String(format: "%.3f", p99)) ms |"
        }
        let added = zip(http, grpc).map { $0 - $1 }
        print(
            """
            Search, top 10 of \(self.memories) memories, \(self.embedder) embedder, \(self.queries) queries per path, \
            on \(Machine.describe())
            | path | p50 | p99 |
            |---|---|---|
            \(row("gRPC to the retrieval service", grpc))
            \(row("HTTP/JSON through the gateway", http))
            \(row("added by the gateway (paired difference)", added))
            """
        )
    }

    /// Runs the services and the gateway on loopback, fills the cube, then times the two paths alternately.
    func measure(
        database: Database,
        embedder: any Embedder,
        key: String,
        logger: Logger
    ) async throws -> ([Double], [Double]) {
        let ingest = ServerFactory.ingest(
            database: database,
            embedder: embedder,
            listener: .tcp(host: "127.0.0.1", port: 0),
            logger: logger
        )
        let retrieval = ServerFactory.retrieval(
            database: database,
            embedder: embedder,
            listener: .tcp(host: "127.0.0.1", port: 0),
            logger: logger
        )
        let scheduler = ServerFactory.scheduler(
            database: database,
            listener: .tcp(host: "127.0.0.1", port: 0),
            logger: logger
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for service in [ingest, retrieval, scheduler] { group.addTask { try await service.run() } }
            defer {
                for service in [ingest, retrieval, scheduler] { service.stopServing() }
            }
            let clients = try ServiceClients(
                ingest: .init(host: "127.0.0.1", port: try await ingest.listeningPort),
                retrieval: .init(host: "127.0.0.1", port: try await retrieval.listeningPort),
                scheduler: .init(host: "127.0.0.1", port: try await scheduler.listeningPort)
            )
            let gateway = ServerFactory.gateway(
                clients: clients,
                configuration: .init(host: "127.0.0.1", port: 0, rateLimit: nil),
                logger: logger
            )
            let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
            let services = ServiceGroup(
                services: [clients, try gateway.makeApplication { portContinuation.yield($0) }],
                logger: logger
            )
            group.addTask { try await services.run() }
            var port = 0
            for await bound in ports {
                port = bound
                break
            }
            let outcome: Result<([Double], [Double]), any Error>
            do {
                outcome = .success(try await self.time(clients: clients, gatewayPort: port, key: key))
            } catch {
                outcome = .failure(error)
            }
            await services.triggerGracefulShutdown()
            return try outcome.get()
        }
    }

    func time(clients: ServiceClients, gatewayPort port: Int, key: String) async throws -> ([Double], [Double]) {
        let metadata: Metadata = ["authorization": "Bearer \(key)"]
        for start in stride(from: 0, to: self.memories, by: 500) {
            _ = try await clients.ingest.addMemories(
                .with {
                    $0.cubeID = "bench"
                    $0.items = (start..<min(start + 500, self.memories)).map { index in
                        .with {
                            $0.content =
                                EmbedderBench.sentences[index % EmbedderBench.sentences.count] + " (note \(index))"
                        }
                    }
                },
                metadata: metadata
            )
        }
        var grpc: [Double] = []
        var http: [Double] = []
        let clock = ContinuousClock()
        for index in 0..<(self.queries + 50) {
            let query = "what does the user like? \(index % 97)"
            let request = Memos_Retrieval_V1_SearchRequest.with {
                $0.cubeIds = ["bench"]
                $0.query = query
            }
            var start = clock.now
            _ = try await clients.retrieval.search(request, metadata: metadata)
            let grpcTime = EmbedderBench.milliseconds(clock.now - start)
            var post = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/search")
            post.method = .POST
            post.headers.add(name: "Authorization", value: "Bearer \(key)")
            let body: [UInt8] = try request.jsonUTF8Bytes()
            post.body = .bytes(ByteBuffer(bytes: body))
            start = clock.now
            let response = try await HTTPClient.shared.execute(post, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 16 * 1_024 * 1_024)
            let httpTime = EmbedderBench.milliseconds(clock.now - start)
            guard response.status.code == 200 else {
                throw ValidationError("HTTP search answered \(response.status.code)")
            }
            if index >= 50 {
                grpc.append(grpcTime)
                http.append(httpTime)
            }
        }
        return (grpc, http)
    }
}
